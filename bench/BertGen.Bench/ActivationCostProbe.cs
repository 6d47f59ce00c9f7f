using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;

namespace BertGen.Bench;

/// <summary>
/// Cost of each epilogue activation on <c>Vector512</c>, in ns per element: best of 200 passes over 4096
/// L1-resident values spread over [−5, 5], so the line shows the arithmetic, not memory.
/// </summary>
public static class ActivationCostProbe
{
    /// <summary>Measures and prints one line.</summary>
    public static void Print()
    {
        float[] data = new float[4096];
        string line = "activation cost, Vector512, ns/element (best of 200):";
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            double best = double.MaxValue;
            for (int rep = 0; rep < 200; rep++)
            {
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = ((i % 200) - 100) * 0.05f;
                }

                long start = Stopwatch.GetTimestamp();
                Pass(activation, data);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / data.Length);
            }

            line += string.Create(CultureInfo.InvariantCulture, $" {activation} {best:F2}");
        }

        Console.WriteLine(line);
    }

    // Dispatched once per pass, as a GEMM epilogue dispatches once per tile and loops with the operator inlined: dispatching
    // per vector (Activations.Apply, for tests and tools) measured the dispatch, 5-6 ns per element, not the formula.
    private static void Pass(Activation activation, float[] data)
    {
        var pass = new OperatorPass(data);
        Activations.Dispatch(activation, ref pass);
    }

    private readonly struct OperatorPass(float[] data) : IActivationAction
    {
        // Fully optimised from the first call, as the epilogue that inlines the activation is: a tier-0 copy would
        // measure the JIT, not the formula.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TActivation>()
            where TActivation : struct, IActivationOperator
        {
            for (int i = 0; i < data.Length; i += 16)
            {
                Span<float> chunk = data.AsSpan(i, 16);
                TActivation.Invoke(Vector512.Create<float>(chunk)).CopyTo(chunk);
            }
        }
    }
}
