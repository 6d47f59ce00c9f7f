using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Training.Tests;

/// <summary>
/// The compiled training step against libtorch autograd: same weights, same inputs (padding present),
/// dropout off. The loss and the gradient of every parameter tensor must agree.
/// </summary>
/// <remarks>
/// Tolerances: the oracle runs in float64, BertGen in float32. A float32 GEMM of reduction length k has a
/// relative error around √k·6e-8 per element, and the backward chains a few dozen such products and
/// LayerNorm divisions, so 1e-3 of each tensor's largest gradient (the bound) leaves two orders of
/// magnitude of room while a wrong transpose, offset, mask sign or missing term is off by O(1).
/// </remarks>
public sealed class GradientOracleTests
{
    private const double GradientTolerance = 1e-3;
    private const double LossTolerance = 1e-4;

    private readonly ITestOutputHelper _output;

    public GradientOracleTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [MemberData(nameof(Cases.All), MemberType = typeof(Cases))]
    public void LossAndEveryGradientMatchLibtorch(OracleCase testCase)
    {
        using ITrainableModel model = testCase.Create();
        ModelHarness.Initialize(model, 11, model.InitializeParameters);
        TrainingBatch batch = testCase.CreateBatch(5);
        using ITrainingStep step = model.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        model.Gradients.AsSpan().Clear();
        TrainingLosses ours = step.Run(batch, StepMode.Train, dropoutSeed: 3);
        Dictionary<string, float[]> gradients = ModelHarness.Gradients(model);

        using var oracle = new TorchBert(testCase.OracleConfig, ModelHarness.Parameters(model, testCase.OracleConfig), torch.ScalarType.Float64);
        TorchBertResult expected = oracle.Run(ModelHarness.ToOracle(batch, testCase.Batch, testCase.Sequence));

        _output.WriteLine($"{testCase}: loss {ours.Total} vs {expected.Loss}");
        Assert.True(Math.Abs(ours.Total - expected.Loss) <= LossTolerance * Math.Max(1, Math.Abs(expected.Loss)), $"loss {ours.Total} vs libtorch {expected.Loss}");
        if (expected.MaskedLmLoss is { } mlm)
        {
            Assert.True(Math.Abs(ours.MaskedLm - mlm) <= LossTolerance * Math.Max(1, mlm), $"MLM loss {ours.MaskedLm} vs {mlm}");
        }

        if (expected.NextSentenceLoss is { } nsp)
        {
            Assert.True(Math.Abs(ours.NextSentence - nsp) <= LossTolerance * Math.Max(1, nsp), $"NSP loss {ours.NextSentence} vs {nsp}");
        }

        var failures = new List<string>();
        foreach ((string name, float[] actual) in gradients)
        {
            float[] reference = expected.Gradients[name];
            double scale = reference.Max(x => Math.Abs((double)x));
            double error = actual.Zip(reference, (a, b) => Math.Abs((double)a - b)).Max();
            double relative = scale > 0 ? error / scale : error;
            _output.WriteLine($"  {name}: max|a-b| {error:E2}, max|b| {scale:E2}, ratio {relative:E2}");
            // The key bias adds the same q·b_k to every score of a row, which softmax ignores: its gradient is
            // exactly zero (libtorch gets ~1e-17). For such tensors the bound is absolute: float32 round-off only.
            bool analyticallyZero = scale < 1e-12;
            if (analyticallyZero ? error > 1e-6 : relative > GradientTolerance)
            {
                failures.Add($"{name}: max|a−b|/max|b| = {relative:E2}");
            }
        }

        Assert.True(failures.Count == 0, "Gradients differ from libtorch:\n" + string.Join("\n", failures));
        Assert.Equal(expected.Gradients.Keys.Where(k => !k.Contains("pooler", StringComparison.Ordinal) || gradients.ContainsKey(k)).OrderBy(k => k), gradients.Keys.OrderBy(k => k));
    }
}
