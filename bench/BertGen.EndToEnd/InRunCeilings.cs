using System;
using System.Runtime.Intrinsics.X86;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The fp32 and int8 multiply-add ceilings of the threads a comparison runs on, measured in the same run: the quick
/// tables' probes (<see cref="FmaPeak"/>: 24 independent <c>Vector512</c> FMA chains; <see cref="VnniPeak"/>: 12
/// independent 256-bit VPDPBUSD chains, 64 ops each) on every thread of the pool at once, their ~1 ms samples taken in
/// turn (<see cref="AlternatingSamples"/>) so the load falls on both alike.
/// </summary>
/// <param name="Threads">Threads the probes ran on.</param>
/// <param name="FmaMedianGflops">fp32 FMA ceiling, median sample, GFLOP/s over all threads.</param>
/// <param name="FmaBestGflops">fp32 FMA ceiling, best sample (what an untouched time slice gives).</param>
/// <param name="VnniMedianGops">VPDPBUSD ceiling, median sample, GOP/s over all threads (NaN without AVX-VNNI).</param>
/// <param name="VnniBestGops">VPDPBUSD ceiling, best sample.</param>
public sealed record InRunCeilings(int Threads, double FmaMedianGflops, double FmaBestGflops, double VnniMedianGops, double VnniBestGops)
{
    private const int Samples = 101;
    private const double SampleSeconds = 0.001;

    /// <summary>Both ceilings on all of <paramref name="pool"/>'s threads, now.</summary>
    public static unsafe InRunCeilings Measure(ComputePool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        int threads = pool.ThreadCount;
        Action fma = () => pool.Run(&FmaPart, null, threads);
        Action[] probes = AvxVnni.IsSupported ? [fma, () => pool.Run(&VnniPart, null, threads)] : [fma];
        (double Median, double Best)[] t = AlternatingSamples.Time(probes, Samples, SampleSeconds);
        double fmaFlops = threads * FmaPeak.Flops, vnniOps = threads * VnniPeak.Operations;
        return new InRunCeilings(
            threads, fmaFlops / t[0].Median / 1e9, fmaFlops / t[0].Best / 1e9,
            t.Length > 1 ? vnniOps / t[1].Median / 1e9 : double.NaN, t.Length > 1 ? vnniOps / t[1].Best / 1e9 : double.NaN);
    }

    private static unsafe void FmaPart(void* context, int part, int parts) => FmaPeak.Run(part);

    private static unsafe void VnniPart(void* context, int part, int parts) => VnniPeak.Run(part);
}
