using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace BertGen.Runtime.Threading;

/// <summary>
/// A fixed set of long-lived compute threads: (threads − 1) workers plus the calling thread, which always
/// takes part 0. A dispatch hands every thread the same function pointer and context pointer and a part
/// index, so nothing is allocated per dispatch and the split of work is decided by the caller (the
/// generator fixes it at build time), never by timing: results do not depend on scheduling.
/// </summary>
/// <remarks>
/// <para>
/// Hand-off: the dispatcher publishes the work, then bumps a generation counter. A worker that finished its
/// last part keeps spinning on that counter for <see cref="SpinMicroseconds"/>, so back-to-back kernels (a
/// generated forward pass dispatches one GEMM after another) find it awake and the hand-off costs a cache
/// line transfer. After that budget it blocks on its own semaphore so an idle model does not burn a core on
/// a shared machine; the next dispatch then pays a wake-up.
/// </para>
/// <para>
/// Each worker part is claimed with a compare-and-swap, by the worker when it notices the dispatch or by the
/// dispatcher once its own part is done; so a dispatch whose worker is asleep or preempted costs no more than
/// running every part on the caller, instead of waiting for the scheduler.
/// </para>
/// <para>
/// Sleeping without losing a wake-up: the worker sets its <c>sleeping</c> flag (a full fence), re-reads the
/// generation, and only then waits; the dispatcher bumps the generation (a full fence) and then swaps the
/// flag to 0, releasing the semaphore only if it saw 1. Whichever side swaps the 1 away owns the wake-up, so a
/// release is never missed and never left over.
/// </para>
/// </remarks>
public sealed unsafe class ComputePool : IDisposable
{
    /// <summary>Default spin budget of a worker after its last part, in microseconds.</summary>
    public const int DefaultSpinMicroseconds = 200;

    private const int PartBits = 16;

    private readonly Worker[] _workers;
    private readonly long _spinTicks;
    private SharedState _shared;
    private delegate* managed<void*, int, int, void> _work;
    private void* _context;
    private int _dispatching;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool of <paramref name="threadCount"/> threads including the caller.</summary>
    /// <param name="threadCount">Total threads, at least 1 (1 means the caller runs everything inline).</param>
    /// <param name="spinMicroseconds">How long an idle worker spins before it blocks.</param>
    public ComputePool(int threadCount, int spinMicroseconds = DefaultSpinMicroseconds)
    {
        if (threadCount < 1 || threadCount >= 1 << PartBits)
        {
            throw new ComputePoolException($"A compute pool needs 1 to {(1 << PartBits) - 1} threads, got {threadCount}.");
        }

        if (spinMicroseconds < 0)
        {
            throw new ComputePoolException($"Spin budget must not be negative, got {spinMicroseconds} µs.");
        }

        ThreadCount = threadCount;
        SpinMicroseconds = spinMicroseconds;
        _spinTicks = spinMicroseconds * Stopwatch.Frequency / 1_000_000;
        _workers = new Worker[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i + 1);
        }

        foreach (Worker worker in _workers)
        {
            worker.Thread.Start();
        }
    }

    /// <summary>One thread per core: the caller plus <c>Environment.ProcessorCount − 1</c> workers.</summary>
    public static int DefaultThreadCount => Environment.ProcessorCount;

    /// <summary>Threads including the caller.</summary>
    public int ThreadCount { get; }

    /// <summary>How long an idle worker spins before it blocks, in microseconds.</summary>
    public int SpinMicroseconds { get; }

    /// <summary>
    /// Runs <c>work(context, part, parts)</c> once for every part in <c>[0, parts)</c>, part 0 on the calling
    /// thread and part i on worker i (or on the calling thread, when worker i has not claimed it by the time
    /// part 0 is done), and returns when all have finished. An exception thrown by any part is rethrown
    /// here after every part has finished.
    /// </summary>
    /// <param name="work">A static method; it must not dispatch on this pool itself.</param>
    /// <param name="context">Passed unchanged to every part (typically a stack struct of the caller).</param>
    /// <param name="parts">Number of parts, 1 to <see cref="ThreadCount"/>.</param>
    public void Run(delegate* managed<void*, int, int, void> work, void* context, int parts)
    {
        if (work == null)
        {
            throw new ComputePoolException("Compute pool dispatch got a null work function.");
        }

        if (parts < 1 || parts > ThreadCount)
        {
            throw new ComputePoolException($"Compute pool of {ThreadCount} threads cannot run {parts} parts.");
        }

        if (_disposed)
        {
            throw new ComputePoolException("Compute pool used after Dispose.");
        }

        if (Interlocked.Exchange(ref _dispatching, 1) != 0)
        {
            throw new ComputePoolException("Compute pool dispatched while a dispatch was running (nested or concurrent Run).");
        }

        try
        {
            if (parts == 1)
            {
                work(context, 0, 1);
                return;
            }

            _work = work;
            _context = context;
            _failure = null;
            Volatile.Write(ref _shared.Pending, parts - 1);
            long generation = Publish(parts);
            for (int i = 0; i < parts - 1; i++)
            {
                _workers[i].WakeIfSleeping();
            }

            RunPart(work, context, 0, parts);

            // Parts whose worker has not claimed them yet (asleep, or descheduled on a loaded machine) are
            // run here: a dispatch never waits for a wake-up it can do without, and since a part computes
            // the same thing on any thread, results do not change.
            for (int i = 1; i < parts; i++)
            {
                if (_workers[i - 1].TryClaim(generation))
                {
                    RunPart(work, context, i, parts);
                    Interlocked.Decrement(ref _shared.Pending);
                }
            }

            SpinWait spin = default;
            while (Volatile.Read(ref _shared.Pending) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            if (_failure is { } failure)
            {
                _failure = null;
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            Volatile.Write(ref _dispatching, 0);
        }
    }

    /// <summary>Stops and joins the workers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Publish(0);
        foreach (Worker worker in _workers)
        {
            worker.WakeIfSleeping();
        }

        foreach (Worker worker in _workers)
        {
            worker.Thread.Join();
        }

        foreach (Worker worker in _workers)
        {
            worker.Dispose();
        }
    }

    // Starts a new generation. The part count travels in the low bits of the generation word itself: a worker
    // that sits out one dispatch may wake only after the next one has begun, and must decide whether it takes
    // part from the very value it woke on, not from a field the next dispatch may already have overwritten.
    // (A worker that does take part cannot be overtaken: the dispatcher waits for it.) The exchange is a full
    // fence, so the work and context written before it are visible to whoever sees the new value.
    private long Publish(int parts)
    {
        long next = ((_shared.Generation >> PartBits) + 1) << PartBits | (long)parts;
        Interlocked.Exchange(ref _shared.Generation, next);
        return next;
    }

    private void RunPart(delegate* managed<void*, int, int, void> work, void* context, int part, int parts)
    {
        try
        {
            work(context, part, parts);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    // The counters every thread touches, each on its own cache line so a worker spinning on the generation
    // does not share a line with the pending count the others decrement.
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct SharedState
    {
        [FieldOffset(64)]
        public long Generation;

        [FieldOffset(128)]
        public int Pending;
    }

    private sealed class Worker : IDisposable
    {
        private readonly ComputePool _pool;
        private readonly int _index;
        private readonly SemaphoreSlim _wake = new(0, 1);
        private int _sleeping;
        private long _claimedGeneration;

        public Worker(ComputePool pool, int index)
        {
            _pool = pool;
            _index = index;
            Thread = new Thread(Loop) { IsBackground = true, Name = $"BertGen compute {index}" };
        }

        public Thread Thread { get; }

        public void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                _wake.Release();
            }
        }

        public void Dispose() => _wake.Dispose();

        // Claims this worker's part of the dispatch numbered `generation`, for the worker itself or for the
        // dispatcher stealing it. Generations only grow, so a claim for an older dispatch (a worker that read
        // the generation, then was descheduled until the dispatcher had finished and started the next one)
        // finds a newer or equal value and fails: a part is run once, and only for the dispatch it belongs to.
        public bool TryClaim(long generation)
        {
            long previous = Volatile.Read(ref _claimedGeneration);
            return previous < generation && Interlocked.CompareExchange(ref _claimedGeneration, generation, previous) == previous;
        }

        private void Loop()
        {
            ComputePool pool = _pool;
            long seen = 0;
            while (true)
            {
                long generation = WaitForGeneration(seen);
                seen = generation;
                if (pool._disposed)
                {
                    return;
                }

                int parts = (int)(generation & ((1 << PartBits) - 1));
                if (_index < parts && TryClaim(generation))
                {
                    pool.RunPart(pool._work, pool._context, _index, parts);
                    Interlocked.Decrement(ref pool._shared.Pending);
                }
            }
        }

        private long WaitForGeneration(long seen)
        {
            ComputePool pool = _pool;
            long start = Stopwatch.GetTimestamp();
            int spins = 0;
            while (true)
            {
                long generation = Volatile.Read(ref pool._shared.Generation);
                if (generation != seen)
                {
                    return generation;
                }

                // Pause between reads; every 64th spin check the clock (it costs more than a pause), and every
                // 1024th (tens of µs) yield the core. The yield matters on a loaded machine: when the
                // scheduler has put the dispatcher on this worker's core, a worker that only paused held the
                // core for its whole budget while the dispatcher waited to run (measured: every round trip
                // took exactly the spin budget). It is rare because on a loaded machine a yield can hand the
                // core to another process for a whole time slice; sched_yield returns at once when nothing
                // else wants the core, and a part the worker misses meanwhile is stolen by the dispatcher.
                ++spins;
                if ((spins & 63) != 0)
                {
                    Thread.SpinWait(1);
                    continue;
                }

                if (Stopwatch.GetTimestamp() - start < pool._spinTicks)
                {
                    if ((spins & 1023) == 0)
                    {
                        Thread.Yield();
                    }

                    continue;
                }

                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref pool._shared.Generation) != seen)
                {
                    // A dispatch raced with going to sleep: if the dispatcher already took the flag it has
                    // released (or will release) the semaphore once, and that release must be consumed.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0)
                    {
                        _wake.Wait();
                    }
                }
                else
                {
                    _wake.Wait();
                }

                start = Stopwatch.GetTimestamp();
                spins = 0;
            }
        }
    }
}
