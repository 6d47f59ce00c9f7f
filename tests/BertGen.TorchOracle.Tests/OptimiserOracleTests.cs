using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// The torch AdamW oracle against the AdamW formula written out here per element (decoupled decay, bias-corrected
/// moments, clip_grad_norm_'s max/(norm + 1e-6), HuggingFace's schedule), and the original-BERT optimiser against
/// its closed form. Ten steps, as llm.c's test_gpt2 does against PyTorch.
/// </summary>
public sealed class OptimiserOracleTests
{
    private const int Steps = 10;

    [Fact]
    public void TorchAdamWTenStepsMatchScalarAdamWFormula()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> initial = TinyBert.RandomParameters(config, seed: 17);
        var settings = new AdamSettings { Eps = 1e-8, WeightDecay = 0.01, MaxGradNorm = 1.0 };
        var schedule = new LinearWarmupDecaySchedule(BaseLearningRate: 1e-2, WarmupSteps: 3, TotalSteps: Steps);
        BertInputs[] batches = { TinyBert.Pretraining(), TinyBert.Pretraining() with { NextSentenceLabels = new[] { 1, 1 } } };

        using var oracle = new TorchBert(config, initial);
        TrainingTrajectory trajectory = TorchAdamWOracle.Run(oracle, batches, Steps, settings, schedule);

        // The replica: a second model for gradients only, every update done here in double.
        using var replica = new TorchBert(config, initial);
        var m = replica.ParameterNames.ToDictionary(n => n, n => new double[replica.GetParameterValues(n).Length]);
        var v = replica.ParameterNames.ToDictionary(n => n, n => new double[replica.GetParameterValues(n).Length]);
        int clippedSteps = 0;
        for (int t = 0; t < Steps; t++)
        {
            double loss = replica.Run(batches[t % batches.Length]).Loss;
            Assert.Equal(loss, trajectory.Losses[t], 1e-9);

            var gradients = replica.ParameterNames.ToDictionary(n => n, replica.GetGradient);
            double norm = Math.Sqrt(gradients.Values.Sum(g => g.Sum(x => x * x)));
            Assert.Equal(norm, trajectory.GradientNorms[t], 1e-9);
            double clip = Math.Min(1.0, 1.0 / (norm + 1e-6));
            clippedSteps += clip < 1.0 ? 1 : 0;

            // HuggingFace get_linear_schedule_with_warmup: t/W during warmup, then (T − t)/(T − W).
            double lr = 1e-2 * (t < 3 ? t / 3.0 : (Steps - t) / (double)(Steps - 3));
            Assert.Equal(lr, trajectory.LearningRates[t], 1e-15);

            foreach (string name in replica.ParameterNames)
            {
                bool decayed = !(name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal));
                double[] p = replica.GetParameterValues(name);
                for (int i = 0; i < p.Length; i++)
                {
                    double g = gradients[name][i] * clip;
                    if (decayed)
                    {
                        p[i] -= lr * 0.01 * p[i];
                    }

                    m[name][i] = 0.9 * m[name][i] + 0.1 * g;
                    v[name][i] = 0.999 * v[name][i] + 0.001 * g * g;
                    double mHat = m[name][i] / (1 - Math.Pow(0.9, t + 1));
                    double vHat = v[name][i] / (1 - Math.Pow(0.999, t + 1));
                    p[i] -= lr * mHat / (Math.Sqrt(vHat) + 1e-8);
                }

                replica.SetParameterValues(name, p);

                // Both sides are double; the trajectory is rounded to float on the way out (6e-8 relative on
                // values up to ~2), so 1e-6 holds. A missing bias correction moves a step-1 update 3×, a decayed
                // LayerNorm weight moves by lr·wd ≈ 1e-4: both far outside it.
                float[] expectedAfter = trajectory.ParametersAfterStep[t][name];
                for (int i = 0; i < p.Length; i++)
                {
                    Assert.True(Math.Abs(p[i] - expectedAfter[i]) <= 1e-6, $"step {t} {name}[{i}]: formula {p[i]:R}, torch AdamW {expectedAfter[i]:R}");
                }
            }
        }

        // The run must exercise clipping, or the clipping half of the check is vacuous.
        Assert.True(clippedSteps > 0, "no step had a gradient norm above 1");
        Assert.True(trajectory.Losses[^1] < trajectory.Losses[1], $"loss did not fall: {trajectory.Losses[1]} → {trajectory.Losses[^1]}");
    }

    [Fact]
    public void OriginalBertOptimiserStepsMatchClosedForm()
    {
        // g = 0.2 twice, p0 = 0.5, lr = 0.1, wd 0.01, eps 1e-6, no bias correction:
        // step 1: m = 0.02, v = 4e-5, u = 0.02/(√4e-5 + 1e-6) + 0.01·0.5 = 3.16177...+0.005, p = 0.5 − 0.1·u
        // step 2: m = 0.038, v = 7.996e-5, u = 0.038/(√7.996e-5 + 1e-6) + 0.01·p1.
        var optimizer = new BertAdamWeightDecayOptimizer(new AdamSettings { Eps = 1e-6, WeightDecay = 0.01 });
        double[] weight = { 0.5 };
        double[] bias = { 0.5 };
        double p1 = 0.5 - 0.1 * (0.02 / (Math.Sqrt(4e-5) + 1e-6) + 0.005);
        double p2 = p1 - 0.1 * (0.038 / (Math.Sqrt(7.996e-5) + 1e-6) + 0.01 * p1);
        double b1 = 0.5 - 0.1 * (0.02 / (Math.Sqrt(4e-5) + 1e-6));
        double b2 = b1 - 0.1 * (0.038 / (Math.Sqrt(7.996e-5) + 1e-6));

        optimizer.Step("layer.dense.weight", weight, new[] { 0.2 }, 0.1);
        optimizer.Step("layer.dense.bias", bias, new[] { 0.2 }, 0.1);
        Assert.Equal(p1, weight[0], 1e-14);
        Assert.Equal(b1, bias[0], 1e-14);
        Assert.Equal(0.5 - 0.1 * 3.16177, weight[0] + 0.1 * 0.005, 1e-5);

        optimizer.Step("layer.dense.weight", weight, new[] { 0.2 }, 0.1);
        optimizer.Step("layer.dense.bias", bias, new[] { 0.2 }, 0.1);
        Assert.Equal(p2, weight[0], 1e-14);
        Assert.Equal(b2, bias[0], 1e-14);
    }

    [Fact]
    public void FirstStepOfOriginalBertMovesAboutThreeTimesFurtherThanTorchAdamW()
    {
        // Without bias correction step 1 moves lr·0.1|g|/(√0.001·|g| + 1e-6) ≈ 3.1623·lr against torch's lr.
        // Weight decay off and no warmup so only that difference remains; elements with |g| > 0.01 keep the eps
        // terms below 0.4% of the ratio (1e-6/(0.0316·0.01) = 3.2e-3).
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> initial = TinyBert.RandomParameters(config, seed: 17);
        var schedule = new LinearWarmupDecaySchedule(1e-3, WarmupSteps: 0, TotalSteps: 1);
        BertInputs[] batch = { TinyBert.Pretraining() };

        using var gradientsModel = new TorchBert(config, initial);
        gradientsModel.Run(batch[0]);
        using var torchModel = new TorchBert(config, initial);
        TrainingTrajectory torchRun = TorchAdamWOracle.Run(torchModel, batch, 1, new AdamSettings { WeightDecay = 0, MaxGradNorm = null }, schedule);
        using var bertModel = new TorchBert(config, initial);
        TrainingTrajectory bertRun = BertAdamWeightDecayOptimizer.Train(bertModel, batch, 1, new AdamSettings { Eps = 1e-6, WeightDecay = 0, MaxGradNorm = null }, schedule);

        int compared = 0;
        foreach (string name in gradientsModel.ParameterNames)
        {
            double[] g = gradientsModel.GetGradient(name);
            double[] start = gradientsModel.GetParameterValues(name);
            for (int i = 0; i < g.Length; i++)
            {
                if (Math.Abs(g[i]) <= 0.01)
                {
                    continue;
                }

                double torchMove = start[i] - torchRun.ParametersAfterStep[0][name][i];
                double bertMove = start[i] - bertRun.ParametersAfterStep[0][name][i];
                // Moves are ~1e-3 on values ~1, read back through float (6e-8): ratio good to ~1e-4, checked to 1%.
                Assert.Equal(Math.Sqrt(1000) * 0.1, bertMove / torchMove, 0.01 * 3.1623);
                compared++;
            }
        }

        Assert.True(compared > 50, $"only {compared} elements had |g| > 0.01");
    }

    [Fact]
    public void SchedulesFollowHuggingFaceAndOriginalBert()
    {
        var hf = new LinearWarmupDecaySchedule(1.0, WarmupSteps: 2, TotalSteps: 10);
        var original = hf with { OriginalBertDecay = true };
        Assert.Equal(new[] { 0.0, 0.5, 1.0, 7 / 8.0, 0.5, 0.0, 0.0 }, new[] { 0, 1, 2, 3, 6, 10, 12 }.Select(hf.At).ToArray());
        Assert.Equal(new[] { 0.0, 0.5, 0.8, 0.7, 0.4, 0.0, 0.0 }, new[] { 0, 1, 2, 3, 6, 10, 12 }.Select(original.At).Select(x => Math.Round(x, 12)).ToArray());
    }

    [Fact]
    public void WeightDecaySkipsBiasesAndLayerNormOnly()
    {
        Assert.True(BertParameterLayout.IsDecayed("bert.embeddings.word_embeddings.weight"));
        Assert.True(BertParameterLayout.IsDecayed("bert.encoder.layer.0.attention.self.query.weight"));
        Assert.True(BertParameterLayout.IsDecayed("cls.seq_relationship.weight"));
        Assert.False(BertParameterLayout.IsDecayed("bert.encoder.layer.0.attention.self.query.bias"));
        Assert.False(BertParameterLayout.IsDecayed("bert.embeddings.LayerNorm.weight"));
        Assert.False(BertParameterLayout.IsDecayed("bert.encoder.layer.1.output.LayerNorm.gamma"));
        Assert.False(BertParameterLayout.IsDecayed("cls.predictions.bias"));
    }
}
