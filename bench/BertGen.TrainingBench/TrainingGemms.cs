using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using BertGen.Bench;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.TrainingBench;

/// <summary>
/// The GEMMs of a BERT-base 8×128 training step (1,024 tokens) one by one, in the forms the generated step calls, each
/// timed over operands rotated through <c>sets</c> copies (8 copies of 48 MB: every call starts from memory, as in a step
/// that has touched 700 MB of activations and weights since) or one copy (warm in the caches), beside the FMA ceiling of
/// the same pool measured before and after. What the step's micro-kernel time can be compared with.
/// </summary>
internal static unsafe class TrainingGemms
{
    private const int Tokens = 1024, Hidden = 768, Intermediate = 3072;

    private enum Form
    {
        /// <summary>y = x·Wᵀ + b: <c>Gemm.Linear</c> on the weight packed once.</summary>
        Forward,

        /// <summary>dW = dYᵀ·X: <c>Gemm.MultiplyTransposedA</c>, dY read in place, X packed per call.</summary>
        WeightGradient,

        /// <summary>dW with dYᵀ stored row-major beforehand (<c>Gemm.Multiply</c>): what transposing dY would buy.</summary>
        WeightGradientRowMajorA,

        /// <summary>dX = dY·W: <c>Gemm.Multiply</c>, W packed per call.</summary>
        InputGradient,

        /// <summary>dX with W packed beforehand (<c>Gemm.Linear</c> on W packed as [K = out, N = in]): packing W once per step.</summary>
        InputGradientPrepacked,
    }

    public static int Run(int threads, int sets, int repetitions)
    {
        using var pool = new ComputePool(threads);
        long length = (long)Tokens * Intermediate;
        float*[] a = new float*[sets], b = new float*[sets], c = new float*[sets];
        for (int s = 0; s < sets; s++)
        {
            a[s] = Random(length, 2 * s);
            b[s] = Random(length, (2 * s) + 1);
            c[s] = Random(length, -1);
        }

        float* scratch = Random(PackedPanels.PackedLength(Intermediate, Intermediate), -1);
        float* packed = Random(PackedPanels.PackedLength(Intermediate, Intermediate), -1);
        (string Name, int Out, int In)[] layers = [("qkv", 3 * Hidden, Hidden), ("attention out", Hidden, Hidden), ("FFN up", Intermediate, Hidden), ("FFN down", Hidden, Intermediate)];
        Console.WriteLine($"BERT-base training GEMMs at {Tokens} tokens, {threads} threads, operands rotated through {sets} copies, median of {repetitions} calls after 2");
        Console.WriteLine($"FMA ceiling before: {Ceiling(pool):F0} GFLOP/s (best of 30 samples)");
        Console.WriteLine("| form | layer | M×N×K | median ms | GFLOP/s |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: |");
        foreach (Form form in Enum.GetValues<Form>())
        {
            foreach ((string name, int outFeatures, int inFeatures) in layers)
            {
                (int m, int n, int k) = form switch
                {
                    Form.Forward => (Tokens, outFeatures, inFeatures),
                    Form.WeightGradient or Form.WeightGradientRowMajorA => (outFeatures, inFeatures, Tokens),
                    _ => (Tokens, inFeatures, outFeatures),
                };
                if (form == Form.Forward)
                {
                    PanelPacker.PackTransposed(n, k, b[0], k, packed, 0, PackedPanels.PanelCount(n));
                }
                else if (form == Form.InputGradientPrepacked)
                {
                    PanelPacker.PackDirect(n, k, b[0], n, packed, 0, PackedPanels.PanelCount(n));
                }

                double[] seconds = new double[repetitions];
                for (int r = -2; r < repetitions; r++)
                {
                    int s = (r + 2) % sets;
                    long start = Stopwatch.GetTimestamp();
                    switch (form)
                    {
                        case Form.Forward:
                        case Form.InputGradientPrepacked:
                            Gemm.Linear(m, n, k, a[s], k, packed, c[s], n, GemmEpilogue.None, pool);
                            break;
                        case Form.WeightGradient:
                            Gemm.MultiplyTransposedA(m, n, k, a[s], m, b[s], n, c[s], n, scratch, GemmEpilogue.None, pool);
                            break;
                        default:
                            Gemm.Multiply(m, n, k, a[s], k, b[s], n, c[s], n, scratch, GemmEpilogue.None, pool);
                            break;
                    }

                    if (r >= 0)
                    {
                        seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    }
                }

                Array.Sort(seconds);
                double median = seconds[repetitions / 2];
                Console.WriteLine($"| {form} | {name} | {m}×{n}×{k} | {median * 1e3:F2} | {2.0 * m * n * k / median / 1e9:F0} |");
            }
        }

        Console.WriteLine($"FMA ceiling after: {Ceiling(pool):F0} GFLOP/s");
        return 0;
    }

    // Best of 30 samples of FmaPeak on every thread of the pool at once.
    private static double Ceiling(ComputePool pool)
    {
        double best = double.MaxValue;
        for (int i = 0; i < 30; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.Run(&PeakPart, null, pool.ThreadCount);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return pool.ThreadCount * FmaPeak.Flops / best / 1e9;
    }

    private static void PeakPart(void* context, int part, int parts) => FmaPeak.Run(part);

    // 64-byte aligned, filled from a seed (or left unfilled for a negative one); never freed: the process ends after.
    private static float* Random(long length, int seed)
    {
        float* p = (float*)NativeMemory.AlignedAlloc((nuint)(length * sizeof(float)), 64);
        var random = new Random(seed);
        for (long i = 0; i < length; i++)
        {
            p[i] = seed < 0 ? 0f : (float)(random.NextDouble() - 0.5);
        }

        return p;
    }
}
