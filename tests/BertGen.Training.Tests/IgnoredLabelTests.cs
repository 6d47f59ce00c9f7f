using System;
using System.Linq;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using TorchSharp;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// Class label −100 marks a row with no label (the padding rows of an evaluation batch): it must not count in
/// the loss, its mean, or the accuracy counts.
/// </summary>
public sealed class IgnoredLabelTests
{
    [Fact]
    public void IgnoredRowsDropOutOfLossAndCounts()
    {
        OracleCase testCase = Cases.ClassifyCase;
        using ITrainableModel model = testCase.Create();
        ModelHarness.Initialize(model, 21, model.InitializeParameters);
        TrainingBatch full = testCase.CreateBatch(22);
        int[] labels = (int[])full.ClassLabels.Clone();
        labels[^1] = -100;
        TrainingBatch partial = new()
        {
            InputIds = full.InputIds,
            AttentionMask = full.AttentionMask,
            TokenTypeIds = full.TokenTypeIds,
            ClassLabels = labels,
        };

        using ITrainingStep step = model.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        TrainingLosses ours = step.Run(partial, StepMode.Evaluate, 1);

        // Expected: the mean cross-entropy of the labelled rows, from libtorch's logits of the same model.
        using var oracle = new TorchBert(testCase.OracleConfig, ModelHarness.Parameters(model, testCase.OracleConfig), torch.ScalarType.Float64);
        float[] logits = oracle.Run(ModelHarness.ToOracle(full, testCase.Batch, testCase.Sequence)).ClassifierLogits!;
        int classes = testCase.NumLabels;
        double expected = Enumerable.Range(0, testCase.Batch - 1).Average(r =>
        {
            double[] row = logits.Skip(r * classes).Take(classes).Select(x => (double)x).ToArray();
            double max = row.Max();
            return max + Math.Log(row.Sum(x => Math.Exp(x - max))) - row[labels[r]];
        });

        Assert.Equal(expected, ours.Task, 4);
        Assert.Equal(testCase.Batch - 1, ours.TaskCount);
    }
}
