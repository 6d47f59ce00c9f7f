using System;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Training;

namespace BertGen.Training.Tests;

/// <summary>
/// Random but well-formed batches: every row has its own real length (so padding is present), a second
/// segment, masked positions inside the real tokens with some padding predictions of weight 0.
/// </summary>
internal static class BatchFactory
{
    public static TrainingBatch Create(TrainingObjective objective, int batch, int sequence, int predictions, int vocab, int labels, bool multiLabel, bool regression, ulong seed)
    {
        var random = new SeededRandom(seed);
        int tokens = batch * sequence;
        var ids = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            // Row 0 is full, the others are shorter: padding in every batch, never an empty row.
            int length = b == 0 ? sequence : Math.Max(3, sequence - 1 - random.NextInt(sequence / 2));
            lengths[b] = length;
            int secondSegment = length / 2;
            for (int s = 0; s < sequence; s++)
            {
                int t = (b * sequence) + s;
                bool real = s < length;
                ids[t] = real ? 1 + random.NextInt(vocab - 1) : 0;
                mask[t] = real ? 1 : 0;
                types[t] = real && s >= secondSegment ? 1 : 0;
            }
        }

        int[] positions = Array.Empty<int>(), mlmIds = Array.Empty<int>(), nsp = Array.Empty<int>(), classes = Array.Empty<int>();
        int[] tokenLabels = Array.Empty<int>(), starts = Array.Empty<int>(), ends = Array.Empty<int>();
        float[] weights = Array.Empty<float>(), targets = Array.Empty<float>();
        switch (objective)
        {
            case TrainingObjective.Pretraining:
            case TrainingObjective.MaskedLm:
                positions = new int[batch * predictions];
                mlmIds = new int[batch * predictions];
                weights = new float[batch * predictions];
                for (int b = 0; b < batch; b++)
                {
                    int real = Math.Min(predictions - (b % 2), lengths[b] - 2); // odd rows keep one padding prediction
                    int[] chosen = Enumerable.Range(1, lengths[b] - 2).OrderBy(_ => random.NextDouble()).Take(real).OrderBy(x => x).ToArray();
                    for (int p = 0; p < chosen.Length; p++)
                    {
                        positions[(b * predictions) + p] = chosen[p];
                        mlmIds[(b * predictions) + p] = 1 + random.NextInt(vocab - 1);
                        weights[(b * predictions) + p] = 1f;
                    }
                }

                nsp = objective == TrainingObjective.Pretraining ? Enumerable.Range(0, batch).Select(_ => random.NextInt(2)).ToArray() : nsp;
                break;
            case TrainingObjective.SequenceClassification:
                if (regression || multiLabel)
                {
                    targets = Enumerable.Range(0, batch * labels).Select(_ => multiLabel ? (float)random.NextInt(2) : (float)random.NextGaussian()).ToArray();
                }
                else
                {
                    classes = Enumerable.Range(0, batch).Select(_ => random.NextInt(labels)).ToArray();
                }

                break;
            case TrainingObjective.TokenClassification:
                tokenLabels = new int[tokens];
                for (int t = 0; t < tokens; t++)
                {
                    tokenLabels[t] = mask[t] == 0 || random.NextInt(5) == 0 ? -100 : random.NextInt(labels);
                }

                break;
            case TrainingObjective.QuestionAnswering:
                starts = new int[batch];
                ends = new int[batch];
                for (int b = 0; b < batch; b++)
                {
                    starts[b] = random.NextInt(lengths[b]);
                    ends[b] = starts[b] + random.NextInt(lengths[b] - starts[b]);
                }

                break;
        }

        return new TrainingBatch
        {
            InputIds = ids,
            AttentionMask = mask,
            TokenTypeIds = types,
            MaskedLmPositions = positions,
            MaskedLmIds = mlmIds,
            MaskedLmWeights = weights,
            NextSentenceLabels = nsp,
            ClassLabels = classes,
            Targets = targets,
            TokenLabels = tokenLabels,
            StartPositions = starts,
            EndPositions = ends,
        };
    }
}
