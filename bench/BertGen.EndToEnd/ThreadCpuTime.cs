using System;
using System.Runtime.InteropServices;

namespace BertGen.Bench;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a loaded machine wall time
/// includes every time slice the scheduler gave to other processes; with one compute thread (BertGen's pool of
/// 1, ORT's intra-op 1, both computing on the caller) the caller's CPU time is the engine's own cost.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>True where the clock can be read (Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>The calling thread's CPU time in milliseconds, or NaN where unavailable.</summary>
    public static double NowMs()
    {
        if (!IsAvailable)
        {
            return double.NaN;
        }

        if (ClockGetTime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
        {
            return double.NaN;
        }

        return (time.Seconds * 1e3) + (time.Nanoseconds / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
