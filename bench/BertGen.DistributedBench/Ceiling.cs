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
