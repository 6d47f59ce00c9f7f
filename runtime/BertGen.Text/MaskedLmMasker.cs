using System;
using System.Collections.Generic;

namespace BertGen.Text;

/// <summary>
/// Google's <c>create_masked_lm_predictions</c>: choose
/// <c>n = min(max_predictions_per_seq, max(1, round(len × masked_lm_prob)))</c> positions among the shuffled
/// candidates (never <c>[CLS]</c> or <c>[SEP]</c>), and replace each by <c>[MASK]</c> 80% of the time, keep
/// it 10%, or put a uniformly random vocabulary id 10%.
/// </summary>
public sealed class MaskedLmMasker
{
    private readonly BertVocabulary _vocabulary;
    private readonly PretrainingOptions _options;

    public MaskedLmMasker(BertVocabulary vocabulary, PretrainingOptions options)
    {
        options.Validate();
        _vocabulary = vocabulary;
        _options = options;
    }

    /// <summary>The number of predictions for a sequence of <paramref name="length"/> tokens, special tokens included.</summary>
    public static int PredictionCount(int length, double maskedLmProb, int maxPredictionsPerSeq)
    {
        // Math.Round rounds half to even, as Python 3's round() does.
        int rounded = (int)Math.Round(length * maskedLmProb, MidpointRounding.ToEven);
        return Math.Min(maxPredictionsPerSeq, Math.Max(1, rounded));
    }

    /// <summary>
    /// Masks <paramref name="tokens"/> in place; returns the masked positions in ascending order and the
    /// original ids there.
    /// </summary>
    public (int[] Positions, int[] Labels) Mask(int[] tokens, Xoshiro256StarStar rng)
    {
        // Candidate groups: single positions, or with whole-word masking a word start with its ## pieces.
        // Deliberate difference from the original: a ## piece right after [SEP] (B truncated at the front)
        // starts its own group there, where the original would glue it to the last word of A.
        var groups = new List<int[]>(tokens.Length);
        var current = new List<int>();
        for (int i = 0; i < tokens.Length; i++)
        {
            int id = tokens[i];
            if (id == _vocabulary.ClassificationId || id == _vocabulary.SeparatorId)
            {
                Flush(groups, current);
                continue;
            }

            if (!(_options.WholeWordMask && current.Count > 0 && _vocabulary.IsContinuation(id)))
            {
                Flush(groups, current);
            }

            current.Add(i);
        }

        Flush(groups, current);
        int[][] candidates = groups.ToArray();
        rng.Shuffle(candidates.AsSpan());

        int toPredict = PredictionCount(tokens.Length, _options.MaskedLmProb, _options.MaxPredictionsPerSeq);
        var original = (int[])tokens.Clone();
        var chosen = new List<int>(toPredict);
        foreach (int[] group in candidates)
        {
            if (chosen.Count >= toPredict)
            {
                break;
            }

            // A whole word that would overshoot the budget is skipped, not split (the original's rule).
            if (chosen.Count + group.Length > toPredict)
            {
                continue;
            }

            foreach (int index in group)
            {
                chosen.Add(index);
                int replacement;
                if (rng.NextDouble() < 0.8)
                {
                    replacement = _vocabulary.MaskId;
                }
                else if (rng.NextDouble() < 0.5)
                {
                    replacement = original[index];
                }
                else
                {
                    replacement = rng.NextInt(_vocabulary.Count);
                }

                tokens[index] = replacement;
            }
        }

        chosen.Sort();
        int[] positions = chosen.ToArray();
        var labels = new int[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            labels[i] = original[positions[i]];
        }

        return (positions, labels);
    }

    private static void Flush(List<int[]> groups, List<int> current)
    {
        if (current.Count > 0)
        {
            groups.Add(current.ToArray());
            current.Clear();
        }
    }
}
