using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Microsoft.ML.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Runtime.Tests;

/// <summary>
/// The second real model, snowflake-arctic-embed-xs: same shape as MiniLM but different weights and no
/// pooler in its export, so the importer and the reference are not just tuned to one file.
/// </summary>
public sealed class ArcticEmbedXsTests
{
    // Same reasoning as for MiniLM: float32 ONNX Runtime vs double reference, values O(1–10).
    private const double Tolerance = 1e-4;

    private readonly ITestOutputHelper _output;

    public ArcticEmbedXsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ImportedWeightsReproduceOnnxRuntime()
    {
        PretrainedModel model = PretrainedModel.ArcticEmbedXs;
        using PretrainedPackage package = PretrainedPackage.Open(model);
        byte[] onnx = package.ReadModelOnnx();
        IReadOnlyList<WeightTensor> weights = OnnxBertImporter.Import(OnnxReader.Read(onnx));

        // No pooler: 5 embedding tensors + 16 per layer.
        Assert.Equal(5 + (16 * model.Layers), weights.Count);
        Assert.DoesNotContain(weights, t => t.Name.StartsWith("pooler.", StringComparison.Ordinal));

        var reference = new ReferenceBert(ReferenceBertConfig.MiniLmL6V2, ReferenceBert.ToDictionary(weights));
        Assert.False(reference.HasPooler);
        using var vocabulary = new MemoryStream(package.ReadResource(model.VocabularyResourceName));
        BertTokenizer tokenizer = BertTokenizer.Create(vocabulary, MiniLmFixture.UncasedOptions());
        string[] sentences =
        [
            "Represent this sentence for searching relevant passages: what is snowflake?",
            "The Data Cloud!",
            "Mexico City of Course!",
        ];
        var batch = new TokenBatch(sentences.Select(s =>
        {
            IReadOnlyList<int> ids = tokenizer.EncodeToIds(s);
            return (ids, (IReadOnlyList<int>)new int[ids.Count]);
        }).ToList());

        ReferenceBertOutput expected = reference.Forward(batch.Batch, batch.Sequence, batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        using var peer = new OnnxRuntimeBert(onnx, model.PoolerOutputName);
        OnnxRuntimeBertOutput actual = peer.Run(batch.Batch, batch.Sequence, batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);

        double worst = 0;
        for (int i = 0; i < expected.LastHiddenState.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected.LastHiddenState[i] - actual.LastHiddenState[i]));
        }

        _output.WriteLine($"batch {batch.Batch} × {batch.Sequence}: max |Δ| last_hidden_state {worst:E2}");
        Assert.True(worst <= Tolerance, $"last_hidden_state differs by {worst}");
    }
}
