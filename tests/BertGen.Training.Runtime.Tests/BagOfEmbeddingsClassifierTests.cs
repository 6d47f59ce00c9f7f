using System;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>The test double is itself checked: its analytic gradients against central finite differences.</summary>
public sealed class BagOfEmbeddingsClassifierTests
{
    [Fact]
    public void GradientsMatchFiniteDifferencesWithDropoutOn()
    {
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.25, initSeed: 3);
        using ITrainingStep step = model.CreateTrainingStep(8, SyntheticClassificationData.Sequence);
        TrainingBatch batch = SyntheticClassificationData.CreateBatch(8);
        var random = new SeededRandom(11);
        for (int row = 0; row < 8; row++)
        {
            SyntheticClassificationData.FillRow(ref random, batch, row);
        }

        batch.ClassLabels[5] = -100; // an ignored row must contribute nothing
        const ulong seed = 77;
        model.Gradients.AsSpan().Clear();
        step.Run(batch, StepMode.Train, seed, gradientScale: 0.5f);
        float[] analytic = model.Gradients.AsSpan().ToArray();

        int checkedCount = 0;
        foreach (ParameterInfo p in model.ParameterTable)
        {
            for (long i = 0; i < p.Length; i += 7)
            {
                long index = p.Offset + i;
                float original = model.Parameters.AsSpan()[(int)index];
                double h = 1e-2;
                double Loss(double value)
                {
                    model.Parameters.AsSpan()[(int)index] = (float)value;
                    model.PrepareWeights();
                    return step.Run(batch, StepMode.Train, seed).Total;
                }

                double numeric = 0.5 * (Loss(original + h) - Loss(original - h)) / (2 * h);
                model.Parameters.AsSpan()[(int)index] = original;

                // The loss is returned in float (≈6e-8 relative of ~1.5), so the difference quotient carries
                // ~1e-5 of noise; curvature adds O(h²) ≈ 1e-4·|f'''|. 5e-4 absolute separates right from any
                // wrong term (a missing 1/N or dropout scale is a factor ≥ 1.33 on gradients ~1e-2).
                Assert.True(Math.Abs(numeric - analytic[index]) <= 5e-4, $"{p.Name}[{i}]: analytic {analytic[index]:R}, numeric {numeric:R}");
                checkedCount += analytic[index] != 0 ? 1 : 0;
            }
        }

        model.PrepareWeights();
        Assert.True(checkedCount > 20, $"only {checkedCount} non-zero gradients were checked");
    }

    [Fact]
    public void DropoutSeedChangesTheLossOnlyInTraining()
    {
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.25, initSeed: 3);
        using ITrainingStep step = model.CreateTrainingStep(8, SyntheticClassificationData.Sequence);
        TrainingBatch batch = SyntheticClassificationData.CreateBatch(8);
        var random = new SeededRandom(11);
        for (int row = 0; row < 8; row++)
        {
            SyntheticClassificationData.FillRow(ref random, batch, row);
        }

        Assert.NotEqual(step.Run(batch, StepMode.Train, 1).Total, step.Run(batch, StepMode.Train, 2).Total);
        Assert.Equal(step.Run(batch, StepMode.Train, 1).Total, step.Run(batch, StepMode.Train, 1).Total);
        Assert.Equal(step.Run(batch, StepMode.Evaluate, 1).Total, step.Run(batch, StepMode.Evaluate, 2).Total);
    }
}
