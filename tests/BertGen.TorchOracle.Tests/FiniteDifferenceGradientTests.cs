using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// The autograd gradients of every parameter against central finite differences of the double-precision loss,
/// for every head. A sample of entries per tensor keeps the run short; for the word embeddings the sample
/// includes a row used only as an MLM label, whose gradient comes only through the tied decoder.
/// </summary>
public sealed class FiniteDifferenceGradientTests
{
    // Central differences have truncation error h²/6·f''' and rounding error ≈ ε·|L|/h. With h = 1e-5, |L| ≈ 5 and
    // O(1) third derivatives both are below 1e-9; 1e-7 absolute + 1e-5 relative leaves a wide margin for that
    // while a real bug (a missing term, a wrong transpose) is off by the size of the gradient itself.
    private const double Step = 1e-5;
    private const double AbsoluteTolerance = 1e-7;
    private const double RelativeTolerance = 1e-5;
    private const int SamplesPerTensor = 3;

    public static IEnumerable<object[]> Heads() => new[]
    {
        new object[] { BertHead.Pretraining, BertActivation.GeluErf, ClassificationProblem.SingleLabel },
        new object[] { BertHead.Pretraining, BertActivation.GeluTanh, ClassificationProblem.SingleLabel },
        new object[] { BertHead.SequenceClassification, BertActivation.GeluErf, ClassificationProblem.SingleLabel },
        new object[] { BertHead.SequenceClassification, BertActivation.GeluErf, ClassificationProblem.MultiLabel },
        new object[] { BertHead.SequenceClassification, BertActivation.GeluTanh, ClassificationProblem.Regression },
        new object[] { BertHead.TokenClassification, BertActivation.GeluErf, ClassificationProblem.SingleLabel },
        new object[] { BertHead.QuestionAnswering, BertActivation.GeluErf, ClassificationProblem.SingleLabel },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void EveryParameterGradientMatchesFiniteDifferences(BertHead head, BertActivation activation, ClassificationProblem problem)
    {
        TorchBertConfig config = TinyBert.Config(head, activation, problem);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 11), torch.ScalarType.Float64);
        BertInputs inputs = TinyBert.ForHead(config);
        model.Run(inputs);
        var gradients = model.ParameterNames.ToDictionary(n => n, model.GetGradient);

        var random = new Random(5);
        var failures = new List<string>();
        int checkedEntries = 0;
        foreach (string name in model.ParameterNames)
        {
            foreach (long index in SampleIndices(name, gradients[name].Length, config, random))
            {
                double original = model.GetParameter(name, index);
                model.SetParameter(name, index, original + Step);
                double plus = model.Run(inputs).Loss;
                model.SetParameter(name, index, original - Step);
                double minus = model.Run(inputs).Loss;
                model.SetParameter(name, index, original);

                double numeric = (plus - minus) / (2 * Step);
                double analytic = gradients[name][index];
                if (Math.Abs(numeric - analytic) > AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric))
                {
                    failures.Add($"{name}[{index}]: autograd {analytic:R}, finite difference {numeric:R}");
                }

                checkedEntries++;
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedEntries >= model.ParameterNames.Count, $"only {checkedEntries} entries checked");
    }

    [Fact]
    public void DecoderOnlyEmbeddingRowHasTheTiedDecoderGradient()
    {
        // Row 33 is an MLM label but never an input token: its whole gradient is the decoder's. A model whose
        // decoder were an untied copy would report zero here.
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 11), torch.ScalarType.Float64);
        model.Run(TinyBert.Pretraining());
        double[] gradient = model.GetGradient("bert.embeddings.word_embeddings.weight");
        double rowNorm = Math.Sqrt(Enumerable.Range(33 * config.HiddenSize, config.HiddenSize).Sum(i => gradient[i] * gradient[i]));
        Assert.True(rowNorm > 1e-3, $"row 33 gradient norm {rowNorm}");
    }

    private static IEnumerable<long> SampleIndices(string name, int length, TorchBertConfig config, Random random)
    {
        int h = config.HiddenSize;
        if (name.EndsWith("word_embeddings.weight", StringComparison.Ordinal))
        {
            // An input token's row, the decoder-only label row 33, and a row used nowhere (softmax term only).
            return new long[] { 7 * h + random.Next(h), 33 * h + random.Next(h), 45 * h + random.Next(h) };
        }

        if (name.EndsWith("position_embeddings.weight", StringComparison.Ordinal))
        {
            // Positions 0..S−1 are used; rows beyond have zero gradient and are not worth the time.
            return Enumerable.Range(0, SamplesPerTensor).Select(_ => (long)random.Next(TinyBert.Sequence * h)).ToArray();
        }

        return Enumerable.Range(0, Math.Min(SamplesPerTensor, length)).Select(_ => (long)random.Next(length)).Distinct().ToArray();
    }
}
