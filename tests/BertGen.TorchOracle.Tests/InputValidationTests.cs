using System;
using System.Collections.Generic;
using TorchSharp;
using Xunit;

namespace BertGen.TorchOracle.Tests;

/// <summary>Bad parameters and batches are refused with a one-line <see cref="TorchOracleException"/> naming the problem.</summary>
public sealed class InputValidationTests
{
    [Fact]
    public void MissingParameterIsNamed()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 1);
        parameters.Remove("bert.encoder.layer.1.output.dense.bias");
        var e = Assert.Throws<TorchOracleException>(() => new TorchBert(config, parameters));
        Assert.Contains("bert.encoder.layer.1.output.dense.bias", e.Message);
    }

    [Fact]
    public void TransposedLinearWeightIsRefused()
    {
        // intermediate.dense.weight is [I, H] = [24, 12]; a checkpoint stored [in, out] must not load silently.
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 1);
        string name = "bert.encoder.layer.0.intermediate.dense.weight";
        parameters[name] = new ParameterTensor(new[] { 12, 24 }, parameters[name].Values);
        var e = Assert.Throws<TorchOracleException>(() => new TorchBert(config, parameters));
        Assert.Contains("[12, 24]", e.Message);
    }

    [Fact]
    public void UnknownParameterIsRefused()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.SequenceClassification);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 1);
        parameters.Add("qa_outputs.weight", new ParameterTensor(new[] { 2, 12 }, new float[24]));
        var e = Assert.Throws<TorchOracleException>(() => new TorchBert(config, parameters));
        Assert.Contains("qa_outputs.weight", e.Message);
    }

    [Fact]
    public void OldGammaBetaNamesAndPositionIdsAreAccepted()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.None);
        Dictionary<string, ParameterTensor> modern = TinyBert.RandomParameters(config, seed: 1);
        var old = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal)
        {
            ["embeddings.position_ids"] = new ParameterTensor(new[] { 1, 8 }, new float[8]),
        };
        foreach ((string name, ParameterTensor tensor) in modern)
        {
            old.Add(name.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"), tensor);
        }

        using var a = new TorchBert(config, modern);
        using var b = new TorchBert(config, old);
        BertInputs inputs = TinyBert.ForHead(config);
        Assert.Equal(a.Run(inputs).SequenceOutput, b.Run(inputs).SequenceOutput);
    }

    [Fact]
    public void OutOfVocabularyTokenIsRefused()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 1));
        int[] ids = (int[])TinyBert.InputIds.Clone();
        ids[3] = 50;
        var e = Assert.Throws<TorchOracleException>(() => model.Run(TinyBert.Pretraining() with { InputIds = ids }));
        Assert.Contains("InputIds contains 50", e.Message);
    }

    [Fact]
    public void LabelsOfAnotherHeadAreRefused()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.TokenClassification);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 1));
        BertInputs inputs = TinyBert.ForHead(config) with { ClassLabels = new[] { 0, 1 } };
        var e = Assert.Throws<TorchOracleException>(() => model.Run(inputs));
        Assert.Contains("ClassLabels given", e.Message);
    }

    [Fact]
    public void MaskedPositionOutsideTheSequenceIsRefused()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        using var model = new TorchBert(config, TinyBert.RandomParameters(config, seed: 1));
        var e = Assert.Throws<TorchOracleException>(() => model.Run(TinyBert.Pretraining() with { MaskedLmPositions = new[] { 2, 5, 1, 0 } }));
        Assert.Contains("MaskedLmPositions contains 5", e.Message);
    }

    [Fact]
    public void UntiedDecoderCopyIsRefused()
    {
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 1);
        float[] copy = (float[])parameters["bert.embeddings.word_embeddings.weight"].Values.Clone();
        parameters.Add("cls.predictions.decoder.weight", new ParameterTensor(new[] { 50, 12 }, copy));
        using (new TorchBert(config, parameters))
        {
            // An equal copy is fine.
        }

        copy[5] += 1f;
        var e = Assert.Throws<TorchOracleException>(() => new TorchBert(config, parameters));
        Assert.Contains("cls.predictions.decoder.weight", e.Message);
    }

    [Fact]
    public void Float32ModelAgreesWithFloat64ToSinglePrecision()
    {
        // The fp32 oracle is what BertGen's fp32 kernels will be held to; it must be the same model.
        // Tolerance: a few float ulps accumulated over two layers on O(1) values.
        TorchBertConfig config = TinyBert.Config(BertHead.Pretraining);
        Dictionary<string, ParameterTensor> parameters = TinyBert.RandomParameters(config, seed: 2);
        using var single = new TorchBert(config, parameters, torch.ScalarType.Float32);
        using var both = new TorchBert(config, parameters, torch.ScalarType.Float64);
        TorchBertResult a = single.Run(TinyBert.Pretraining());
        TorchBertResult b = both.Run(TinyBert.Pretraining());
        Assert.Equal(b.Loss, a.Loss, 1e-5);
        foreach (string name in single.ParameterNames)
        {
            for (int i = 0; i < a.Gradients[name].Length; i++)
            {
                Assert.Equal(b.Gradients[name][i], a.Gradients[name][i], 1e-4);
            }
        }
    }
}
