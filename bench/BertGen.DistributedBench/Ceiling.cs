using System;
using System.Diagnostics;
using System.Threading;
using BertGen.Bench;

namespace BertGen.DistributedBench;

/// <summary>
/// The FMA ceiling now, on 1 and on 2 threads (<see cref="FmaPeak"/>'s 24 independent <c>Vector512</c> chains): the
/// denominator of the comparison's "% of ceiling", measured in the same run so the machine's load lowers both alike.
/// </summary>
internal static class Ceiling
{
    private const int RunsPerProbe = 20; // ~8 ms of chains per probe: long beside thread start-up

    /// <summary>Median GFLOP/s of 9 probes on one thread and of 9 on two threads started together.</summary>
    public static (double One, double Two) Measure()
    {
        Probe(1);
        var one = new double[9];
        var two = new double[9];
        for (int i = 0; i < one.Length; i++)
        {
            one[i] = Probe(1);
            two[i] = Probe(2);
        }

        Array.Sort(one);
        Array.Sort(two);
        return (one[one.Length / 2], two[two.Length / 2]);
    }

    private static double Probe(int threads)
    {
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                ready.SignalAndWait();
                for (int r = 0; r < RunsPerProbe; r++)
                {
                    FmaPeak.Run(1f);
                }
            });
            workers[t].Start();
        }

        ready.SignalAndWait();
        long start = Stopwatch.GetTimestamp();
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return threads * RunsPerProbe * FmaPeak.Flops / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
    }
}

/// <summary>
/// Floating-point operations of one pretraining step (forward + backward ≈ 3 × forward) at 8 × 128 per rank with 20
/// predictions per sequence: per token and layer 2·(4H² + 2HI) for the linear layers and 4·S·H for scores and context;
/// the MLM head 2·(H² + H·V) per prediction; embeddings, LayerNorm, softmax and the optimiser left out (they are
/// memory-bound and small), so the percentages are of useful matrix work.
/// </summary>
internal static class StepFlops
{
    public static double For(string model, int ranks)
    {
        (double layers, double hidden, double intermediate) = model == "base" ? (12d, 768d, 3072d) : (4d, 256d, 1024d);
        const double vocab = 30522, batch = TrainingThroughput.Batch, sequence = TrainingThroughput.Sequence, predictions = TrainingThroughput.Predictions;
        double perToken = layers * ((2 * ((4 * hidden * hidden) + (2 * hidden * intermediate))) + (4 * sequence * hidden));
        double forward = (batch * sequence * perToken) + (batch * predictions * 2 * ((hidden * hidden) + (hidden * vocab)));
        return 3 * forward * ranks;
    }
}
