using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Training.Tests;

/// <summary>
/// Ten optimiser steps of the compiled training step + BertGen's AdamW (torch flavour: bias correction,
/// clip_grad_norm_ 1.0, weight decay 0.01 except biases and LayerNorm, linear warmup then decay) against the same
/// ten steps in libtorch (autograd + torch.optim.AdamW), from the same weights on the same batches.
/// </summary>
/// <remarks>
/// Tolerance 1e-4 absolute on every parameter after each step (the bound). Each step moves a weight by
/// at most ~lr = 1e-3; float32 gradients differ from float64 ones by ~1e-6 relative, which Adam's normalisation
/// turns into update differences far below 1e-4 — except where the true gradient is zero (the attention key
/// bias: softmax ignores it) and Adam divides rounding noise by its own size, making ±lr steps of arbitrary
/// sign on both sides. Those tensors are compared against their initial values instead: weight decay does not
/// apply to biases, so they may only move by rounding-noise steps.
/// </remarks>
public sealed class AdamWStepsTests
{
    private readonly ITestOutputHelper _output;

    public AdamWStepsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void TenStepsMatchTorchAdamW()
    {
        OracleCase testCase = Cases.PretrainSmallCase;
        const int steps = 10;
        const double lr = 1e-3;
        using ITrainableModel model = testCase.Create();
        ModelHarness.Initialize(model, 31, model.InitializeParameters);
        TrainingBatch[] batches = Enumerable.Range(0, 3).Select(i => testCase.CreateBatch((ulong)(40 + i))).ToArray();
        using var oracle = new TorchBert(testCase.OracleConfig, ModelHarness.Parameters(model, testCase.OracleConfig), torch.ScalarType.Float64);
        Dictionary<string, float[]> initial = ModelHarness.Gradients(model).Keys.ToDictionary(
            name => name, name => model.Parameters.Slice(ParameterInfo.Find(model.ParameterTable, name).Offset, (int)ParameterInfo.Find(model.ParameterTable, name).Length).ToArray());

        TrainingTrajectory expected = TorchAdamWOracle.Run(
            oracle, batches.Select(b => ModelHarness.ToOracle(b, testCase.Batch, testCase.Sequence)).ToList(), steps,
            new AdamSettings(), new BertGen.TorchOracle.LinearWarmupDecaySchedule(lr, 3, steps));

        // The loop a package user writes: the optimiser built from the model, whose Step re-packs the weights.
        var schedule = new BertGen.Runtime.Optimization.LinearWarmupDecaySchedule(lr, 3, steps);
        using var optimizer = new AdamW(model, AdamWSettings.Torch);
        using ITrainingStep step = model.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        for (int t = 0; t < steps; t++)
        {
            model.Gradients.AsSpan().Clear();
            TrainingLosses losses = step.Run(batches[t % batches.Length], StepMode.Train, (ulong)t);
            OptimizerStepResult result = optimizer.Step(schedule.At(t));
            Assert.Equal(expected.Losses[t], losses.Total, 4);
            Assert.Equal(expected.GradientNorms[t], result.GradientNorm, 4);

            double worst = 0;
            string worstName = string.Empty;
            foreach (ParameterInfo info in model.ParameterTable)
            {
                float[] ours = model.Parameters.Slice(info.Offset, (int)info.Length).ToArray();
                bool zeroGradient = info.Name.EndsWith("attention.self.key.bias", StringComparison.Ordinal);
                float[] reference = zeroGradient ? initial[info.Name] : expected.ParametersAfterStep[t][info.Name];
                double bound = zeroGradient ? (t + 1) * lr * 1.01 : 1e-4;
                double error = ours.Zip(reference, (a, b) => Math.Abs((double)a - b)).Max();
                Assert.True(error <= bound, $"step {t + 1}, {info.Name}: max|ours − torch| = {error:E2} > {bound:E1}");
                if (!zeroGradient && error > worst)
                {
                    worst = error;
                    worstName = info.Name;
                }
            }

            _output.WriteLine($"step {t + 1}: loss {losses.Total:F6} vs {expected.Losses[t]:F6}, worst parameter difference {worst:E2} ({worstName})");
        }
    }

    [Fact]
    public void AnOptimiserBuiltFromTheModelIsSizedFromItAndKeepsItsPackedWeightsCurrent()
    {
        OracleCase testCase = Cases.ClassifyCase;
        using ITrainableModel model = testCase.Create();
        ModelHarness.Initialize(model, 5, model.InitializeParameters);
        TrainingBatch batch = testCase.CreateBatch(3);
        using ITrainingStep step = model.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        using var optimizer = new AdamW(model);

        // Sized from the buffer, whose alignment padding makes it longer than the parameter count.
        long count = model.ParameterTable.Sum(p => p.Length);
        Assert.True(model.Parameters.Length > count, $"{model.Parameters.Length} floats for {count} parameters");
        Assert.Equal(model.Parameters.Length, optimizer.FirstMoment.Length);
        Assert.Equal(model.Parameters.Length, optimizer.SecondMoment.Length);

        float before = step.Run(batch, StepMode.Evaluate, 0).Total;
        model.Gradients.AsSpan().Clear();
        step.Run(batch, StepMode.Train, 1);
        optimizer.Step(1e-2);
        float after = step.Run(batch, StepMode.Evaluate, 0).Total;

        // The next pass ran on the updated weights: a second model holding the same parameters, packed afresh,
        // gives the same loss to the last bit; and the step did move it.
        using ITrainableModel fresh = testCase.Create();
        model.Parameters.AsSpan().CopyTo(fresh.Parameters.AsSpan());
        fresh.PrepareWeights();
        using ITrainingStep freshStep = fresh.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        Assert.Equal(BitConverter.SingleToInt32Bits(freshStep.Run(batch, StepMode.Evaluate, 0).Total), BitConverter.SingleToInt32Bits(after));
        Assert.NotEqual(before, after);

        // An optimiser built from a table has no model to step.
        using var fromTable = new AdamW(model.ParameterTable, model.Parameters.Length, AdamWSettings.Torch);
        Assert.Throws<OptimizationException>(() => fromTable.Step(1e-2));
    }
}
