using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// A training step tells its <see cref="IGradientProgress"/> as gradients become final, and data-parallel training
/// starts reducing them right then: a suffix reported final that the backward still writes would be reduced half
/// done. Every report is checked against the step's final gradients, and the reports against the boundaries the
/// parameter table gives (heads, then each layer's first tensor from the last layer down, then everything).
/// </summary>
public sealed class GradientProgressTests
{
    [Theory]
    [MemberData(nameof(Cases.All), MemberType = typeof(Cases))]
    public void EveryReportedSuffixIsFinalAndTheReportsWalkTheLayersDown(OracleCase c)
    {
        using ITrainableModel model = c.Create();
        ModelHarness.Initialize(model, 5, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(c.Batch, c.Sequence);
        model.Gradients.AsSpan().Clear();
        var progress = new Snapshots(model);
        step.Run(c.CreateBatch(6), StepMode.Train, 7, 1f, progress);
        float[] final = model.Gradients.AsSpan().ToArray();

        Assert.Equal(ExpectedBoundaries(model.ParameterTable, c.Descriptor.Layers), progress.Reports.Select(r => r.Offset));
        foreach ((long offset, float[] gradients) in progress.Reports)
        {
            Assert.True(gradients.AsSpan((int)offset).SequenceEqual(final.AsSpan((int)offset)), $"gradients from {offset} on changed after they were reported final");
        }

        Assert.Contains(final, g => g != 0f); // the step did compute gradients
    }

    [Fact]
    public void EvaluationReportsNothing()
    {
        using ITrainableModel model = Cases.ClassifyCase.Create();
        ModelHarness.Initialize(model, 5, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(Cases.ClassifyCase.Batch, Cases.ClassifyCase.Sequence);
        var progress = new Snapshots(model);
        step.Run(Cases.ClassifyCase.CreateBatch(6), StepMode.Evaluate, 7, 1f, progress);
        Assert.Empty(progress.Reports);
    }

    // From the parameter table alone: where the tensors after the last encoder layer begin (the pooler's and
    // heads', or the buffer's end), each layer's first tensor from the last layer down, then 0.
    private static IEnumerable<long> ExpectedBoundaries(IReadOnlyList<ParameterInfo> table, int layers)
    {
        string prefix = table[0].Name.StartsWith("bert.", StringComparison.Ordinal) ? "bert." : string.Empty;
        ParameterInfo First(int layer) => table.Single(p => p.Name == $"{prefix}encoder.layer.{layer}.attention.self.query.weight");
        int lastLayerEnd = table.ToList().FindLastIndex(p => p.Name.StartsWith($"{prefix}encoder.layer.{layers - 1}.", StringComparison.Ordinal));
        ParameterInfo last = table[lastLayerEnd];
        long afterLayers = lastLayerEnd + 1 < table.Count ? table[lastLayerEnd + 1].Offset : (last.Offset + last.Length + 15) / 16 * 16;
        return new[] { afterLayers }.Concat(Enumerable.Range(0, layers).Reverse().Select(l => First(l).Offset)).Concat(new[] { 0L });
    }

    private sealed class Snapshots : IGradientProgress
    {
        private readonly ITrainableModel _model;

        public Snapshots(ITrainableModel model) => _model = model;

        public List<(long Offset, float[] Gradients)> Reports { get; } = new();

        public void CompletedFrom(long offset) => Reports.Add((offset, _model.Gradients.AsSpan().ToArray()));
    }
}
