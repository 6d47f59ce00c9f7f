using System;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Training;

namespace BertGen.TrainingBench;

/// <summary>
/// A pretraining batch of the benchmark's shape: random tokens, every sequence full length (the cost of a
/// step does not depend on the token values), 20 masked positions per sequence, random next-sentence labels.
/// </summary>
internal static class SyntheticPretrainingBatch
{
    public static TrainingBatch Create(int batch, int sequence, int predictions, int vocab, ulong seed)
    {
        var random = new SeededRandom(seed);
        int tokens = batch * sequence;
        var positions = new int[batch * predictions];
        for (int b = 0; b < batch; b++)
        {
            int[] chosen = Enumerable.Range(1, sequence - 2).OrderBy(_ => random.NextDouble()).Take(predictions).OrderBy(x => x).ToArray();
            chosen.CopyTo(positions, b * predictions);
        }

        return new TrainingBatch
        {
            InputIds = Enumerable.Range(0, tokens).Select(_ => 1000 + random.NextInt(vocab - 1000)).ToArray(),
            AttentionMask = Enumerable.Repeat(1, tokens).ToArray(),
            TokenTypeIds = Enumerable.Range(0, tokens).Select(t => t % sequence < sequence / 2 ? 0 : 1).ToArray(),
            MaskedLmPositions = positions,
            MaskedLmIds = Enumerable.Range(0, batch * predictions).Select(_ => 1000 + random.NextInt(vocab - 1000)).ToArray(),
            MaskedLmWeights = Enumerable.Repeat(1f, batch * predictions).ToArray(),
            NextSentenceLabels = Enumerable.Range(0, batch).Select(_ => random.NextInt(2)).ToArray(),
        };
    }
}
