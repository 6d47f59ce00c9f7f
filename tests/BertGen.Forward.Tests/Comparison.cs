using System;
using BertGen.Runtime.Inference;
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

    /// <summary>Asserts that two runs produced the same bits in every element, naming the first that differs.</summary>
    public static void AssertBitwiseEqual(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}, element {i}: expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }

    /// <summary>
    /// Runs both prepared models once at (<paramref name="batch"/>, <paramref name="sequence"/>) on the same padded
    /// inputs and asserts the same bits in every output.
    /// </summary>
    public static void AssertSameForward(string what, IBertModel expected, IBertModel actual, int batch, int sequence, int seed)
    {
        (int[] ids, int[] mask, int[] types) = SpecForwardTests.PaddedInputs(expected, batch, sequence, seed);
        using IForwardPass one = expected.CreateForwardPass(batch, sequence);
        using IForwardPass two = actual.CreateForwardPass(batch, sequence);
        one.Run(ids, mask, types);
        two.Run(ids, mask, types);
        AssertSameOutputs(what, one, two);
    }

    /// <summary>Asserts that two forward passes of the same shape produced the same bits in every output.</summary>
    public static void AssertSameOutputs(string what, IForwardPass expected, IForwardPass actual)
    {
        AssertBitwiseEqual(what + " last hidden state", expected.LastHiddenState, actual.LastHiddenState);
        AssertBitwiseEqual(what + " pooled", expected.PooledOutput, actual.PooledOutput);
        AssertBitwiseEqual(what + " masked LM logits", expected.MaskedLmLogits, actual.MaskedLmLogits);
        AssertBitwiseEqual(what + " next sentence logits", expected.NextSentenceLogits, actual.NextSentenceLogits);
        AssertBitwiseEqual(what + " sequence logits", expected.SequenceLogits, actual.SequenceLogits);
        AssertBitwiseEqual(what + " token logits", expected.TokenLogits, actual.TokenLogits);
        AssertBitwiseEqual(what + " question answering logits", expected.QuestionAnsweringLogits, actual.QuestionAnsweringLogits);
    }
}
