using System.Collections.Generic;

namespace BertGen.Text;

/// <summary>Google's <c>create_pretraining_data.truncate_seq_pair</c>, a step of <see cref="PretrainingInstanceBuilder"/>
/// (internal: a program builds instances through it, not pairs by hand).</summary>
internal static class SequencePairTruncation
{
    /// <summary>
    /// Drops one token at a time from the longer of <paramref name="a"/> and <paramref name="b"/> (B on ties)
    /// until they fit in <paramref name="maxNumTokens"/>; each token comes off the front or the back with
    /// equal probability, so the model does not always see sentence ends cut (the original's reason).
    /// </summary>
    public static void Truncate(List<int> a, List<int> b, int maxNumTokens, Xoshiro256StarStar rng)
    {
        while (a.Count + b.Count > maxNumTokens)
        {
            List<int> longer = a.Count > b.Count ? a : b;
            if (rng.NextDouble() < 0.5)
            {
                longer.RemoveAt(0);
            }
            else
            {
                longer.RemoveAt(longer.Count - 1);
            }
        }
    }
}
