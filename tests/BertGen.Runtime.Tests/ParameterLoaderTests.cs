using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>Loading weight files into a parameter buffer laid out by a generated model's table, and saving it.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class ParameterLoaderTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly MiniLmFixture _fixture;

    public ParameterLoaderTests(MiniLmFixture fixture) => _fixture = fixture;

    public void Dispose() => _directory.Dispose();

    /// <summary>A small table in a generated model's style: bert.-prefixed HF names, offsets padded to 16 floats.</summary>
    private static List<ParameterInfo> SmallTable() => Table(
        ("bert.embeddings.word_embeddings.weight", [5, 3], ParameterKind.Embedding),
        ("bert.embeddings.LayerNorm.weight", [3], ParameterKind.LayerNormWeight),
        ("bert.embeddings.LayerNorm.bias", [3], ParameterKind.LayerNormBias),
        ("bert.pooler.dense.weight", [3, 3], ParameterKind.Weight),
        ("bert.pooler.dense.bias", [3], ParameterKind.Bias),
        ("cls.predictions.bias", [5], ParameterKind.Bias));

    private static List<ParameterInfo> Table(params (string Name, int[] Shape, ParameterKind Kind)[] entries)
    {
        var table = new List<ParameterInfo>();
        long offset = 0;
        foreach ((string name, int[] shape, ParameterKind kind) in entries)
        {
            var info = new ParameterInfo(name, offset, shape, kind);
            table.Add(info);
            offset += (info.Length + 15) / 16 * 16;
        }

        return table;
    }

    /// <summary>The table a generated MiniLM BertModel would have: every float tensor of the export, 16-float aligned.</summary>
    private List<ParameterInfo> MiniLmTable() => Table(_fixture.Weights
        .Where(t => t.DataType == WeightDataType.Float32)
        .Select(t => (t.Name, t.Shape.ToArray(), t.Shape.Count == 1 ? ParameterKind.Bias : ParameterKind.Weight))
        .ToArray());

    private static float[] Buffer(List<ParameterInfo> table) => new float[table[^1].Offset + table[^1].Length];

    private static float[] Filled(List<ParameterInfo> table, int seed)
    {
        float[] buffer = Buffer(table);
        var random = new Random(seed);
        foreach (ParameterInfo p in table)
        {
            for (long i = 0; i < p.Length; i++)
            {
                buffer[p.Offset + i] = (float)((random.NextDouble() * 2) - 1);
            }
        }

        return buffer;
    }

    /// <summary>Writes a file whose tensors are taken from <paramref name="table"/>'s slices of <paramref name="buffer"/>, renamed.</summary>
    private string WriteFile(List<ParameterInfo> table, float[] buffer, Func<string, string?> rename, params (string Name, int[] Shape, float[] Values)[] extra)
    {
        var entries = new List<SafetensorsEntry>();
        var data = new List<float>(buffer);
        foreach (ParameterInfo p in table)
        {
            string? name = rename(p.Name);
            if (name is not null)
            {
                entries.Add(new SafetensorsEntry(name, p.Shape, p.Offset));
            }
        }

        foreach ((string name, int[] shape, float[] values) in extra)
        {
            entries.Add(new SafetensorsEntry(name, shape, data.Count));
            data.AddRange(values);
        }

        string path = _directory.File(Guid.NewGuid().ToString("N") + ".safetensors");
        SafetensorsWriter.Write(path, entries, data.ToArray(), new Dictionary<string, string> { ["format"] = "pt" });
        return path;
    }

    [Fact]
    public void SaveThenLoadRoundTripsEveryParameterExactly()
    {
        List<ParameterInfo> table = SmallTable();
        float[] original = Filled(table, 1);
        string path = _directory.File("checkpoint.safetensors");

        ParameterSaver.SaveSafetensors(path, table, original);
        float[] loaded = Buffer(table);
        ParameterLoader.LoadSafetensors(path, table, loaded);

        foreach (ParameterInfo p in table)
        {
            Assert.Equal(original.AsSpan((int)p.Offset, (int)p.Length).ToArray(), loaded.AsSpan((int)p.Offset, (int)p.Length).ToArray());
        }

        // What HuggingFace needs to load it: the table's names, F32, format pt.
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(table.Select(p => p.Name), reader.Tensors.Select(t => t.Name));
        Assert.All(reader.Tensors, t => Assert.Equal(WeightDataType.Float32, t.DataType));
    }

    [Fact]
    public void ACheckpointsOptimizerStateIsRefusedAsWeightsAndItsFolderNamesTheFileToLoad()
    {
        // AdamW's moments hold the model's names and shapes: given as weights they loaded without a word (the CLI refused
        // them, a program's own load did not), and every answer was noise. A checkpoint folder said only "not a file".
        List<ParameterInfo> table = SmallTable();
        string checkpoint = Path.Combine(_directory.Path, "checkpoint-000000040");
        Directory.CreateDirectory(checkpoint);
        ParameterSaver.SaveSafetensors(Path.Combine(checkpoint, "model.safetensors"), table, Filled(table, 1));
        string moments = Path.Combine(checkpoint, "optimizer.exp_avg.safetensors");
        ParameterSaver.SaveSafetensors(moments, table, Filled(table, 2), new Dictionary<string, string> { ["bertgen_optimizer_state"] = "exp_avg" });
        float[] loaded = Buffer(table);
        Array.Fill(loaded, 42f);

        WeightFileException refused = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(moments, table, loaded));
        Assert.Equal($"safetensors file '{moments}' is a checkpoint's optimizer state (AdamW's 'exp_avg'), not its weights: load the checkpoint's model.safetensors", refused.Message);
        Assert.Equal(refused.Message, Assert.Throws<WeightFileException>(() => ParameterLoader.LoadEncoderSafetensors(moments, table, loaded)).Message);
        Assert.All(loaded, v => Assert.Equal(42f, v));

        Assert.Equal(
            $"safetensors file '{checkpoint}' is a checkpoint folder, not a file: load its model.safetensors",
            Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(checkpoint, table, loaded)).Message);
        ParameterLoader.LoadSafetensors(Path.Combine(checkpoint, "model.safetensors"), table, loaded);
        float[] saved = Filled(table, 1);
        Assert.All(table, p => Assert.Equal(saved.AsSpan((int)p.Offset, (int)p.Length).ToArray(), loaded.AsSpan((int)p.Offset, (int)p.Length).ToArray()));
    }

    [Fact]
    public void AcceptsNamesWithoutTheBertPrefixAndLegacyGammaBetaAndSkipsPositionIds()
    {
        List<ParameterInfo> table = SmallTable();
        float[] source = Filled(table, 2);
        string path = WriteFile(
            table,
            source,
            name => name.Replace("bert.", string.Empty, StringComparison.Ordinal)
                .Replace("LayerNorm.weight", "LayerNorm.gamma", StringComparison.Ordinal)
                .Replace("LayerNorm.bias", "LayerNorm.beta", StringComparison.Ordinal),
            ("cls.predictions.decoder.weight", [5, 3], source[..15]));
        float[] loaded = Buffer(table);

        using (SafetensorsReader reader = SafetensorsReader.Open(path))
        {
            Assert.Contains(reader.Tensors, t => t.Name == "embeddings.LayerNorm.gamma");
            // An int64 position_ids buffer beside the weights, as older HF files carry, must be skipped.
            IEnumerable<WeightTensor> withPositions = reader.Tensors.Append(PositionIds());
            ParameterLoader.Load(withPositions, table, loaded);
        }

        Assert.Equal(source, loaded);
    }

    /// <summary>
    /// A stored MLM decoder weight was skipped whatever it held: the weights of a model trained with tie_word_embeddings
    /// false (its own decoder) loaded, and fill-mask answered from the word embeddings instead, with exit 0. A tied model's
    /// copy (a state dict or an ONNX export stores it twice) still loads.
    /// </summary>
    [Fact]
    public void AStoredDecoderWeightMustBeTheWordEmbeddingsItIsTiedTo()
    {
        List<ParameterInfo> table = SmallTable();
        float[] source = Filled(table, 4);
        float[] untied = source[..15];
        untied[7] += 0.5f;

        string path = WriteFile(table, source, name => name, ("cls.predictions.decoder.weight", [5, 3], untied));
        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));
        Assert.Equal(
            "tensor 'cls.predictions.decoder.weight' differs from the word embeddings at [2, 1] (a model trained with tie_word_embeddings false): this model's MLM decoder is its word embeddings, so it cannot run these weights",
            error.Message);

        // Its shape is checked before anything is written, as every tensor's is: the refused load leaves the buffer untouched.
        string misshapen = WriteFile(table, source, name => name, ("cls.predictions.decoder.weight", [3, 5], source[..15]));
        float[] untouched = Buffer(table);
        Array.Fill(untouched, 42f);
        Assert.Equal(
            "tensor 'cls.predictions.decoder.weight' has shape [3, 5] but this model's MLM decoder is its word embeddings, [5, 3]",
            Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(misshapen, table, untouched)).Message);
        Assert.All(untouched, v => Assert.Equal(42f, v));

        float[] loaded = Buffer(table);
        ParameterLoader.LoadSafetensors(WriteFile(table, source, name => name, ("cls.predictions.decoder.weight", [5, 3], source[..15])), table, loaded);
        Assert.Equal(source, loaded);
    }

    [Fact]
    public void LoadsUnprefixedTableFromPrefixedFile()
    {
        List<ParameterInfo> prefixed = SmallTable();
        List<ParameterInfo> bare = prefixed.Select(p => p with { Name = p.Name.Replace("bert.", string.Empty, StringComparison.Ordinal) }).ToList();
        float[] source = Filled(prefixed, 3);
        string path = _directory.File("prefixed.safetensors");
        ParameterSaver.SaveSafetensors(path, prefixed, source);

        float[] loaded = Buffer(bare);
        ParameterLoader.LoadSafetensors(path, bare, loaded);

        Assert.Equal(source, loaded);
    }

    [Fact]
    public void MissingTensorIsReportedByNameAndBufferIsUntouched()
    {
        List<ParameterInfo> table = SmallTable();
        string path = WriteFile(table, Filled(table, 4), name => name == "bert.pooler.dense.bias" ? null : name);
        float[] loaded = Buffer(table);
        Array.Fill(loaded, 42f);

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, loaded));

        Assert.Equal("tensor 'bert.pooler.dense.bias' is missing from the weights", error.Message);
        Assert.All(loaded, v => Assert.Equal(42f, v));
    }

    [Fact]
    public void AHeadTheWeightsHoldNoneOfSaysToLoadTheEncoderAlone()
    {
        // Weights without any pooler tensor (an encoder's, for a model with a head): the head is named, and what to do.
        List<ParameterInfo> table = SmallTable();
        string path = WriteFile(table, Filled(table, 4), name => name.Contains("pooler", StringComparison.Ordinal) ? null : name);
        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));
        Assert.Equal(
            "tensor 'bert.pooler.dense.weight' is missing from the weights: they hold no 'pooler' tensors at all (an encoder's weights, or another task's); "
            + "load only their encoder (ParameterLoader.LoadEncoderSafetensors or LoadEncoderPretrained, as bertgen finetune --init does) and initialise the rest",
            error.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    [InlineData(float.NegativeInfinity, "-infinity")]
    public void ANonFiniteWeightIsRefusedNamingTheTensorAndPosition(float value, string described)
    {
        // Issue 15: one NaN in an unused word-embedding row made every fill-mask prediction "[PAD] NaN" (the MLM
        // decoder is tied to the word embeddings) and every similarity NaN, with exit 0.
        List<ParameterInfo> table = SmallTable();
        float[] source = Filled(table, 8);
        source[table[0].Offset + (3 * 3) + 1] = value;
        string path = WriteFile(table, source, name => name);
        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));

        Assert.Equal($"tensor 'bert.embeddings.word_embeddings.weight' holds {described} at [3, 1]: weights must be finite numbers", error.Message);
    }

    [Theory]
    [InlineData("F16", (ushort)0x7C00, "+infinity")]
    [InlineData("F16", (ushort)0xFE00, "NaN")]
    [InlineData("BF16", (ushort)0xFF80, "-infinity")]
    [InlineData("BF16", (ushort)0x7FC1, "NaN")]
    public void NonFiniteHalfPrecisionWeightsAreRefusedToo(string dtype, ushort bits, string described)
    {
        List<ParameterInfo> table = Table(("pooler.dense.bias", [3], ParameterKind.Bias));
        var data = new byte[6];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(4), bits);
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, SafetensorsTestFile.Build("{\"pooler.dense.bias\":{\"dtype\":\"" + dtype + "\",\"shape\":[3],\"data_offsets\":[0,6]}}", data));

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, new float[3]));

        Assert.Equal($"tensor 'pooler.dense.bias' holds {described} at [2]: weights must be finite numbers", error.Message);
    }

    [Fact]
    public void ANonFiniteOnnxWeightIsNamedAtItsHuggingFacePosition()
    {
        // Stored [in = 2, out = 3] for MatMul; HF layout is [out = 3, in = 2], so stored (0, 2) is HF (2, 0).
        byte[] model = new OnnxTestModelBuilder()
            .RawFloat("pooler.dense.bias", [3], [0, 0, 0])
            .RawFloat("onnx::MatMul_1", [2, 3], [1, 2, float.NaN, 4, 5, 6])
            .Node("MatMul", ["x", "onnx::MatMul_1"], ["mm"])
            .Node("Add", ["mm", "pooler.dense.bias"], ["y"])
            .Build();
        List<ParameterInfo> table = Table(("pooler.dense.weight", [3, 2], ParameterKind.Weight), ("pooler.dense.bias", [3], ParameterKind.Bias));

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.Load(OnnxBertImporter.Import(OnnxReader.Read(model)), table, Buffer(table)));

        Assert.Equal("tensor 'pooler.dense.weight' holds NaN at [2, 0]: weights must be finite numbers", error.Message);
    }

    [Fact]
    public void ExtraTensorIsReportedByName()
    {
        List<ParameterInfo> table = SmallTable();
        string path = WriteFile(table, Filled(table, 5), name => name, ("classifier.weight", [2, 3], new float[6]));

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));

        Assert.Equal("tensor 'classifier.weight' is not a parameter of this model", error.Message);
    }

    [Fact]
    public void AnEncoderTakesTheEncoderOfATaskModelsFileAndLeavesItsHeadsOut()
    {
        // The file is a task model's: the encoder's tensors plus a pretraining head and a classifier.
        List<ParameterInfo> withHead = SmallTable();
        float[] values = Filled(withHead, 8);
        string path = WriteFile(withHead, values, name => name, ("classifier.weight", [2, 3], [1, 2, 3, 4, 5, 6]), ("classifier.bias", [2], [7, 8]));
        List<ParameterInfo> encoder = Table(withHead.Where(p => !p.Name.StartsWith("cls.", StringComparison.Ordinal)).Select(p => (p.Name, p.Shape, p.Kind)).ToArray());
        float[] loaded = Buffer(encoder);

        ParameterLoader.LoadSafetensors(path, encoder, loaded);

        // Same offsets as the task table (the head is its last entry), so the encoder's values are its first floats.
        Assert.Equal(values.AsSpan(0, loaded.Length).ToArray(), loaded);
        var refused = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, withHead, Buffer(withHead)));
        Assert.Equal("tensor 'classifier.weight' is not a parameter of this model", refused.Message);
    }

    [Fact]
    public void ShapeMismatchIsReportedByName()
    {
        List<ParameterInfo> table = SmallTable();
        List<ParameterInfo> other = table.Select(p => p.Name == "bert.pooler.dense.weight" ? p with { Shape = [9] } : p).ToList();
        string path = WriteFile(other, Filled(table, 6), name => name);

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));

        Assert.Contains("'bert.pooler.dense.weight' has shape [9]", error.Message);
        Assert.Contains("needs [3, 3]", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void IntegerTensorForAParameterIsRejected()
    {
        List<ParameterInfo> table = Table(("embeddings.position_embeddings.weight", [1, 2], ParameterKind.Embedding));
        var tensors = new[] { new OnnxTensor("embeddings.position_embeddings.weight", [1, 2], OnnxTensor.Int64, new byte[16]).ToWeightTensor() };

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.Load(tensors, table, new float[2]));

        Assert.Contains("'embeddings.position_embeddings.weight'", error.Message);
        Assert.Contains("Int64", error.Message);
    }

    [Fact]
    public void SameParameterTwiceUnderTwoSpellingsIsAmbiguous()
    {
        List<ParameterInfo> table = SmallTable();
        string path = WriteFile(table, Filled(table, 7), name => name, ("embeddings.LayerNorm.gamma", [3], new float[3]));

        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadSafetensors(path, table, Buffer(table)));

        Assert.Contains("'embeddings.LayerNorm.gamma'", error.Message);
        Assert.Contains("'bert.embeddings.LayerNorm.weight'", error.Message);
    }

    [Fact]
    public void DecoderBiasAliasFillsThePredictionsBias()
    {
        List<ParameterInfo> table = SmallTable();
        float[] source = Filled(table, 8);
        string path = WriteFile(table, source, name => name == "cls.predictions.bias" ? "cls.predictions.decoder.bias" : name);

        float[] loaded = Buffer(table);
        ParameterLoader.LoadSafetensors(path, table, loaded);

        Assert.Equal(source, loaded);
    }

    [Fact]
    public void ImportedMiniLmLoadsIntoItsTableAndSavesAsSafetensorsThatReloadIdentically()
    {
        List<ParameterInfo> table = MiniLmTable();
        float[] buffer = Buffer(table);

        ParameterLoader.Load(_fixture.Weights, table, buffer);

        string path = _directory.File("minilm.safetensors");
        ParameterSaver.SaveSafetensors(path, table, buffer);
        float[] reloaded = Buffer(table);
        ParameterLoader.LoadSafetensors(path, table, reloaded);
        Assert.Equal(buffer, reloaded);

        // Spot check against the ONNX initializer itself: the query weight comes back transposed.
        OnnxTensor stored = _fixture.Model.Initializers.Single(i => i.Name == _fixture.Model.Nodes
            .Single(n => n.OpType == "Add" && n.Inputs.Contains("encoder.layer.0.attention.self.query.bias"))
            .Inputs.Select(input => _fixture.Model.Nodes.SingleOrDefault(n => n.Outputs.Contains(input)))
            .Single(n => n is not null && n.OpType == "MatMul")!.Inputs[1]);
        float[] storedValues = stored.ToWeightTensor().ToArray();
        ParameterInfo query = table.Single(p => p.Name == "encoder.layer.0.attention.self.query.weight");
        for (int o = 0; o < 384; o += 37)
        {
            for (int i = 0; i < 384; i += 41)
            {
                Assert.Equal(storedValues[(i * 384) + o], reloaded[query.Offset + (o * 384) + i]);
            }
        }
    }

    [Fact]
    public void PretrainedMiniLmReadInPlaceEqualsTheImportOfAManagedCopyBitForBit()
    {
        // LoadPretrained reads the ONNX in the mapped DLL and releases each tensor's pages once copied; the
        // fixture imported a managed copy of the same bytes, where nothing is released.
        List<ParameterInfo> table = MiniLmTable();
        float[] fromCopy = Buffer(table);
        float[] fromMapping = Buffer(table);

        ParameterLoader.Load(_fixture.Weights, table, fromCopy);
        ParameterLoader.LoadPretrained(Pretrained.PretrainedModel.MiniLmL6V2, table, fromMapping);

        Assert.True(MemoryMarshal.Cast<float, int>(fromCopy).SequenceEqual(MemoryMarshal.Cast<float, int>(fromMapping)));
        Assert.Contains(fromMapping, v => v != 0f);

        // The same through an .onnx file on disk, also read in place and released tensor by tensor.
        string onnx = _directory.File("minilm.onnx");
        File.WriteAllBytes(onnx, _fixture.OnnxBytes);
        float[] fromFile = Buffer(table);
        ParameterLoader.LoadOnnx(onnx, table, fromFile);
        Assert.True(MemoryMarshal.Cast<float, int>(fromCopy).SequenceEqual(MemoryMarshal.Cast<float, int>(fromFile)));
    }

    [Fact]
    public void AnEmptyOnnxFileIsAWeightFileError()
    {
        string empty = _directory.File("empty.onnx");
        File.WriteAllBytes(empty, []);
        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadOnnx(empty, SmallTable(), Buffer(SmallTable())));
        Assert.Contains("empty.onnx", error.Message);
    }

    [Fact]
    public void AMappedTensorReadsTheSameAfterItsSourceIsReleased()
    {
        using Pretrained.PretrainedPackage package = Pretrained.PretrainedPackage.Open(Pretrained.PretrainedModel.MiniLmL6V2);
        IReadOnlyList<WeightTensor> tensors = OnnxBertImporter.Import(OnnxReader.Read(package.ViewModelOnnx()));
        WeightTensor query = tensors.Single(t => t.Name == "encoder.layer.3.attention.self.query.weight");
        float[] first = query.ToArray();

        query.ReleaseSource();

        Assert.Equal(first, query.ToArray());
        Assert.Equal(_fixture.Weights.Single(t => t.Name == query.Name).ToArray(), first);
    }

    [Fact]
    public void PretrainedMiniLmLoadsIntoABertPrefixedTableWithoutItsPooler()
    {
        // A generated encoder-only table may use bert. names and leave the pooler out: the pooler's tensors
        // are then extra and must be reported, which is the loader refusing to drop weights silently.
        List<ParameterInfo> table = Table(_fixture.Weights
            .Where(t => t.DataType == WeightDataType.Float32)
            .Select(t => ("bert." + t.Name, t.Shape.ToArray(), ParameterKind.Weight))
            .ToArray());
        float[] buffer = Buffer(table);

        ParameterLoader.LoadPretrained(Pretrained.PretrainedModel.MiniLmL6V2, table, buffer);

        ParameterInfo word = table.Single(p => p.Name == "bert.embeddings.word_embeddings.weight");
        float[] expected = _fixture.Weights.Single(t => t.Name == "embeddings.word_embeddings.weight").ToArray();
        Assert.Equal(expected, buffer.AsSpan((int)word.Offset, (int)word.Length).ToArray());

        List<ParameterInfo> withoutPooler = table.Where(p => !p.Name.Contains("pooler", StringComparison.Ordinal)).ToList();
        var error = Assert.Throws<WeightFileException>(() => ParameterLoader.LoadPretrained(Pretrained.PretrainedModel.MiniLmL6V2, withoutPooler, Buffer(table)));
        Assert.Contains("'pooler.dense.", error.Message);
    }

    private static WeightTensor PositionIds()
    {
        var bytes = new byte[8 * 4];
        for (int i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), (long)i);
        }

        return new OnnxTensor("embeddings.position_ids", [1, 4], OnnxTensor.Int64, bytes).ToWeightTensor();
    }
}
