using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;

namespace BertGen.Training.Tests;

/// <summary>Moves weights, inputs and gradients between a generated model and the libtorch oracle.</summary>
internal static class ModelHarness
{
    /// <summary>
    /// HF initialisation, then a small random perturbation of every value so biases and LayerNorm
    /// parameters are not at their 0/1 defaults (a bias read from the wrong offset must change the answer).
    /// </summary>
    public static void Initialize(ITrainableModel model, ulong seed, Action<ulong> initialize)
    {
        initialize(seed);
        var random = new SeededRandom(seed + 17);
        Span<float> p = model.Parameters.AsSpan();
        foreach (ParameterInfo info in model.ParameterTable)
        {
            for (long i = info.Offset; i < info.Offset + info.Length; i++)
            {
                p[(int)i] += (float)(0.05 * random.NextGaussian());
            }
        }

        model.PrepareWeights();
    }

    public static Dictionary<string, ParameterTensor> Parameters(ITrainableModel model, TorchBertConfig config)
    {
        var result = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        foreach (ParameterInfo info in model.ParameterTable)
        {
            result[info.Name] = new ParameterTensor(info.Shape, model.Parameters.Slice(info.Offset, (int)info.Length).ToArray());
        }

        // HF builds token classification and QA models without a pooler; the oracle always has one. Its
        // output is unused by those heads, so zeros (with zero gradient) make the two models the same function.
        foreach ((string name, int[] shape) in BertParameterLayout.For(config))
        {
            if (!result.ContainsKey(name))
            {
                Assert(name.Contains("pooler", StringComparison.Ordinal), $"{name} is missing from the generated model");
                result[name] = new ParameterTensor(shape, new float[shape.Aggregate(1, (a, b) => a * b)]);
            }
        }

        return result;
    }

    public static Dictionary<string, float[]> Gradients(ITrainableModel model) =>
        model.ParameterTable.ToDictionary(p => p.Name, p => model.Gradients.Slice(p.Offset, (int)p.Length).ToArray(), StringComparer.Ordinal);

    public static BertInputs ToOracle(TrainingBatch batch, int batchSize, int sequence) => new()
    {
        BatchSize = batchSize,
        SequenceLength = sequence,
        InputIds = batch.InputIds,
        AttentionMask = batch.AttentionMask,
        TokenTypeIds = batch.TokenTypeIds,
        MaskedLmPositions = batch.MaskedLmPositions.Length > 0 ? batch.MaskedLmPositions : null,
        MaskedLmIds = batch.MaskedLmIds.Length > 0 ? batch.MaskedLmIds : null,
        MaskedLmWeights = batch.MaskedLmWeights.Length > 0 ? batch.MaskedLmWeights : null,
        NextSentenceLabels = batch.NextSentenceLabels.Length > 0 ? batch.NextSentenceLabels : null,
        ClassLabels = batch.ClassLabels.Length > 0 ? batch.ClassLabels : null,
        TargetValues = batch.Targets.Length > 0 ? batch.Targets : null,
        TokenLabels = batch.TokenLabels.Length > 0 ? batch.TokenLabels : null,
        StartPositions = batch.StartPositions.Length > 0 ? batch.StartPositions : null,
        EndPositions = batch.EndPositions.Length > 0 ? batch.EndPositions : null,
    };

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
