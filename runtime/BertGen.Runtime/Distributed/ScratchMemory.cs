using System;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Keeps the C heap's freed memory mapped in an MPI process. Open MPI's collectives malloc a scratch buffer per call
/// (as large as the message, or a segment of it) and free it on return. glibc returns freed memory at the top of its
/// heap to the kernel once more than its trim threshold is free, and serves large requests with fresh mmaps, so each
/// collective page-faults its scratch in again: on this project's hosts a 45 MB reduce-scatter took ~300 ms instead of
/// ~11 ms, a 64 MB all-reduce 170 ms instead of 17 (bench/README.md). Raising the mmap threshold to glibc's cap
/// (32 MB) and the trim threshold out of reach keeps reused scratch mapped; messages are cut below the cap by the group.
/// </summary>
internal static partial class ScratchMemory
{
    private const int TrimThreshold = -1, MmapThreshold = -3; // <malloc.h> M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    private const int GlibcMmapThresholdCap = 32 * 1024 * 1024;

    /// <summary>Sets both thresholds on glibc; does nothing elsewhere (another C library, or no mallopt).</summary>
    public static void KeepFreedScratchMapped()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            mallopt(MmapThreshold, GlibcMmapThresholdCap);
            mallopt(TrimThreshold, int.MaxValue);
        }
        catch (EntryPointNotFoundException)
        {
            // not glibc: its allocator keeps its own policy
        }
        catch (DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int parameter, int value);
}
