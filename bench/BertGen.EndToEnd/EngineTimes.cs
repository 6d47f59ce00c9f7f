using System;

namespace BertGen.Bench;

/// <summary>One engine's timed calls, sorted.</summary>
/// <param name="WallMs">Wall time per call, ascending.</param>
/// <param name="CallerCpuMs">CPU time of the calling thread per call, ascending (see <see cref="ThreadCpuTime"/>).</param>
public sealed record EngineTimes(double[] WallMs, double[] CallerCpuMs)
{
    public double MedianMs => Percentile(WallMs, 0.5);

    /// <summary>10th percentile: what a quiet machine approaches.</summary>
    public double P10Ms => Percentile(WallMs, 0.1);

    /// <summary>90th percentile: how far the load pushed the slow calls.</summary>
    public double P90Ms => Percentile(WallMs, 0.9);

    public double MedianCallerCpuMs => Percentile(CallerCpuMs, 0.5);

    // Nearest-rank percentile of a sorted array.
    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
