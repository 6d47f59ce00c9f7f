using System;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// <c>replaceGradients: true</c> lets the trainer skip zeroing the gradient buffer before each optimiser step:
/// every tensor's first write in the backward stores instead of adding (the weight GEMMs), or the tensor is zeroed
/// right before an op that adds (bias sums, LayerNorm's dγ and dβ, the embeddings' scatter). A tensor the plan gets
/// wrong keeps what the buffer held, so the buffer is filled with NaN first: the replaced gradients must equal, bit
/// for bit, what zeroing and adding gives, on every spec (stacked and unstacked Q/K/V, tied and untied word
/// embeddings, every head), and a later micro-batch must still add.
/// </summary>
public sealed class GradientReplaceTests
{
    [Theory]
    [MemberData(nameof(Cases.All), MemberType = typeof(Cases))]
    public void ReplacingOverGarbageEqualsZeroingThenAdding(OracleCase c)
    {
        using ITrainableModel model = c.Create();
        ModelHarness.Initialize(model, 11, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(c.Batch, c.Sequence);
        TrainingBatch first = c.CreateBatch(3), second = c.CreateBatch(4);

        model.Gradients.AsSpan().Clear();
        step.Run(first, StepMode.Train, 21, 0.5f);
        float[] expectedOne = model.Gradients.AsSpan().ToArray();
        step.Run(second, StepMode.Train, 22, 0.5f);
        float[] expectedTwo = model.Gradients.AsSpan().ToArray();

        FillTensors(model, float.NaN);
        step.Run(first, StepMode.Train, 21, 0.5f, replaceGradients: true);
        AssertTensorsEqual(model, expectedOne, "one replacing micro-batch");
        step.Run(second, StepMode.Train, 22, 0.5f, replaceGradients: false);
        AssertTensorsEqual(model, expectedTwo, "a replacing micro-batch, then an adding one");
    }

    [Fact]
    public void EvaluationLeavesTheGradientsAlone()
    {
        OracleCase c = Cases.ClassifyCase;
        using ITrainableModel model = c.Create();
        ModelHarness.Initialize(model, 11, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(c.Batch, c.Sequence);
        FillTensors(model, 7f);
        step.Run(c.CreateBatch(3), StepMode.Evaluate, 21, replaceGradients: true);
        foreach (ParameterInfo p in model.ParameterTable)
        {
            Assert.True(Tensor(model, p).IndexOfAnyExcept(7f) < 0, $"{p.Name} changed in an evaluation step");
        }
    }

    private static void FillTensors(ITrainableModel model, float value)
    {
        foreach (ParameterInfo p in model.ParameterTable)
        {
            Tensor(model, p).Fill(value);
        }
    }

    private static void AssertTensorsEqual(ITrainableModel model, float[] expected, string what)
    {
        foreach (ParameterInfo p in model.ParameterTable)
        {
            ReadOnlySpan<float> actual = Tensor(model, p);
            ReadOnlySpan<float> wanted = expected.AsSpan((int)p.Offset, (int)p.Length);
            for (int i = 0; i < actual.Length; i++)
            {
                // Bits, so a NaN left from the fill fails; +0 and −0 alike, as 0 + (−0) = +0 where a store keeps −0.
                if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(wanted[i]) && !(actual[i] == 0f && wanted[i] == 0f))
                {
                    Assert.Fail($"{what}: {p.Name}[{i}] is {actual[i]:R}, zeroing then adding gives {wanted[i]:R}");
                }
            }
        }
    }

    private static Span<float> Tensor(ITrainableModel model, ParameterInfo p) => model.Gradients.AsSpan().Slice((int)p.Offset, (int)p.Length);
}
