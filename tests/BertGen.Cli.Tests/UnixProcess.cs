using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace BertGen.Cli.Tests;

/// <summary>What the stop and pipe tests do to a real bertgen process, as a terminal, a shell or docker would.</summary>
internal static class UnixProcess
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; 0 on success.</summary>
    public static int Signal(int pid, int signal) => kill(pid, signal);

    /// <summary>Makes a named pipe at <paramref name="path"/> that only its owner reads and writes; 0 on success.</summary>
    public static int MakeFifo(string path) => mkfifo(path, Convert.ToUInt32("600", 8));

    /// <summary>
    /// Whether this process ignores SIGINT (bit 2 of SigIgn): started from a shell's background job, whose children
    /// ignore Ctrl-C (as bertgen then rightly does too).
    /// </summary>
    public static bool IgnoresCtrlC() =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is string mask
        && (Convert.ToUInt64(mask["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
