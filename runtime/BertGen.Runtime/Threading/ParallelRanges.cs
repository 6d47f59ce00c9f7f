using System;

namespace BertGen.Runtime.Threading;

/// <summary>
/// Splits an index range <c>[0, count)</c> into one contiguous chunk per pool thread, for elementwise and
/// row-wise kernels (activations, dropout, LayerNorm rows, weight packing). Chunk boundaries are multiples of
/// a granule (16 floats for Vector512 kernels, so every element takes the same vector or scalar path as in a
/// single-threaded run, and results do not depend on the thread count). Nothing is allocated.
/// </summary>
internal static unsafe class ParallelRanges
{
    /// <summary>
    /// Runs <c>body(context, begin, end)</c> over <c>[0, count)</c>: on the calling thread alone when there is
    /// no pool or fewer than <paramref name="minimumPerPart"/> indices per thread would result, else one chunk
    /// per thread.
    /// </summary>
    /// <param name="pool">The threads to split over, or null for the calling thread.</param>
    /// <param name="count">Indices in the range.</param>
    /// <param name="granule">Every chunk boundary but the last is a multiple of this.</param>
    /// <param name="minimumPerPart">Below this many indices per thread the hand-off costs more than it saves.</param>
    /// <param name="body">A static method; it must not dispatch on the pool itself.</param>
    /// <param name="context">Passed unchanged to every chunk (typically a stack struct of the caller).</param>
    public static void Run(ComputePool? pool, long count, long granule, long minimumPerPart, delegate* managed<void*, long, long, void> body, void* context)
    {
        if (count <= 0)
        {
            return;
        }

        if (granule < 1 || minimumPerPart < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(granule), $"Granule {granule} and minimum {minimumPerPart} per part must be positive.");
        }

        int parts = pool is null ? 1 : (int)Math.Clamp(count / minimumPerPart, 1, pool.ThreadCount);
        if (parts == 1)
        {
            body(context, 0, count);
            return;
        }

        var range = new RangeWork { Body = body, Context = context, Count = count, Granule = granule };
        pool!.Run(&RunPart, &range, parts);
    }

    /// <summary>The chunk of part <paramref name="part"/> of <paramref name="parts"/>: boundaries rounded down to the granule.</summary>
    public static (long Begin, long End) Chunk(long count, long granule, int part, int parts)
    {
        long begin = count * part / parts / granule * granule;
        long end = part == parts - 1 ? count : count * (part + 1) / parts / granule * granule;
        return (begin, end);
    }

    private static void RunPart(void* state, int part, int parts)
    {
        var range = (RangeWork*)state;
        (long begin, long end) = Chunk(range->Count, range->Granule, part, parts);
        if (begin < end)
        {
            range->Body(range->Context, begin, end);
        }
    }

    private struct RangeWork
    {
        public delegate* managed<void*, long, long, void> Body;
        public void* Context;
        public long Count;
        public long Granule;
    }
}
