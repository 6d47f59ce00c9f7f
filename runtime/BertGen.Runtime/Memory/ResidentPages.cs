using System;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Memory;

/// <summary>
/// Hands pages this process will not read again back to the operating system while keeping them mapped, so a
/// copy that has been consumed (a tensor of a mapped weight file, the HF-layout copy of a packed weight) stops
/// counting in the resident set. Linux only, through <c>madvise(MADV_DONTNEED)</c>: afterwards anonymous pages
/// read as zero and pages of a file mapping are read from the file again. Elsewhere nothing is released.
/// </summary>
internal static unsafe class ResidentPages
{
    // <sys/mman.h>: the same value on every Linux architecture.
    private const int MadviseDontNeed = 4;

    // Looked up in the process's own symbols (libc is loaded into every .NET process on Linux, glibc or musl),
    // so no library name has to be guessed; null where there is no madvise.
    private static readonly delegate* unmanaged<void*, nuint, int, int> Madvise = FindMadvise();

    /// <summary>
    /// Releases every whole page inside [<paramref name="start"/>, <paramref name="start"/> + <paramref name="bytes"/>):
    /// the partial pages at either end are kept, since they may hold data outside the range. Returns the number
    /// of bytes released (0 where the platform cannot release, or the range holds no whole page).
    /// </summary>
    public static long Release(void* start, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (Madvise == null)
        {
            return 0;
        }

        nuint page = (nuint)Environment.SystemPageSize;
        nuint first = ((nuint)start + page - 1) & ~(page - 1);
        nuint end = ((nuint)start + (nuint)bytes) & ~(page - 1);
        if (end <= first)
        {
            return 0;
        }

        return Madvise((void*)first, end - first, MadviseDontNeed) == 0 ? (long)(end - first) : 0;
    }

    private static delegate* unmanaged<void*, nuint, int, int> FindMadvise() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "madvise", out nint address)
            ? (delegate* unmanaged<void*, nuint, int, int>)address
            : null;
}
