using System;
using System.Collections.Generic;
using TorchSharp;
using Xunit;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// Losses whose value follows from logic alone. With the MLM transform's LayerNorm zeroed, every MLM logit is
/// 0·Eᵀ + 0 = 0 (the decoder is tied, so it is the transform that is zeroed, not the decoder) and with the NSP
/// weight and bias zeroed both NSP logits are 0: the predictions are uniform and the losses are ln(vocab), ln 2.
/// </summary>
public sealed class ExactLossTests
{
    // Double precision: log_softmax of equal logits is exact to a few ulp of ln(50) ≈ 3.9.
    private const double Tolerance = 1e-12;

    [Fact]
    public void UniformPredictionsGiveLnVocabPlusLn2WithPlainWeightedMean()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, UniformHeads(config), torch.ScalarType.Float64, MaskedLmNormalisation.WeightedMean);
        TorchBertResult result = model.Run(TinyBert.Pretraining());
        Assert.Equal(Math.Log(config.VocabSize), result.MaskedLmLoss!.Value, Tolerance);
        Assert.Equal(Math.Log(2), result.NextSentenceLoss!.Value, Tolerance);
        Assert.Equal(Math.Log(config.VocabSize) + Math.Log(2), result.Loss, Tolerance);
    }

    [Fact]
    public void OriginalBertNormalisationDividesByWeightSumPlus1EMinus5()
    {
        // Three real predictions (weights 1, 1, 1, 0): loss = 3·ln V / (3 + 1e-5).
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, UniformHeads(config), torch.ScalarType.Float64, MaskedLmNormalisation.OriginalBert);
        TorchBertResult result = model.Run(TinyBert.Pretraining());
        Assert.Equal(3 * Math.Log(config.VocabSize) / (3 + 1e-5), result.MaskedLmLoss!.Value, Tolerance);
    }

    [Fact]
    public void DecoderBiasGradientAtUniformPredictionsIsExact()
    {
        // dL/db_v = Σ_k w_k·(1/V − [label_k = v]) / Σ w for softmax CE at uniform logits. Labels 33, 41, 9 carry
        // weight 1; label 0 sits in a padding slot (weight 0) and so must get only the 1/V share from the others.
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, UniformHeads(config), torch.ScalarType.Float64, MaskedLmNormalisation.WeightedMean);
        model.Run(TinyBert.Pretraining());
        double[] gradient = model.GetGradient("cls.predictions.bias");
        int vocab = config.VocabSize;
        for (int v = 0; v < vocab; v++)
        {
            double expected = (3.0 / vocab - (v is 33 or 41 or 9 ? 1.0 : 0.0)) / 3.0;
            Assert.Equal(expected, gradient[v], Tolerance);
        }

        // NSP bias: mean over the batch of (1/2 − [label = c]); labels are 0 and 1, so both entries are 0.
        double[] nspBias = model.GetGradient("cls.seq_relationship.bias");
        Assert.Equal(0.0, nspBias[0], Tolerance);
        Assert.Equal(0.0, nspBias[1], Tolerance);
    }

    [Fact]
    public void ZeroClassifierGivesLnNumLabelsForSequenceAndTokenClassification()
    {
        foreach (BertHead head in new[] { BertHead.SequenceClassification, BertHead.TokenClassification })
        {
            TorchBertConfig config = TinyBert.Config(head, numLabels: 3);
            Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 4);
            Zero(parameters, "classifier.weight", "classifier.bias");
            using var model = new TorchBert(config, parameters);
            Assert.Equal(Math.Log(3), model.Run(TinyBert.ForHead(config)).Loss, Tolerance);
        }
    }

    [Fact]
    public void ZeroQaOutputsGiveLnSequenceLength()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.QuestionAnswering);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 4);
        Zero(parameters, "qa_outputs.weight", "qa_outputs.bias");
        using var model = new TorchBert(config, parameters);
        Assert.Equal(Math.Log(TinyBert.Sequence), model.Run(TinyBert.ForHead(config)).Loss, Tolerance);
    }

    [Fact]
    public void ZeroLogitsGiveLn2PerLabelForMultiLabelAndMeanSquareForRegression()
    {
        TorchBertConfig multi = TinyBert.Config(BertHead.SequenceClassification, problem: ClassificationProblem.MultiLabel);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(multi, seed: 4);
        Zero(parameters, "classifier.weight", "classifier.bias");
        using (var model = new TorchBert(multi, parameters))
        {
            // BCE(0, y) = ln 2 whatever y is.
            Assert.Equal(Math.Log(2), model.Run(TinyBert.ForHead(multi)).Loss, Tolerance);
        }

        TorchBertConfig regression = TinyBert.Config(BertHead.SequenceClassification, problem: ClassificationProblem.Regression);
        using (var model = new TorchBert(regression, parameters))
        {
            BertInputs inputs = TinyBert.ForHead(regression);
            double meanSquare = 0;
            foreach (float y in inputs.TargetValues!)
            {
                meanSquare += (double)y * y / inputs.TargetValues.Length;
            }

            Assert.Equal(meanSquare, model.Run(inputs).Loss, Tolerance);
        }
    }

    private static Dictionary<string, ParameterTensor> UniformHeads(TorchBertConfig config)
    {
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 21);
        Zero(parameters, "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
            "cls.predictions.bias", "cls.seq_relationship.weight", "cls.seq_relationship.bias");
        return parameters;
    }

    private static void Zero(Dictionary<string, ParameterTensor> parameters, params string[] names)
    {
        foreach (string name in names)
        {
            Array.Clear(parameters[name].Values);
        }
    }
}
