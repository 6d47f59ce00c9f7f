using System;
using System.Collections.Generic;
using TorchSharp;
using Xunit;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// TorchBert's forward values against <see cref="ScalarBertReference"/>, which shares no code with it. Each
/// variant below would break the match: a mask added with the wrong sign (padded keys dominate), a linear weight
/// read as [in, out] (H = 12 ≠ I = 24 even changes the shapes), tanh GELU in place of erf, a missing residual.
/// </summary>
public sealed class ForwardAgainstScalarReferenceTests
{
    // Both sides compute in double; the oracle's outputs are rounded to float on the way out (relative 6e-8 on
    // values of order 1 after LayerNorm) so 1e-6 absolute is the bound. The erf/tanh GELUs differ by up to 5e-4
    // at the activations seen here, and after two layers the outputs differ by far more than that (asserted below).
    private const double Tolerance = 1e-6;

    [Theory]
    [InlineData(BertActivation.GeluErf)]
    [InlineData(BertActivation.GeluTanh)]
    [InlineData(BertActivation.Relu)]
    public void SequenceAndPooledOutputsMatchScalarLoops(BertActivation activation)
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining, activation);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 3);
        using var model = new TorchBert(config, parameters, torch.ScalarType.Float64);
        BertInputs inputs = TinyBert.Pretraining();
        TorchBertResult result = model.Run(inputs);

        var reference = new ScalarBertReference(config, parameters);
        double[][][] sequence = reference.Sequence(inputs);
        int h = config.HiddenSize;
        for (int b = 0; b < TinyBert.Batch; b++)
        {
            for (int t = 0; t < TinyBert.Sequence; t++)
            {
                for (int i = 0; i < h; i++)
                {
                    Assert.Equal(sequence[b][t][i], result.SequenceOutput[(b * TinyBert.Sequence + t) * h + i], Tolerance);
                }
            }

            double[] pooled = reference.Pooled(sequence[b]);
            for (int i = 0; i < h; i++)
            {
                Assert.Equal(pooled[i], result.PooledOutput[b * h + i], Tolerance);
            }
        }

        (double maskedLm, double nextSentence) = reference.PretrainingLosses(inputs);
        Assert.Equal(maskedLm, result.MaskedLmLoss!.Value, 1e-12);
        Assert.Equal(nextSentence, result.NextSentenceLoss!.Value, 1e-12);
        Assert.Equal(maskedLm + nextSentence, result.Loss, 1e-12);
    }

    [Fact]
    public void ErfAndTanhGeluGiveDistinguishableOutputs()
    {
        // Guards the test above: if the two activations agreed within its tolerance it could not tell them apart.
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(TinyBert.Config(BertHead.Pretraining), seed: 3);
        using var erf = new TorchBert(TinyBert.Config(BertHead.Pretraining, BertActivation.GeluErf), parameters);
        using var tanh = new TorchBert(TinyBert.Config(BertHead.Pretraining, BertActivation.GeluTanh), parameters);
        float[] a = erf.Run(TinyBert.Pretraining()).SequenceOutput;
        float[] b = tanh.Run(TinyBert.Pretraining()).SequenceOutput;
        double largest = 0;
        for (int i = 0; i < a.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(a[i] - b[i]));
        }

        Assert.True(largest > 100 * Tolerance, $"erf and tanh GELU outputs differ by only {largest}");
    }

    [Fact]
    public void PaddedTokensDoNotChangeRealTokensOutputs()
    {
        // Changing the ids under padding must leave every real position's output unchanged: with the mask sign
        // flipped (or no mask) the padded keys would take part in attention and move them.
        TorchBertConfig config = TinyBert.Config(BertHead.None);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 8));
        BertInputs first = new() { BatchSize = 2, SequenceLength = 5, InputIds = TinyBert.InputIds, AttentionMask = TinyBert.AttentionMask, TokenTypeIds = TinyBert.TokenTypeIds };
        int[] otherIds = (int[])TinyBert.InputIds.Clone();
        otherIds[8] = 17;
        otherIds[9] = 29;
        float[] a = model.Run(first).SequenceOutput;
        float[] b = model.Run(first with { InputIds = otherIds }).SequenceOutput;
        int h = config.HiddenSize;
        for (int i = 0; i < 8 * h; i++)
        {
            Assert.Equal(a[i], b[i]);
        }

        Assert.NotEqual(a[8 * h], b[8 * h]);
    }

    [Theory]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-2.0, -0.9953222650189527)]
    [InlineData(3.5, 0.9999992569016276)]
    public void ScalarReferenceErfMatchesTabulatedValues(double x, double expected)
    {
        // Values from Abramowitz & Stegun table 7.1 / any 16-digit erf table; the series and continued fraction
        // are good to about 1e-14 on these arguments.
        Assert.Equal(expected, ScalarBertReference.Erf(x), 1e-13);
    }
}
