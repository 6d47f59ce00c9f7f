using System;
using System.Diagnostics;

namespace BertGen.Bench;

/// <summary>
/// Median and best time per call of several actions whose samples are taken in turn: the sampler of the quick tables,
/// also linked into <c>BertGen.EndToEnd</c> for its in-run ceilings. On a shared machine a neighbour's build steals
/// whole time slices: the median shows what a run sees under that load, the best sample what the code itself does.
/// </summary>
public static class AlternatingSamples
{
    /// <summary>
    /// Median and best seconds per call of each of <paramref name="actions"/>, their samples (each lasting about
    /// <paramref name="sampleSeconds"/>) taken in turn, so a neighbour's load falls on all alike.
    /// </summary>
    public static (double Median, double Best)[] Time(Action[] actions, int samples, double sampleSeconds)
    {
        ArgumentNullException.ThrowIfNull(actions);
        int[] calls = Array.ConvertAll(actions, action => CallsPerSample(action, sampleSeconds));
        double[][] times = Array.ConvertAll(actions, _ => new double[samples]);
        for (int s = 0; s < samples; s++)
        {
            for (int a = 0; a < actions.Length; a++)
            {
                times[a][s] = Sample(actions[a], calls[a]);
            }
        }

        return Array.ConvertAll(times, t =>
        {
            Array.Sort(t);
            return (t[samples / 2], t[0]);
        });
    }

    // How many back-to-back calls last about one sample.
    private static int CallsPerSample(Action action, double sampleSeconds)
    {
        action();
        Stopwatch watch = Stopwatch.StartNew();
        int calls = 0;
        while (watch.Elapsed.TotalSeconds < sampleSeconds / 4)
        {
            action();
            calls++;
        }

        return Math.Max(1, (int)(calls * sampleSeconds / Math.Max(watch.Elapsed.TotalSeconds, 1e-9)));
    }

    // Seconds per call over `calls` back-to-back calls.
    private static double Sample(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }
}
