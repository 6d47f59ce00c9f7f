using System;
using System.Collections.Generic;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// The tiny configurations and batches the tests share: small enough for finite differences in double, with
/// padding, two segments and a masked-LM padding slot, so that every code path carries weight.
/// </summary>
internal static class TinyBert
{
    public const int Batch = 2;
    public const int Sequence = 5;

    public static TorchBertConfig Config(BertHead head, BertActivation activation = BertActivation.GeluErf, ClassificationProblem problem = ClassificationProblem.SingleLabel, int numLabels = 3) => new()
    {
        VocabSize = 50,
        HiddenSize = 12,
        NumLayers = 2,
        NumHeads = 2,
        IntermediateSize = 24,
        MaxPositions = 8,
        TypeVocabSize = 2,
        LayerNormEps = 1e-12,
        HiddenAct = activation,
        Head = head,
        NumLabels = numLabels,
        Problem = problem,
    };

    /// <summary>
    /// Random values with every tensor away from its HF initial value (LayerNorm weights ≠ 1, biases ≠ 0) and
    /// weights large enough (σ 0.3) that activations leave GELU's linear region, so a wrong formula shows.
    /// </summary>
    public static Dictionary<string, ParameterTensor> RandomParameters(TorchBertConfig config, int seed)
    {
        var random = new Random(seed);
        var result = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in BertParameterLayout.For(config))
        {
            int length = 1;
            foreach (int d in shape)
            {
                length *= d;
            }

            bool layerNorm = name.Contains("LayerNorm", StringComparison.Ordinal);
            bool bias = name.EndsWith("bias", StringComparison.Ordinal);
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                double z = Normal(random);
                values[i] = (float)(layerNorm && !bias ? 1.0 + 0.2 * z : bias ? 0.1 * z : 0.3 * z);
            }

            result.Add(name, new ParameterTensor(shape, values));
        }

        return result;
    }

    /// <summary>Sequence 0 is all real tokens; sequence 1 has two padding positions at the end.</summary>
    public static readonly int[] InputIds = { 1, 7, 23, 2, 41, 1, 12, 2, 0, 0 };
    public static readonly int[] AttentionMask = { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 };
    public static readonly int[] TokenTypeIds = { 0, 0, 0, 1, 1, 0, 0, 1, 0, 0 };

    public static BertInputs Pretraining() => new()
    {
        BatchSize = Batch,
        SequenceLength = Sequence,
        InputIds = InputIds,
        AttentionMask = AttentionMask,
        TokenTypeIds = TokenTypeIds,
        // Two predictions per sequence; sequence 1's second slot is padding (weight 0). Label 33 appears nowhere
        // in the input, so its embedding row gets gradient only through the tied decoder.
        MaskedLmPositions = new[] { 2, 4, 1, 0 },
        MaskedLmIds = new[] { 33, 41, 9, 0 },
        MaskedLmWeights = new[] { 1f, 1f, 1f, 0f },
        NextSentenceLabels = new[] { 0, 1 },
    };

    public static BertInputs ForHead(TorchBertConfig config) => config.Head switch
    {
        BertHead.Pretraining => Pretraining(),
        BertHead.SequenceClassification when config.Problem == ClassificationProblem.SingleLabel => Plain() with { ClassLabels = new[] { 2, 0 } },
        BertHead.SequenceClassification when config.Problem == ClassificationProblem.MultiLabel => Plain() with { TargetValues = new[] { 1f, 0f, 1f, 0f, 0f, 1f } },
        BertHead.SequenceClassification => Plain() with { TargetValues = new[] { 0.7f, -1.2f, 0.1f, 2.0f, 0.4f, -0.3f } },
        BertHead.TokenClassification => Plain() with { TokenLabels = new[] { -100, 2, 0, 1, -100, -100, 1, -100, -100, -100 } },
        BertHead.QuestionAnswering => Plain() with { StartPositions = new[] { 1, 2 }, EndPositions = new[] { 3, 2 } },
        _ => Plain(),
    };

    private static BertInputs Plain() => new()
    {
        BatchSize = Batch,
        SequenceLength = Sequence,
        InputIds = InputIds,
        AttentionMask = AttentionMask,
        TokenTypeIds = TokenTypeIds,
    };

    private static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
