using System.ComponentModel;
using System.Runtime.InteropServices;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>Whole-buffer passes generated code and the trainer share.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class BufferKernels
{
    // Below this many floats per thread a clear runs on the calling thread: the hand-off would cost more than it shares.
    private const long MinimumFloatsPerClearPart = 1 << 18;

    /// <summary>
    /// x[0, count) = 0, split over <paramref name="pool"/> in cache-line-aligned ranges when it is large: zeroing a
    /// gradient buffer (440 MB for BERT-base) is a memory-bound pass both cores' bandwidth shares.
    /// </summary>
    public static void Clear(float* x, long count, ComputePool? pool) =>
        ParallelRanges.Run(pool, count, AlignedBuffer.AlignmentBytes / sizeof(float), MinimumFloatsPerClearPart, &ClearRange, x);

    private static void ClearRange(void* x, long begin, long end) =>
        NativeMemory.Clear((float*)x + begin, (nuint)(end - begin) * sizeof(float));
}
