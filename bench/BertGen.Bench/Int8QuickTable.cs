using System;
using System.Globalization;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The int8 part of the quick mode (<c>quick</c> prints it after the fp32 table, <c>int8</c> alone): the
/// VPDPBUSD ceiling now, the int8 micro-kernel on L1-resident data, and the int8 linear layer (quantisation of x
/// included) at the BERT-base and MiniLM shapes on 1 and 2 threads, as GOP/s, % of the VPDPBUSD ceiling now and
/// against the fp32 GEMM on the same shape, the two timed in alternating samples.
/// </summary>
public static class Int8QuickTable
{
    /// <summary>Prints the section.</summary>
    internal static void Run(ComputePool pool, Int8Path path)
    {
        Console.WriteLine($"int8 path {Int8PathResolver.Resolve(path)} (its epilogue on {Int8Gemm.EpiloguePath(path)})");
        (double median, double best) = QuickTable.Time(() => VnniPeak.Run(1));
        (double median2, double best2) = QuickTable.Time(() => RunPeakOnTwoThreads(pool));
        double[] ceilingMedian = [0, VnniPeak.Operations / median / 1e9, 2 * VnniPeak.Operations / median2 / 1e9];
        double[] ceilingBest = [0, VnniPeak.Operations / best / 1e9, 2 * VnniPeak.Operations / best2 / 1e9];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"VPDPBUSD ceiling now, 12 chains of 256-bit: 1 thread median {ceilingMedian[1]:F1} best {ceilingBest[1]:F1}; 2 threads median {ceilingMedian[2]:F1} best {ceilingBest[2]:F1} GOP/s"));
        using (Int8MicroKernelProbe probe = new())
        {
            (double kMedian, double kBest) = QuickTable.Time(probe.Run);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"int8 8x48 micro-kernel (AVX-VNNI), L1-resident, k={Int8MicroKernelProbe.K}: median {Int8MicroKernelProbe.Operations / kMedian / 1e9:F1}, best {Int8MicroKernelProbe.Operations / kBest / 1e9:F1} GOP/s ({100 * Int8MicroKernelProbe.Operations / kBest / 1e9 / ceilingBest[1]:F1}% of ceiling)"));
        }

        Console.WriteLine("shape                      threads  int8 median GOP/s (% ceiling)   best (% ceiling)   fp32 median GFLOP/s   best   int8/fp32 time (medians, bests)");
        foreach (GemmShape shape in GemmShape.Bert)
        {
            using Int8LinearFixture int8 = new(shape);
            using LinearGemmFixture fp32 = new(shape);
            foreach (int threads in new[] { 1, 2 })
            {
                ComputePool? p = threads == 1 ? null : pool;
                ((double i8Median, double i8Best), (double f32Median, double f32Best)) = QuickTable.TimeAlternating(() => int8.Run(p, path), () => fp32.Run(p));
                double gMedian = shape.Flops / i8Median / 1e9, gBest = shape.Flops / i8Best / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name,-26} {threads,7} {gMedian,14:F1} ({100 * gMedian / ceilingMedian[threads],5:F1}%) {gBest,10:F1} ({100 * gBest / ceilingBest[threads],5:F1}%) {shape.Flops / f32Median / 1e9,16:F1} {shape.Flops / f32Best / 1e9,8:F1}   {f32Median / i8Median,5:F2}x, {f32Best / i8Best,5:F2}x faster"));
            }
        }
    }

    private static unsafe void RunPeakOnTwoThreads(ComputePool pool) => pool.Run(&PeakPart, null, 2);

    private static unsafe void PeakPart(void* context, int part, int parts) => VnniPeak.Run(part);
}
