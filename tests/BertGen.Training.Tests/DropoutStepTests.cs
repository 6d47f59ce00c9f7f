using System;
using System.Linq;
using BertGen.Runtime.Training;
using BertGen.Training.Tests.Models;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// Dropout in the compiled step (spec dropout 0.1 on hidden states and attention probabilities): the seed
/// decides the masks, evaluation turns them off, and the backward differentiates the same masked function
/// the forward computed.
/// </summary>
public sealed class DropoutStepTests
{
    private static readonly OracleCase Case = new("dropout", DropoutModel.Descriptor, BertGen.TorchOracle.BertHead.Pretraining, BertGen.TorchOracle.ClassificationProblem.SingleLabel, 2, DropoutModel.LayerNormEpsilon, 2, 12, 4);

    [Fact]
    public void SameSeedSameLossOtherSeedOtherLossEvaluationIgnoresTheSeed()
    {
        using ITrainableModel model = Case.Create();
        ModelHarness.Initialize(model, 3, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(2, 12);
        TrainingBatch batch = Case.CreateBatch(9);
        float a = step.Run(batch, StepMode.Train, 100).Total;
        float b = step.Run(batch, StepMode.Train, 100).Total;
        float c = step.Run(batch, StepMode.Train, 101).Total;
        float e1 = step.Run(batch, StepMode.Evaluate, 100).Total;
        float e2 = step.Run(batch, StepMode.Evaluate, 555).Total;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(e1, e2);
        Assert.NotEqual(a, e1);
    }

    [Fact]
    public void EvaluationLeavesGradientsUntouched()
    {
        using ITrainableModel model = Case.Create();
        ModelHarness.Initialize(model, 3, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(2, 12);
        model.Gradients.AsSpan().Fill(0.25f);
        step.Run(Case.CreateBatch(9), StepMode.Evaluate, 1);
        Assert.All(model.Gradients.AsSpan().ToArray(), g => Assert.Equal(0.25f, g));
    }

    /// <summary>
    /// With dropout on and a fixed seed the loss is a deterministic function of the parameters; its central
    /// differences (float32, h = 1e-2: truncation ~h²·|f'''| ≈ 1e-4, round-off ~6e-8·|f|/h ≈ 4e-5) must match
    /// the analytic gradient on the entries with the largest gradients, to 2% of their size. A backward
    /// that used a different mask than the forward, or none, is off by tens of percent.
    /// </summary>
    [Fact]
    public void BackwardUsesTheForwardsDropoutMasks()
    {
        using ITrainableModel model = Case.Create();
        ModelHarness.Initialize(model, 4, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(2, 12);
        TrainingBatch batch = Case.CreateBatch(10);
        const ulong seed = 77;
        model.Gradients.AsSpan().Clear();
        step.Run(batch, StepMode.Train, seed);
        float[] analytic = model.Gradients.AsSpan().ToArray();

        string[] tensors = { "bert.encoder.layer.0.intermediate.dense.weight", "bert.encoder.layer.1.attention.self.query.weight", "bert.embeddings.word_embeddings.weight" };
        foreach (string name in tensors)
        {
            BertGen.Runtime.ParameterInfo info = BertGen.Runtime.ParameterInfo.Find(model.ParameterTable, name);
            int[] largest = Enumerable.Range((int)info.Offset, (int)info.Length).OrderByDescending(i => Math.Abs(analytic[i])).Take(3).ToArray();
            foreach (int index in largest)
            {
                const float h = 1e-2f;
                Span<float> p = model.Parameters.AsSpan();
                float saved = p[index];
                p[index] = saved + h;
                model.PrepareWeights();
                double up = step.Run(batch, StepMode.Train, seed).Total;
                p = model.Parameters.AsSpan();
                p[index] = saved - h;
                model.PrepareWeights();
                double down = step.Run(batch, StepMode.Train, seed).Total;
                model.Parameters.AsSpan()[index] = saved;
                model.PrepareWeights();
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[index]) <= 0.02 * Math.Abs(analytic[index]), $"{name}[{index - info.Offset}]: analytic {analytic[index]}, numeric {numeric}");
            }
        }
    }
}
