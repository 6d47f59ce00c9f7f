using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The pool's hand-off cost, measured so that stealing cannot hide it: each of 2 parts busy-waits a fixed
/// <see cref="PartMicroseconds"/>; a dispatch that really ran in parallel takes that long plus the hand-off,
/// one whose second part was run by the caller (worker asleep or preempted) takes twice as long. Prints the
/// median dispatch time minus the part time, and how many dispatches the worker really took part in.
/// </summary>
public static unsafe class HandoffProbe
{
    /// <summary>Busy time of each part.</summary>
    public const double PartMicroseconds = 5;

    private const int Dispatches = 4001;

    /// <summary>Runs the probe and prints one line.</summary>
    public static void Print(ComputePool pool)
    {
        Context context = new() { CallerThread = Environment.CurrentManagedThreadId };
        double[] overhead = new double[Dispatches];
        for (int i = 0; i < Dispatches; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.Run(&Part, &context, 2);
            overhead[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds - PartMicroseconds;
        }

        Array.Sort(overhead);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pool hand-off, 2 parts of {PartMicroseconds} µs: dispatch − part time median {overhead[Dispatches / 2]:F2} µs, p10 {overhead[Dispatches / 10]:F2} µs; worker ran part 1 in {100.0 * context.WorkerRuns / Dispatches:F0}% of dispatches (the rest were stolen by the caller)"));
    }

    private static void Part(void* context, int part, int parts)
    {
        Context* c = (Context*)context;
        if (part == 1 && Environment.CurrentManagedThreadId != c->CallerThread)
        {
            Interlocked.Increment(ref c->WorkerRuns);
        }

        long end = Stopwatch.GetTimestamp() + (long)(PartMicroseconds * Stopwatch.Frequency / 1e6);
        while (Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(1);
        }
    }

    private struct Context
    {
        public int CallerThread;
        public long WorkerRuns;
    }
}
