using System;
using System.Globalization;
using System.Runtime.InteropServices;
using BertGen.Runtime.Memory;
using static BertGen.Runtime.Distributed.OpenMpiLibrary;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// The processes <c>mpirun</c> started, as one data-parallel group over Open MPI's <c>MPI_COMM_WORLD</c>. Open MPI is
/// the whole engine: its launcher starts the processes (on one machine or many, <c>--hostfile</c>), its transports
/// (shared memory, TCP, InfiniBand) and collectives move the data. A process that was not started by <c>mpirun</c>
/// never loads libmpi: <see cref="InitializeIfLaunched"/> returns null there.
/// </summary>
/// <remarks>
/// MPI is initialised with <c>MPI_THREAD_SERIALIZED</c> (calls from any one thread at a time) and errors set to return
/// instead of aborting, so a failed call becomes a <see cref="DataParallelException"/> with Open MPI's text. MPI can be
/// initialised once per process: <see cref="Dispose"/> finalises it for good.
/// </remarks>
public sealed unsafe class OpenMpiGroup : IDataParallelGroup
{
    // MPI counts are C ints: longer ranges go in pieces of this many elements.
    private const int MaxCount = 1 << 30;

    // Reductions go in pieces. Open MPI 4.1's reductions malloc a scratch buffer the size of the message, and glibc
    // serves anything from 32 MB up with a fresh mmap that every call page-faults again: one 64 MB all-reduce of 2
    // ranks on one host ran at 0.4 GB/s (ScratchMemory keeps the smaller ones mapped). On one machine 4 MB pieces
    // (in cache) measured fastest; across machines 16 MB ones pay a network round trip per ring step less often.
    private readonly int _reducePiece;

    private static OpenMpiGroup? _current;
    private nint* _requests;
    private int _requestCount, _requestCapacity;
    private bool _disposed;

    private OpenMpiGroup(int rank, int size, string host)
    {
        Rank = rank;
        Size = size;
        Host = host;
        _reducePiece = SharesOneMachine ? 1 << 20 : 1 << 22;
        _requestCapacity = 64;
        _requests = (nint*)NativeMemory.Alloc((nuint)_requestCapacity, (nuint)sizeof(nint));
    }

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c>/<c>mpiexec</c> (it sets OMPI_COMM_WORLD_SIZE).</summary>
    public static bool IsLaunched => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is { Length: > 0 };

    /// <summary>Processes of the job on this machine (OMPI_COMM_WORLD_LOCAL_SIZE), 1 when not launched by mpirun.</summary>
    public static int LocalSize =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1;

    public int Rank { get; }

    public int Size { get; }

    /// <summary>True when mpirun started every process of the job on this machine (OMPI_COMM_WORLD_LOCAL_SIZE = size).</summary>
    public bool SharesOneMachine => LocalSize == Size;

    /// <summary>The machine this rank runs on (MPI_Get_processor_name).</summary>
    public string Host { get; }

    /// <summary>The group of an <c>mpirun</c> launch, or null (and libmpi untouched) in a process started otherwise.</summary>
    public static OpenMpiGroup? InitializeIfLaunched() => IsLaunched ? Initialize() : null;

    /// <summary>Loads libmpi and initialises MPI; once per process.</summary>
    /// <exception cref="DataParallelException">Open MPI is missing or cannot start.</exception>
    public static OpenMpiGroup Initialize()
    {
        if (_current is not null)
        {
            throw new DataParallelException("MPI is already initialised in this process; use the existing group");
        }

        Load();
        ScratchMemory.KeepFreedScratchMapped();
        int initialized = 0;
        Check(MPI_Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0)
        {
            throw new DataParallelException("MPI was initialised by someone else in this process");
        }

        int provided = 0;
        Check(MPI_Init_thread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized)
        {
            MPI_Finalize();
            throw new DataParallelException($"Open MPI gives thread level {provided}, below MPI_THREAD_SERIALIZED: rebuild it with thread support");
        }

        Check(MPI_Comm_set_errhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank = 0, size = 0;
        Check(MPI_Comm_rank(CommWorld, &rank), "MPI_Comm_rank");
        Check(MPI_Comm_size(CommWorld, &size), "MPI_Comm_size");
        byte* name = stackalloc byte[256];
        int length = 0;
        string host = MPI_Get_processor_name(name, &length) == Success ? System.Text.Encoding.UTF8.GetString(name, length) : "?";
        _current = new OpenMpiGroup(rank, size, host);
        return _current;
    }

    public void Broadcast(Span<byte> data, int root)
    {
        fixed (byte* p = data)
        {
            for (long at = 0; at < data.Length; at += MaxCount)
            {
                Check(MPI_Bcast(p + at, Piece(data.Length, at), ByteType, root, CommWorld), "MPI_Bcast");
            }
        }
    }

    public void Broadcast(AlignedBuffer buffer, long offset, long count, int root)
    {
        float* p = Range(buffer, offset, count);
        for (long at = 0; at < count; at += MaxCount)
        {
            Check(MPI_Bcast(p + at, Piece(count, at), FloatType, root, CommWorld), "MPI_Bcast");
        }
    }

    public void AllReduceSum(Span<double> values)
    {
        fixed (double* p = values)
        {
            Check(MPI_Allreduce(InPlace, p, values.Length, DoubleType, Sum, CommWorld), "MPI_Allreduce");
        }
    }

    public void AllReduceSum(AlignedBuffer buffer, long offset, long count)
    {
        float* p = Range(buffer, offset, count);
        for (long at = 0; at < count; at += _reducePiece)
        {
            Check(MPI_Allreduce(InPlace, p + at, (int)Math.Min(_reducePiece, count - at), FloatType, Sum, CommWorld), "MPI_Allreduce");
        }
    }

    public void StartAllReduceSum(AlignedBuffer buffer, long offset, long count)
    {
        float* p = Range(buffer, offset, count);
        for (long at = 0; at < count; at += _reducePiece)
        {
            if (_requestCount == _requestCapacity)
            {
                _requestCapacity *= 2;
                _requests = (nint*)NativeMemory.Realloc(_requests, (nuint)_requestCapacity * (nuint)sizeof(nint));
            }

            Check(MPI_Iallreduce(InPlace, p + at, (int)Math.Min(_reducePiece, count - at), FloatType, Sum, CommWorld, _requests + _requestCount), "MPI_Iallreduce");
            _requestCount++;
        }
    }

    public bool TestStarted()
    {
        if (_requestCount == 0)
        {
            return true;
        }

        int done = 0;
        Check(MPI_Testall(_requestCount, _requests, &done, null), "MPI_Testall");
        if (done != 0)
        {
            _requestCount = 0;
        }

        return done != 0;
    }

    public void WaitStarted()
    {
        if (_requestCount > 0)
        {
            int count = _requestCount;
            _requestCount = 0;
            Check(MPI_Waitall(count, _requests, null), "MPI_Waitall");
        }
    }

    public void ReduceScatterSum(AlignedBuffer source, AlignedBuffer part, ReadOnlySpan<int> counts)
    {
        long total = Total(counts);
        float* send = Range(source, 0, total);
        float* receive = Range(part, 0, counts[Rank]);
        long mine = 0;
        for (int r = 0; r < Rank; r++)
        {
            mine += counts[r];
        }

        // In windows of _reducePiece floats (see there): rank r receives the window's overlap with its part.
        int* windowCounts = stackalloc int[counts.Length];
        for (long window = 0; window < total; window += _reducePiece)
        {
            long end = Math.Min(total, window + _reducePiece), from = 0;
            for (int r = 0; r < counts.Length; r++)
            {
                windowCounts[r] = (int)Math.Max(0, Math.Min(end, from + counts[r]) - Math.Max(window, from));
                from += counts[r];
            }

            float* into = receive + Math.Max(0, window - mine);
            Check(MPI_Reduce_scatter(send + window, into, windowCounts, FloatType, Sum, CommWorld), "MPI_Reduce_scatter");
        }
    }

    public void AllGather(AlignedBuffer buffer, ReadOnlySpan<int> counts)
    {
        float* p = Range(buffer, 0, Total(counts));
        int* displacements = stackalloc int[counts.Length];
        Displacements(counts, displacements);
        fixed (int* c = counts)
        {
            Check(MPI_Allgatherv(InPlace, 0, FloatType, p, c, displacements, FloatType, CommWorld), "MPI_Allgatherv");
        }
    }

    public void Gather(AlignedBuffer part, AlignedBuffer? whole, ReadOnlySpan<int> counts, int root)
    {
        long total = Total(counts);
        float* send = Range(part, 0, counts[Rank]);
        float* receive = Rank == root ? Range(whole ?? throw new ArgumentNullException(nameof(whole)), 0, total) : null;
        int* displacements = stackalloc int[counts.Length];
        Displacements(counts, displacements);
        fixed (int* c = counts)
        {
            Check(MPI_Gatherv(send, counts[Rank], FloatType, receive, c, displacements, FloatType, root, CommWorld), "MPI_Gatherv");
        }
    }

    public void Scatter(AlignedBuffer? whole, AlignedBuffer part, ReadOnlySpan<int> counts, int root)
    {
        long total = Total(counts);
        float* send = Rank == root ? Range(whole ?? throw new ArgumentNullException(nameof(whole)), 0, total) : null;
        float* receive = Range(part, 0, counts[Rank]);
        int* displacements = stackalloc int[counts.Length];
        Displacements(counts, displacements);
        fixed (int* c = counts)
        {
            Check(MPI_Scatterv(send, c, displacements, FloatType, receive, counts[Rank], FloatType, root, CommWorld), "MPI_Scatterv");
        }
    }

    public void Barrier() => Check(MPI_Barrier(CommWorld), "MPI_Barrier");

    public void Abort(int exitCode)
    {
        MPI_Abort(CommWorld, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; this is for a library that lets it.
    }

    /// <summary>Finalises MPI (waiting for the other processes to finalise too).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        int finalized = 0;
        if (MPI_Finalized(&finalized) == Success && finalized == 0)
        {
            MPI_Finalize();
        }

        NativeMemory.Free(_requests);
        _requests = null;
    }

    private static void Check(int code, string call)
    {
        if (code != Success)
        {
            throw new DataParallelException($"{call} failed: {ErrorText(code)} (a process of the job may have died)");
        }
    }

    private static int Piece(long count, long at) => (int)Math.Min(MaxCount, count - at);

    private float* Range(AlignedBuffer buffer, long offset, long count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || count < 0 || offset + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + count}) is outside a buffer of {buffer.Length} floats");
        }

        return buffer.Pointer + offset;
    }

    private long Total(ReadOnlySpan<int> counts)
    {
        if (counts.Length != Size)
        {
            throw new ArgumentException($"{counts.Length} part sizes for a group of {Size}", nameof(counts));
        }

        long total = 0;
        foreach (int count in counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            total += count;
        }

        if (total > int.MaxValue)
        {
            throw new DataParallelException($"{total} floats do not fit MPI's int displacements; models above 2^31 parameters are not supported");
        }

        return total;
    }

    private static void Displacements(ReadOnlySpan<int> counts, int* displacements)
    {
        int at = 0;
        for (int r = 0; r < counts.Length; r++)
        {
            displacements[r] = at;
            at += counts[r];
        }
    }
}
