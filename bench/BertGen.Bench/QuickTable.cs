using System;
using System.Globalization;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// <c>dotnet run -c Release -- quick</c>: the GFLOP/s table in a few seconds, for iterating on the kernels.
/// Each cell is the median and the best of 31 samples, each sample timing enough back-to-back calls to last
/// ~5 ms. On a shared machine a neighbour's build steals whole time slices: the median shows what a run sees
/// under that load, the best sample (a slice nobody preempted) what the kernel itself does.
/// </summary>
public static class QuickTable
{
    private const int Samples = 31;
    private const double SampleSeconds = 0.005;

    /// <summary>Prints the table for the BERT shapes on 1 and 2 threads, then the hand-off cost, then the int8 section.</summary>
    public static void Run(string[] args)
    {
        GemmPath path = args.Length > 1 ? Enum.Parse<GemmPath>(args[1], ignoreCase: true) : GemmPath.Auto;
        Console.WriteLine($"path {GemmPathResolver.Resolve(path)}, {Environment.ProcessorCount} cores, median of {Samples} samples");
        using ComputePool pool = new(2);
        (double peakMedian, double peakBest) = Time(() => FmaPeak.Run(1f));
        (double peak2Median, double peak2Best) = Time(() => RunPeakOnTwoThreads(pool));
        double[] ceilingNow = [0, FmaPeak.Flops / peakBest / 1e9, 2 * FmaPeak.Flops / peak2Best / 1e9];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FMA ceiling now, 24 chains: 1 thread median {FmaPeak.Flops / peakMedian / 1e9:F1} best {ceilingNow[1]:F1}; 2 threads median {2 * FmaPeak.Flops / peak2Median / 1e9:F1} best {ceilingNow[2]:F1} GFLOP/s (REFERENCE §8 quiet machine: {MachinePeak.OneCoreGflops} / {MachinePeak.TwoCoreGflops})"));
        using (MicroKernelProbe probe = new())
        {
            (double kMedian, double kBest) = Time(probe.Run);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"8x48 micro-kernel, L1-resident, k={MicroKernelProbe.K}: median {MicroKernelProbe.Flops / kMedian / 1e9:F1}, best {MicroKernelProbe.Flops / kBest / 1e9:F1} GFLOP/s"));
        }

        Console.WriteLine("shape                      threads  median GFLOP/s (% §8 peak)   best GFLOP/s (% §8 peak, % ceiling now)");
        foreach (GemmShape shape in GemmShape.Bert)
        {
            using LinearGemmFixture fixture = new(shape);
            foreach (int threads in new[] { 1, 2 })
            {
                ComputePool? p = threads == 1 ? null : pool;
                (double median, double best) = Time(() => fixture.Run(p, path));
                double gMedian = shape.Flops / median / 1e9, gBest = shape.Flops / best / 1e9;
                double peak = MachinePeak.For(threads);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name,-26} {threads,7} {gMedian,14:F1} ({100 * gMedian / peak,5:F1}%) {gBest,14:F1} ({100 * gBest / peak,5:F1}%, {100 * gBest / ceilingNow[threads],5:F1}%)"));
            }
        }

        ActivationCostProbe.Print();

        using (FormsFixture forms = new())
        {
            foreach ((string name, double flops, Action<ComputePool?> run) in forms.Forms)
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    ComputePool? p = threads == 1 ? null : pool;
                    (double median, double best) = Time(() => run(p));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-30} {threads} thr: median {flops / median / 1e9,6:F1}, best {flops / best / 1e9,6:F1} GFLOP/s ({100 * flops / best / 1e9 / ceilingNow[threads],5:F1}% of ceiling now)"));
                }
            }
        }

        HandoffProbe.Print(pool);
        foreach (GemmShape shape in GemmShape.Tiny)
        {
            using LinearGemmFixture fixture = new(shape);
            (double one, double oneBest) = Time(() => fixture.Run(null, path));
            (double two, double twoBest) = Time(() => fixture.Run(pool, path));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{shape.Name,-26} 1 thread {one * 1e6,7:F2} µs (best {oneBest * 1e6:F2}), 2 threads {two * 1e6,7:F2} µs (best {twoBest * 1e6:F2}): speed-up {one / two:F2}x (best {oneBest / twoBest:F2}x)"));
        }

        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
        {
            Int8QuickTable.Run(pool, Runtime.Kernels.Int8.Int8Path.Auto);
        }
    }

    /// <summary>Median and best seconds per call of <paramref name="action"/>.</summary>
    public static (double Median, double Best) Time(Action action) => TimeAlternating([action], Samples, SampleSeconds)[0];

    /// <summary>Median and best seconds per call of each of <paramref name="actions"/>, sampled in turn (<see cref="AlternatingSamples"/>).</summary>
    public static (double Median, double Best)[] TimeAlternating(Action[] actions, int samples, double sampleSeconds) =>
        AlternatingSamples.Time(actions, samples, sampleSeconds);

    private static unsafe void RunPeakOnTwoThreads(ComputePool pool) => pool.Run(&PeakPart, null, 2);

    private static unsafe void PeakPart(void* context, int part, int parts) => FmaPeak.Run(part);
}
