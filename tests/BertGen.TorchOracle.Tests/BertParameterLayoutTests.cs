using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace BertGen.TorchOracle.Tests;

public sealed class BertParameterLayoutTests
{
    [Fact]
    public void BertBasePretrainingHasThePublishedParameterCount()
    {
        // REFERENCE.md §1: BERT-base with the pretraining heads has 110,106,428 parameters (the decoder weight is
        // the tied word embedding and is not counted twice).
        var config = new TorchBertConfig { VocabSize = 30522, HiddenSize = 768, NumLayers = 12, NumHeads = 12, IntermediateSize = 3072, Head = BertHead.Pretraining };
        long total = BertParameterLayout.For(config).Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d));
        Assert.Equal(110_106_428L, total);
    }

    [Fact]
    public void MiniLmEncoderHasItsPublishedSizeAndNames()
    {
        // all-MiniLM-L6-v2 (REFERENCE.md §5): bare BertModel, 22.7M parameters, names without the bert. prefix.
        var config = new TorchBertConfig { VocabSize = 30522, HiddenSize = 384, NumLayers = 6, NumHeads = 12, IntermediateSize = 1536, Head = BertHead.None };
        IReadOnlyList<(string Name, int[] Shape)> layout = BertParameterLayout.For(config);
        long total = layout.Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d));
        Assert.InRange(total, 22_650_000L, 22_750_000L);
        Assert.Contains(layout, p => p.Name == "encoder.layer.0.attention.self.query.bias");
        Assert.Equal(new[] { 1536, 384 }, layout.Single(p => p.Name == "encoder.layer.5.intermediate.dense.weight").Shape);
    }

    [Fact]
    public void HuggingFaceInitialisationHasUnitLayerNormZeroBiasesAndSmallWeights()
    {
        var config = new TorchBertConfig { VocabSize = 200, HiddenSize = 32, NumLayers = 1, NumHeads = 2, IntermediateSize = 64, Head = BertHead.Pretraining };
        Dictionary<string, ParameterTensor> parameters = BertParameterLayout.Initialise(config, seed: 9);
        Assert.All(parameters["bert.embeddings.LayerNorm.weight"].Values, v => Assert.Equal(1f, v));
        Assert.All(parameters["cls.predictions.bias"].Values, v => Assert.Equal(0f, v));
        Assert.All(parameters["bert.encoder.layer.0.output.LayerNorm.bias"].Values, v => Assert.Equal(0f, v));

        // 6,400 draws of N(0, 0.02): the sample standard deviation has a relative standard error of 1/√(2n) ≈ 0.9%,
        // so 5% is over five standard errors; the mean's standard error is 0.02/80 = 2.5e-4.
        float[] embedding = parameters["bert.embeddings.word_embeddings.weight"].Values;
        double mean = embedding.Average(v => (double)v);
        double std = Math.Sqrt(embedding.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -1.5e-3, 1.5e-3);
        Assert.InRange(std, 0.019, 0.021);
    }
}
