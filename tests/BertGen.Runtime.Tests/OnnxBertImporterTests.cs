using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>The ONNX reader and HuggingFace-name importer, on the real MiniLM export and on hand-built graphs.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class OnnxBertImporterTests
{
    private readonly MiniLmFixture _fixture;

    public OnnxBertImporterTests(MiniLmFixture fixture) => _fixture = fixture;

    [Fact]
    public void RealMiniLmExportReadsItsGraph()
    {
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], _fixture.Model.InputNames);
        Assert.Equal(["last_hidden_state", "924"], _fixture.Model.OutputNames);

        // 6 layers × (Q, K, V, attention output, intermediate, output) linear layers, all MatMul.
        Assert.Equal(36, _fixture.Model.Nodes.Count(n => n.OpType == "MatMul" && _fixture.Model.Initializers.Any(i => i.Name == n.Inputs[1])));
        Assert.Equal(6, _fixture.Model.Nodes.Count(n => n.OpType == "Softmax"));
    }

    [Fact]
    public void RealMiniLmImportsEveryHuggingFaceTensorWithItsShape()
    {
        const int layers = 6;
        const int hidden = 384;
        const int intermediate = 1536;
        var expected = new Dictionary<string, int[]>
        {
            ["embeddings.word_embeddings.weight"] = [30522, hidden],
            ["embeddings.position_embeddings.weight"] = [512, hidden],
            ["embeddings.token_type_embeddings.weight"] = [2, hidden],
            ["embeddings.LayerNorm.weight"] = [hidden],
            ["embeddings.LayerNorm.bias"] = [hidden],
            ["pooler.dense.weight"] = [hidden, hidden],
            ["pooler.dense.bias"] = [hidden],
        };
        for (int l = 0; l < layers; l++)
        {
            string p = $"encoder.layer.{l}.";
            foreach (string name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                expected[p + name + ".weight"] = [hidden, hidden];
                expected[p + name + ".bias"] = [hidden];
            }

            expected[p + "intermediate.dense.weight"] = [intermediate, hidden];
            expected[p + "intermediate.dense.bias"] = [intermediate];
            expected[p + "output.dense.weight"] = [hidden, intermediate];
            expected[p + "output.dense.bias"] = [hidden];
            foreach (string name in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                expected[p + name + ".weight"] = [hidden];
                expected[p + name + ".bias"] = [hidden];
            }
        }

        Dictionary<string, WeightTensor> floats = _fixture.Weights
            .Where(t => t.DataType == WeightDataType.Float32)
            .ToDictionary(t => t.Name);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), floats.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach ((string name, int[] shape) in expected)
        {
            Assert.Equal(shape, floats[name].Shape);
        }

        // all-MiniLM-L6-v2's published size: 22.7M parameters (22,713,216 exactly, pooler included).
        Assert.Equal(22_713_216L, floats.Values.Sum(t => t.ElementCount));

        // The one non-float initializer is the position_ids buffer, kept so loaders can see and skip it.
        WeightTensor positions = Assert.Single(_fixture.Weights, t => t.DataType != WeightDataType.Float32);
        Assert.Equal("embeddings.position_ids", positions.Name);
    }

    [Fact]
    public void AnonymousMatMulWeightIsNamedAfterItsBiasAndTransposed()
    {
        // y = x·Wᵀ + b with Wᵀ = [[1, 2, 3], [4, 5, 6]] stored [in = 2, out = 3]; Add takes the bias first.
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("bert.encoder.layer.0.attention.self.query.bias", [3], [0.5f, 0.25f, 0.125f])
            .RawFloat("onnx::MatMul_17", [2, 3], [1, 2, 3, 4, 5, 6])
            .Node("MatMul", ["x", "onnx::MatMul_17"], ["mm"])
            .Node("Add", ["bert.encoder.layer.0.attention.self.query.bias", "mm"], ["y"])
            .Build();

        IReadOnlyList<WeightTensor> weights = OnnxBertImporter.Import(OnnxReader.Read(model));

        WeightTensor weight = Assert.Single(weights, t => t.Name == "bert.encoder.layer.0.attention.self.query.weight");
        Assert.Equal([3, 2], weight.Shape);
        Assert.Equal([1f, 4, 2, 5, 3, 6], weight.ToArray());
        Assert.Equal([0.5f, 0.25f, 0.125f], weights.Single(t => t.Name.EndsWith(".bias", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void GemmWeightsFollowTransB()
    {
        // Named weight with transB = 0 is [in, out] and must be transposed; an anonymous one with transB = 1
        // is already [out, in] and only needs its name. Values in float_data exercise the typed-field path.
        byte[] model = new OnnxTestModelBuilder()
            .TypedFloat("pooler.dense.weight", [2, 3], [1, 2, 3, 4, 5, 6])
            .TypedFloat("pooler.dense.bias", [3], [0, 0, 0])
            .RawFloat("classifier.bias", [2], [1, -1])
            .RawFloat("17", [2, 3], [7, 8, 9, 10, 11, 12])
            .Node("Gemm", ["x", "pooler.dense.weight", "pooler.dense.bias"], ["p"], ("transB", 0))
            .Node("Gemm", ["p", "17", "classifier.bias"], ["y"], ("transB", 1))
            .Build();

        Dictionary<string, WeightTensor> weights = OnnxBertImporter.Import(OnnxReader.Read(model)).ToDictionary(t => t.Name);

        Assert.Equal([3, 2], weights["pooler.dense.weight"].Shape);
        Assert.Equal([1f, 4, 2, 5, 3, 6], weights["pooler.dense.weight"].ToArray());
        Assert.Equal([2, 3], weights["classifier.weight"].Shape);
        Assert.Equal([7f, 8, 9, 10, 11, 12], weights["classifier.weight"].ToArray());
    }

    [Fact]
    public void MlmDecoderWeightIsNamedAfterThePredictionsBias()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("cls.predictions.bias", [4], [0, 0, 0, 0])
            .RawFloat("onnx::MatMul_99", [2, 4], [1, 2, 3, 4, 5, 6, 7, 8])
            .Node("MatMul", ["t", "onnx::MatMul_99"], ["mm"])
            .Node("Add", ["mm", "cls.predictions.bias"], ["y"])
            .Build();

        IReadOnlyList<WeightTensor> weights = OnnxBertImporter.Import(OnnxReader.Read(model));

        Assert.Contains(weights, t => t.Name == "cls.predictions.decoder.weight" && t.Shape.SequenceEqual([4, 2]));
    }

    [Fact]
    public void ScalarAndIntegerConstantsAreNotParameters()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("onnx::Div_5", [], [5.656854f])
            .Int64("onnx::Reshape_6", [3], [0, -1, 384])
            .RawFloat("embeddings.LayerNorm.weight", [2], [1, 1])
            .Build();

        IReadOnlyList<WeightTensor> weights = OnnxBertImporter.Import(OnnxReader.Read(model));

        Assert.Equal(["embeddings.LayerNorm.weight"], weights.Select(t => t.Name));
    }

    [Fact]
    public void AnonymousWeightWithoutANamedBiasIsReportedByName()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("onnx::MatMul_42", [2, 2], [1, 2, 3, 4])
            .RawFloat("onnx::Add_43", [2], [1, 2])
            .Node("MatMul", ["x", "onnx::MatMul_42"], ["mm"])
            .Node("Add", ["mm", "onnx::Add_43"], ["y"])
            .Build();

        var error = Assert.Throws<WeightFileException>(() => OnnxBertImporter.Import(OnnxReader.Read(model)));
        Assert.Contains("'onnx::MatMul_42'", error.Message);
    }

    [Fact]
    public void AnonymousWeightUsedByAnotherOperatorIsReportedByName()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("onnx::Mul_7", [2, 2], [1, 2, 3, 4])
            .Node("Mul", ["x", "onnx::Mul_7"], ["y"])
            .Build();

        var error = Assert.Throws<WeightFileException>(() => OnnxBertImporter.Import(OnnxReader.Read(model)));
        Assert.Contains("'onnx::Mul_7'", error.Message);
        Assert.Contains("Mul", error.Message);
    }

    [Fact]
    public void TwoInitializersMappingToOneNameAreAmbiguous()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("dense.bias", [2], [0, 0])
            .RawFloat("dense.weight", [2, 2], [1, 0, 0, 1])
            .RawFloat("onnx::MatMul_3", [2, 2], [1, 2, 3, 4])
            .Node("MatMul", ["x", "onnx::MatMul_3"], ["mm"])
            .Node("Add", ["mm", "dense.bias"], ["y"])
            .Build();

        var error = Assert.Throws<WeightFileException>(() => OnnxBertImporter.Import(OnnxReader.Read(model)));
        Assert.Contains("'dense.weight'", error.Message);
        Assert.Contains("'onnx::MatMul_3'", error.Message);
    }

    [Fact]
    public void MismatchedBiasLengthIsReported()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("dense.bias", [3], [0, 0, 0])
            .RawFloat("onnx::MatMul_3", [2, 2], [1, 2, 3, 4])
            .Node("MatMul", ["x", "onnx::MatMul_3"], ["mm"])
            .Node("Add", ["mm", "dense.bias"], ["y"])
            .Build();

        var error = Assert.Throws<WeightFileException>(() => OnnxBertImporter.Import(OnnxReader.Read(model)));
        Assert.Contains("'onnx::MatMul_3'", error.Message);
        Assert.Contains("'dense.bias'", error.Message);
    }

    [Fact]
    public void ExternalDataIsRejectedByName()
    {
        byte[] model = new OnnxTestModelBuilder().External("embeddings.word_embeddings.weight", [4, 2]).Build();

        var error = Assert.Throws<WeightFileException>(() => OnnxReader.Read(model));
        Assert.Contains("'embeddings.word_embeddings.weight'", error.Message);
    }

    [Fact]
    public void TruncatedModelIsRejected()
    {
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("embeddings.LayerNorm.weight", [4], [1, 1, 1, 1])
            .Build();

        for (int cut = 1; cut < model.Length; cut++)
        {
            byte[] truncated = model.AsSpan(0, cut).ToArray();
            Assert.Throws<WeightFileException>(() => OnnxReader.Read(truncated));
        }
    }

    [Fact]
    public void TruncatedRealModelIsRejected()
    {
        ReadOnlyMemory<byte> truncated = _fixture.OnnxBytes.AsMemory(0, _fixture.OnnxBytes.Length / 2);

        Assert.Throws<WeightFileException>(() => OnnxReader.Read(truncated));
    }
}
