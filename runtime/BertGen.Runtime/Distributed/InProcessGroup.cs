using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// One replica of a data-parallel group whose members are threads of this process (<see cref="InProcessReplicas"/>):
/// the collectives of <see cref="IDataParallelGroup"/> over shared memory. Each member publishes the address of its
/// buffer, all meet, each reads the others' buffers directly, and all meet again before anyone touches a buffer the
/// others may still read. Every rank computes its own share of a sum (its part of the range, over every rank's buffer in
/// rank order) and writes it into every rank's buffer, so a sum is the same bits on every rank and from run to run;
/// for two ranks it is the same bits as any all-reduce (float addition of two values commutes).
/// </summary>
/// <remarks>
/// A member that fails (<see cref="Fail"/>) cancels the meeting: every other member waiting in, or later entering, a
/// collective throws a <see cref="DataParallelException"/> marked as relayed, so the one real error is reported. A
/// member that returns (<see cref="Leave"/>) ends it too: a collective the others enter after that would wait forever.
/// Every argument is checked before a member publishes its buffers: a member that threw after publishing would free
/// them while unwinding as the others still read them.
/// </remarks>
internal sealed unsafe class InProcessGroup : IDataParallelGroup
{
    private readonly Meeting _meeting;

    private InProcessGroup(Meeting meeting, int rank)
    {
        _meeting = meeting;
        Rank = rank;
    }

    public int Rank { get; }

    public int Size => _meeting.Size;

    /// <summary>Every replica is on this machine, in this process: sums are memory copies by the computing cores.</summary>
    public bool SharesOneMachine => true;

    /// <summary>The members of a new group of <paramref name="size"/> replicas, rank r at index r.</summary>
    public static InProcessGroup[] Create(int size)
    {
        var meeting = new Meeting(size);
        var members = new InProcessGroup[size];
        for (int r = 0; r < size; r++)
        {
            members[r] = new InProcessGroup(meeting, r);
        }

        return members;
    }

    /// <summary>Ends the group after an error on one replica: the others stop at their next (or current) collective.</summary>
    public void Fail() => _meeting.Cancel(Rank, failed: true);

    /// <summary>
    /// Ends the group when this replica has returned: it makes no more collective calls, so another replica's next one
    /// is a mismatch (it fails instead of waiting). The collective this replica left last is complete for every member.
    /// </summary>
    public void Leave() => _meeting.Cancel(Rank, failed: false);

    public void Broadcast(Span<byte> data, int root)
    {
        RequireRoot(root);
        fixed (byte* mine = data)
        {
            byte** all = Publish(mine, data.Length, root);
            if (Rank != root)
            {
                new ReadOnlySpan<byte>(all[root], data.Length).CopyTo(data);
            }

            Meet();
        }
    }

    public void Broadcast(AlignedBuffer buffer, long offset, long count, int root)
    {
        RequireRoot(root);
        float** all = Publish(Range(buffer, offset, count), count, root);
        if (Rank != root)
        {
            Copy(all[root], all[Rank], count);
        }

        Meet();
    }

    public void AllReduceSum(Span<double> values)
    {
        fixed (double* mine = values)
        {
            double[] sums = new double[values.Length];
            double** all = Publish(mine, values.Length);
            for (int i = 0; i < sums.Length; i++)
            {
                double sum = all[0][i];
                for (int r = 1; r < Size; r++)
                {
                    sum += all[r][i];
                }

                sums[i] = sum;
            }

            Meet(); // everyone has read every rank's values before any rank overwrites its own
            sums.CopyTo(values);
        }
    }

    public void AllReduceSum(AlignedBuffer buffer, long offset, long count)
    {
        float** all = Publish(Range(buffer, offset, count), count);
        (long from, long to) = ParallelRanges.Chunk(count, 16, Rank, Size); // whole cache lines per rank
        SumInto(all, from, to, all, Size);
        Meet();
    }

    /// <summary>Sums at once: replicas share the cores that compute, so there is nothing to overlap with.</summary>
    public void StartAllReduceSum(AlignedBuffer buffer, long offset, long count) => AllReduceSum(buffer, offset, count);

    public bool TestStarted() => true;

    public void WaitStarted()
    {
    }

    public void ReduceScatterSum(AlignedBuffer source, AlignedBuffer part, ReadOnlySpan<int> counts)
    {
        long total = Total(counts), mine = Start(counts, Rank);
        float* from = Range(source, 0, total);
        float* into = Range(part, 0, counts[Rank]) - mine; // so that into[i] is float i of the whole range
        float** all = Publish(from, total);
        SumInto(all, mine, mine + counts[Rank], &into, 1);
        Meet();
    }

    public void AllGather(AlignedBuffer buffer, ReadOnlySpan<int> counts)
    {
        long total = Total(counts);
        float** all = Publish(Range(buffer, 0, total), total);
        for (int r = 0, from = 0; r < Size; from += counts[r], r++)
        {
            if (r != Rank)
            {
                Copy(all[r] + from, all[Rank] + from, counts[r]); // part r is read from its owner, written by no one else
            }
        }

        Meet();
    }

    public void Gather(AlignedBuffer part, AlignedBuffer? whole, ReadOnlySpan<int> counts, int root)
    {
        RequireRoot(root);
        long total = Total(counts);
        float* into = Rank == root ? Range(whole ?? throw new ArgumentNullException(nameof(whole)), 0, total) : null;
        float** all = Publish(Range(part, 0, counts[Rank]), -1, root); // parts differ in length
        if (Rank == root)
        {
            for (int r = 0, from = 0; r < Size; from += counts[r], r++)
            {
                Copy(all[r], into + from, counts[r]);
            }
        }

        Meet();
    }

    public void Scatter(AlignedBuffer? whole, AlignedBuffer part, ReadOnlySpan<int> counts, int root)
    {
        RequireRoot(root);
        long total = Total(counts);
        float* mine = Rank == root ? Range(whole ?? throw new ArgumentNullException(nameof(whole)), 0, total) : null;
        float* into = Range(part, 0, counts[Rank]);
        float** all = Publish(mine, Rank == root ? total : -1, root);
        Copy(all[root] + Start(counts, Rank), into, counts[Rank]);
        Meet();
    }

    /// <summary>
    /// Something every replica needs and none changes, built once: on the replicas of one process rank 0 builds it and
    /// each other rank takes <paramref name="adopt"/> of rank 0's (e.g. its own cursor over shared data), all returning
    /// once every rank has; anywhere else (a process alone, or one of an mpirun job) <paramref name="build"/> runs here.
    /// An error in rank 0's build reaches the others as a relayed stop, as any replica's failure does; the processes of
    /// a job each build their own as one <see cref="CollectiveStep"/>, so an error in any one's ends all of them alike.
    /// </summary>
    public static T BuildOnce<T>(IDataParallelGroup? group, Func<T> build, Func<T, T> adopt)
        where T : class
    {
        if (group is not InProcessGroup { Size: > 1 } member)
        {
            return CollectiveStep.Run(group, build);
        }

        if (member.Rank == 0)
        {
            T built = build();
            member._meeting.Shared = built;
            member.Meet(); // published
            member.Meet(); // every other rank has adopted it
            member._meeting.Shared = null;
            return built;
        }

        member.Meet();
        T mine = adopt((T)member._meeting.Shared!);
        member.Meet();
        return mine;
    }

    public void Barrier() => Meet();

    /// <summary>Ends the process, as an MPI abort ends the job: every replica is in it.</summary>
    public void Abort(int exitCode)
    {
        Fail();
        Environment.Exit(exitCode);
    }

    public void Dispose()
    {
    }

    // Publishes this rank's address and element count, meets the others, and returns every rank's address. A count of −1
    // is a rank that sends nothing (a scatter's non-root); every other count must match, as MPI requires of a collective.
    private T** Publish<T>(T* mine, long count, int root = -1, [CallerMemberName] string collective = "")
        where T : unmanaged
    {
        _meeting.Addresses[Rank] = mine;
        _meeting.Counts[Rank] = count;
        _meeting.Calls[Rank] = (collective, root);
        Meet();
        for (int r = 0; r < Size; r++)
        {
            if (_meeting.Calls[r] != (collective, root))
            {
                Fail();
                throw new DataParallelException($"replica {Rank} called {Described(collective, root)} where replica {r} called {Described(_meeting.Calls[r].Collective, _meeting.Calls[r].Root)}: every replica must make the same collective calls");
            }

            long theirs = _meeting.Counts[r];
            if (theirs != count && theirs >= 0 && count >= 0)
            {
                Fail();
                throw new DataParallelException($"replica {Rank} joined a collective of {count} elements that replica {r} joined with {theirs}");
            }
        }

        return (T**)_meeting.Addresses;
    }

    private void Meet() => _meeting.Meet(Rank);

    private static string Described(string collective, int root) => root < 0 ? collective : $"{collective} from root {root}";

    // Float [from, to) of the sum over every rank's range (in rank order) written to each of the `targets` ranges.
    private void SumInto(float** all, long from, long to, float** targets, int targetCount)
    {
        long i = from;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= to; i += Vector256<float>.Count)
            {
                Vector256<float> sum = Vector256.Load(all[0] + i);
                for (int r = 1; r < Size; r++)
                {
                    sum += Vector256.Load(all[r] + i);
                }

                for (int t = 0; t < targetCount; t++)
                {
                    sum.Store(targets[t] + i);
                }
            }
        }

        for (; i < to; i++)
        {
            float sum = all[0][i];
            for (int r = 1; r < Size; r++)
            {
                sum += all[r][i];
            }

            for (int t = 0; t < targetCount; t++)
            {
                targets[t][i] = sum;
            }
        }
    }

    private static void Copy(float* from, float* to, long count) =>
        Buffer.MemoryCopy(from, to, count * sizeof(float), count * sizeof(float));

    private static float* Range(AlignedBuffer buffer, long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + count}) is outside a buffer of {buffer.Length} floats.");
        }

        return buffer.Pointer + offset;
    }

    private void RequireRoot(int root)
    {
        if ((uint)root >= (uint)Size)
        {
            throw new ArgumentOutOfRangeException(nameof(root), root, $"a root among the group's {Size} replicas");
        }
    }

    // Every part's count, one per rank (checked here: the sums below index counts by rank).
    private long Total(ReadOnlySpan<int> counts)
    {
        if (counts.Length != Size)
        {
            throw new ArgumentException($"{counts.Length} part counts for a group of {Size} replicas", nameof(counts));
        }

        long total = 0;
        foreach (int c in counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(c, nameof(counts));
            total += c;
        }

        return total;
    }

    private static long Start(ReadOnlySpan<int> counts, int rank)
    {
        long start = 0;
        for (int r = 0; r < rank; r++)
        {
            start += counts[r];
        }

        return start;
    }

    // What the members share: a barrier, each rank's published address and count, and the end of the meeting when a
    // member failed or returned.
    private sealed class Meeting
    {
        private readonly System.Threading.Barrier _barrier;
        private readonly CancellationTokenSource _ended = new();
        private readonly nint[] _addresses;
        private volatile bool _failed;
        private int _returned = -1;

        public Meeting(int size)
        {
            Size = size;
            _barrier = new System.Threading.Barrier(size);
            Counts = new long[size];
            Calls = new (string, int)[size];
            _addresses = GC.AllocateArray<nint>(size, pinned: true);
        }

        public int Size { get; }

        /// <summary>Each rank's published address (a pinned array: its place never moves).</summary>
        public void** Addresses => (void**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_addresses));

        public long[] Counts { get; }

        /// <summary>What rank 0 built for every replica (<see cref="BuildOnce"/>), while the others adopt it.</summary>
        public object? Shared { get; set; }

        /// <summary>Each rank's collective (its method's name) and root (−1 for none), which must agree.</summary>
        public (string Collective, int Root)[] Calls { get; }

        // Set before the cancellation, so that a member it wakes reads why. A member that returned has passed its last
        // barrier, which every other member had entered: the barrier's phase is complete, and cancelling it then lets
        // them leave it normally (System.Threading.Barrier throws only while a phase is still waiting for someone).
        public void Cancel(int rank, bool failed)
        {
            if (failed)
            {
                _failed = true;
            }
            else
            {
                Interlocked.CompareExchange(ref _returned, rank, -1);
            }

            _ended.Cancel();
        }

        public void Meet(int rank)
        {
            try
            {
                _barrier.SignalAndWait(_ended.Token);
            }
            catch (OperationCanceledException)
            {
                if (!_failed)
                {
                    // This member's error, not a consequence of another's: the program's replicas disagree on their calls.
                    throw new DataParallelException($"replica {rank} entered a collective after replica {Volatile.Read(ref _returned)} returned: every replica must make the same collective calls");
                }

                var stopped = new DataParallelException($"replica {rank} stopped: another replica of this process failed");
                stopped.Data[DataParallelException.RelayedFromRootKey] = true;
                throw stopped;
            }
        }
    }
}
