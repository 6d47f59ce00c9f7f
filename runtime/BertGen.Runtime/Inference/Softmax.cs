using System;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Logits as probabilities, for whatever reads a head's answer: a single-label classifier's (<see cref="ClassScores"/>, which
/// <c>TextClassifier</c> and the server's <c>/predict</c> read) and the <c>bertgen</c> CLI's <c>fill-mask</c>, so a text
/// gets the same probabilities from each.
/// </summary>
internal static class Softmax
{
    /// <summary>Softmax in double of one row of logits (max subtracted, so no overflow).</summary>
    public static double[] Of(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float value in logits)
        {
            max = Math.Max(max, value);
        }

        var probabilities = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp(logits[i] - max);
            sum += probabilities[i];
        }

        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }

        return probabilities;
    }
}
