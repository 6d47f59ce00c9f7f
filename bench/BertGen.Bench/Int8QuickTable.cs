using System;
using System.Globalization;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The int8 part of the quick mode (<c>quick</c> prints it after the fp32 table, <c>int8</c> alone): the
/// VPDPBUSD ceiling now, the int8 micro-kernel on L1-resident data, and the int8 linear layer (quantisation of x
/// included) at the BERT-base and MiniLM shapes on 1 and 2 threads, as GOP/s, % of the VPDPBUSD ceiling and against
/// the fp32 GEMM on the same shape.
/// </summary>
/// <remarks>
/// Each row times the int8 GEMM, the fp32 GEMM and the ceiling on the same threads in turn, sample after sample
/// (201 samples of ~1 ms), so the three see the same load and "% of ceiling" compares like with like; short samples,
/// because on a machine shared with builds a 5 ms sample rarely runs untouched, and the best sample is the one that
/// shows the kernel.
/// </remarks>
public static class Int8QuickTable
{
    private const int Samples = 201;
    private const double SampleSeconds = 0.001;

    /// <summary>Prints the section.</summary>
    internal static void Run(ComputePool pool, Int8Path path)
    {
        Console.WriteLine($"int8 path {Int8PathResolver.Resolve(path)} (its epilogue on {Int8Gemm.EpiloguePath(path)}), {Samples} samples of ~{SampleSeconds * 1e3} ms, int8 / fp32 / ceiling in turn");
        (double Median, double Best)[] peak = QuickTable.TimeAlternating([() => VnniPeak.Run(1), () => RunPeakOnTwoThreads(pool)], Samples, SampleSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"VPDPBUSD ceiling now, 12 chains of 256-bit: 1 thread median {VnniPeak.Operations / peak[0].Median / 1e9:F1} best {VnniPeak.Operations / peak[0].Best / 1e9:F1}; 2 threads median {2 * VnniPeak.Operations / peak[1].Median / 1e9:F1} best {2 * VnniPeak.Operations / peak[1].Best / 1e9:F1} GOP/s"));
        using (Int8MicroKernelProbe probe = new())
        {
            (double Median, double Best)[] kernel = QuickTable.TimeAlternating([probe.Run, () => VnniPeak.Run(1)], Samples, SampleSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"int8 8x48 micro-kernel (AVX-VNNI), L1-resident, k={Int8MicroKernelProbe.K}: median {Int8MicroKernelProbe.Operations / kernel[0].Median / 1e9:F1}, best {Int8MicroKernelProbe.Operations / kernel[0].Best / 1e9:F1} GOP/s ({100 * Int8MicroKernelProbe.Operations / kernel[0].Best / (VnniPeak.Operations / kernel[1].Best):F1}% of the ceiling beside it)"));
        }

        Console.WriteLine("shape                      threads  int8 GOP/s median (% ceiling)   best (% ceiling)   fp32 GFLOP/s median   best   int8 faster than fp32 (medians, bests)");
        foreach (GemmShape shape in GemmShape.Bert)
        {
            using Int8LinearFixture int8 = new(shape);
            using LinearGemmFixture fp32 = new(shape);
            foreach (int threads in new[] { 1, 2 })
            {
                ComputePool? p = threads == 1 ? null : pool;
                Action ceiling = threads == 1 ? () => VnniPeak.Run(1) : () => RunPeakOnTwoThreads(pool);
                (double Median, double Best)[] t = QuickTable.TimeAlternating([() => int8.Run(p, path), () => fp32.Run(p), ceiling], Samples, SampleSeconds);
                double ceilingMedian = threads * VnniPeak.Operations / t[2].Median / 1e9, ceilingBest = threads * VnniPeak.Operations / t[2].Best / 1e9;
                double gMedian = shape.Flops / t[0].Median / 1e9, gBest = shape.Flops / t[0].Best / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name,-26} {threads,7} {gMedian,14:F1} ({100 * gMedian / ceilingMedian,5:F1}%) {gBest,10:F1} ({100 * gBest / ceilingBest,5:F1}%) {shape.Flops / t[1].Median / 1e9,16:F1} {shape.Flops / t[1].Best / 1e9,8:F1}   {t[1].Median / t[0].Median,5:F2}x, {t[1].Best / t[0].Best,5:F2}x"));
            }
        }
    }

    private static unsafe void RunPeakOnTwoThreads(ComputePool pool) => pool.Run(&PeakPart, null, 2);

    private static unsafe void PeakPart(void* context, int part, int parts) => VnniPeak.Run(part);
}
