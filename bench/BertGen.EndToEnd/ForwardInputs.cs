using System;

namespace BertGen.Bench;

/// <summary>
/// The token ids every engine of a comparison runs: seeded ids from the ordinary vocabulary range, [CLS] first in
/// each sequence, every token attended, the second half of each sequence in segment 1.
/// </summary>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
/// <param name="Ids">Token ids, [batch × sequence].</param>
/// <param name="Mask">Attention mask (all 1).</param>
/// <param name="Types">Token type ids.</param>
internal sealed record ForwardInputs(int Batch, int Sequence, int[] Ids, int[] Mask, int[] Types)
{
    /// <summary>The inputs for one shape, the same for every run of the bench (seed 12345).</summary>
    public static ForwardInputs Seeded(int batch, int sequence, int vocabSize)
    {
        int tokens = batch * sequence;
        var ids = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        var random = new Random(12345);
        for (int t = 0; t < tokens; t++)
        {
            ids[t] = t % sequence == 0 ? 101 : random.Next(1000, Math.Min(vocabSize, 30000));
            mask[t] = 1;
            types[t] = t % sequence < sequence / 2 ? 0 : 1;
        }

        return new ForwardInputs(batch, sequence, ids, mask, types);
    }
}
