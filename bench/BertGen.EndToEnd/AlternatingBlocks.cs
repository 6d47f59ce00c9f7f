using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace BertGen.Bench;

/// <summary>
/// Times several engines on the same work in one process: warm-up calls of each in turn, then timed calls in blocks
/// of <see cref="EndToEndOptions.BlockRuns"/> per engine, so background load hits all alike while none runs in
/// another's wake (see <see cref="EndToEndOptions.BlockRuns"/>). The order of the blocks changes round by round as the
/// rows of a balanced Latin square (Williams): over n rounds of n engines (n even) every engine opens a round once and follows
/// every other engine once, so the first call of a block, the one that may still share a core with the previous
/// engine's spinning threads, is not always in the same engine's wake. Two engines: A B, B A, A B, …; four:
/// A B D C, B C A D, C D B A, D A C B.
/// </summary>
internal static class AlternatingBlocks
{
    /// <summary>Each engine's timed calls, in the order of <paramref name="engines"/>.</summary>
    public static EngineTimes[] Time(IReadOnlyList<Action> engines, EndToEndOptions options)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1 || options.TimedRuns < 1 || options.WarmupRuns < 0)
        {
            throw new ArgumentException($"Bad benchmark options: {options}.", nameof(options));
        }

        int count = engines.Count;
        for (int i = 0; i < options.WarmupRuns; i++)
        {
            foreach (Action engine in engines)
            {
                engine();
            }
        }

        double[][] wall = new double[count][], callerCpu = new double[count][];
        for (int e = 0; e < count; e++)
        {
            wall[e] = new double[options.TimedRuns];
            callerCpu[e] = new double[options.TimedRuns];
        }

        // The Williams square's first row, 0, 1, n−1, 2, n−2, …; row r adds r to each entry (mod n).
        var firstRow = new int[count];
        for (int turn = 1; turn < count; turn++)
        {
            firstRow[turn] = turn % 2 == 1 ? (turn + 1) / 2 : count - (turn / 2);
        }

        int block = Math.Max(1, options.BlockRuns);
        for (int start = 0, round = 0; start < options.TimedRuns; start += block, round++)
        {
            int end = Math.Min(start + block, options.TimedRuns);
            for (int turn = 0; turn < count; turn++)
            {
                int e = (firstRow[turn] + round) % count;
                for (int i = start; i < end; i++)
                {
                    double cpu = ThreadCpuTime.NowMs();
                    long started = Stopwatch.GetTimestamp();
                    engines[e]();
                    wall[e][i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    callerCpu[e][i] = ThreadCpuTime.NowMs() - cpu;
                }
            }
        }

        var times = new EngineTimes[count];
        for (int e = 0; e < count; e++)
        {
            Array.Sort(wall[e]);
            Array.Sort(callerCpu[e]);
            times[e] = new EngineTimes(wall[e], callerCpu[e]);
        }

        return times;
    }
}
