using System;
using System.Diagnostics;
using System.Globalization;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// <c>dotnet run -c Release -- quick</c>: the GFLOP/s table in a few seconds, for iterating on the kernels.
/// Each cell is the median of 15 samples, each sample timing enough back-to-back calls to last ~20 ms;
/// medians because the machine is shared and a neighbour's build shows up as outliers, not as a shift.
/// </summary>
public static class QuickTable
{
    private const int Samples = 15;
    private const double SampleSeconds = 0.02;

    /// <summary>Prints the table for the BERT shapes on 1 and 2 threads, then the hand-off cost.</summary>
    public static void Run(string[] args)
    {
        GemmPath path = args.Length > 1 ? Enum.Parse<GemmPath>(args[1], ignoreCase: true) : GemmPath.Auto;
        Console.WriteLine($"path {GemmPathResolver.Resolve(path)}, {Environment.ProcessorCount} cores, median of {Samples} samples");
        Console.WriteLine("shape                      threads   GFLOP/s   % of peak");
        using ComputePool pool = new(2);
        foreach (GemmShape shape in GemmShape.Bert)
        {
            using LinearGemmFixture fixture = new(shape);
            foreach (int threads in new[] { 1, 2 })
            {
                ComputePool? p = threads == 1 ? null : pool;
                double seconds = MedianSeconds(() => fixture.Run(p, path));
                double gflops = shape.Flops / seconds / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name,-26} {threads,7} {gflops,9:F1} {100 * gflops / MachinePeak.For(threads),10:F1}%"));
            }
        }

        double handoff = HandoffMicroseconds(pool);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pool hand-off (empty 2-part dispatch, workers spinning): {handoff:F2} µs median"));
    }

    /// <summary>Median seconds per call of <paramref name="action"/>.</summary>
    public static double MedianSeconds(Action action)
    {
        action();
        Stopwatch watch = Stopwatch.StartNew();
        int calls = 0;
        while (watch.Elapsed.TotalSeconds < SampleSeconds / 4)
        {
            action();
            calls++;
        }

        int perSample = Math.Max(1, (int)(calls * 4 * SampleSeconds / Math.Max(watch.Elapsed.TotalSeconds, 1e-9) / 4));
        double[] samples = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < perSample; i++)
            {
                action();
            }

            samples[s] = Stopwatch.GetElapsedTime(start).TotalSeconds / perSample;
        }

        Array.Sort(samples);
        return samples[Samples / 2];
    }

    private static unsafe double HandoffMicroseconds(ComputePool pool)
    {
        return MedianSeconds(() => pool.Run(&Nothing, null, 2)) * 1e6;
    }

    private static unsafe void Nothing(void* context, int part, int parts)
    {
    }
}
