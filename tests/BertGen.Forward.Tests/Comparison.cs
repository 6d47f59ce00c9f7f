using System;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>Element-wise comparison of a float32 kernel output with an oracle, failing with the worst element.</summary>
internal static class Comparison
{
    /// <summary>Largest |actual − expected| over all elements.</summary>
    public static double MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ absolute + relative·|expected| for every element and returns the largest
    /// absolute difference (for the failure message and for reports).
    /// </summary>
    public static double AssertClose(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double absolute, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(actual.Length > 0, $"{what}: empty output");
        double max = 0;
        int worst = -1;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"{what}[{i}] is NaN");
            double diff = Math.Abs(actual[i] - expected[i]);
            max = Math.Max(max, diff);
            double excess = diff - (absolute + (relative * Math.Abs(expected[i])));
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }

        Assert.True(worstExcess <= 0,
            $"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} (|Δ| {Math.Abs(actual[worst] - expected[worst]):E2} > {absolute:E0} + {relative:E0}·|expected|); max |Δ| {max:E2}");
        return max;
    }

    /// <summary>Largest |x| of an oracle tensor (to check a test's activations are not trivially small).</summary>
    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
