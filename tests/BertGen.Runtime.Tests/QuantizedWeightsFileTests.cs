using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>
/// Saving a model with int8 linear weights and starting from that file: HF names and safetensors dtypes, the
/// stored values being the per-channel quantisation of the fp32 weights, and packing from the file giving the
/// very bytes packing from fp32 gives.
/// </summary>
public sealed unsafe class QuantizedWeightsFileTests : IDisposable
{
    private const int Hidden = 40, Intermediate = 100;
    private const string Query = "bert.encoder.layer.0.attention.self.query.weight";
    private const string Ffn = "bert.encoder.layer.0.intermediate.dense.weight";

    // A slice of a BERT parameter table, with the bert. prefix of task models and offsets 16-float aligned.
    private static readonly ParameterInfo[] Table =
    [
        new("bert.embeddings.LayerNorm.weight", 0, [Hidden], ParameterKind.LayerNormWeight),
        new(Query, 48, [Hidden, Hidden], ParameterKind.Weight),
        new("bert.encoder.layer.0.attention.self.query.bias", 1648, [Hidden], ParameterKind.Bias),
        new(Ffn, 1696, [Intermediate, Hidden], ParameterKind.Weight),
        new("bert.encoder.layer.0.intermediate.dense.bias", 5696, [Intermediate], ParameterKind.Bias),
    ];

    private static readonly string[] Quantized = [Query, Ffn];

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void WeightsAreStoredAsInt8AndScalesUnderHuggingFaceNamesFloatsFirst()
    {
        string path = Save(Parameters());
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        Assert.Equal(
            ["bert.embeddings.LayerNorm.weight", Query + "_scale", "bert.encoder.layer.0.attention.self.query.bias", Ffn + "_scale", "bert.encoder.layer.0.intermediate.dense.bias", Query, Ffn],
            reader.Tensors.Select(t => t.Name));
        Assert.Equal(WeightDataType.Int8, reader[Query].DataType);
        Assert.Equal([Hidden, Hidden], reader[Query].Shape);
        Assert.Equal(WeightDataType.Float32, reader[Ffn + "_scale"].DataType);
        Assert.Equal([Intermediate, 1], reader[Ffn + "_scale"].Shape);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(QuantizedWeightsFile.QuantizationMetadataValue, reader.Metadata[QuantizedWeightsFile.QuantizationMetadataKey]);
    }

    [Fact]
    public void StoredValuesAreThePerChannelSymmetricQuantisation()
    {
        // Recomputed here from the definition: scale = max|w|/127, q = round-half-even(w/scale).
        float[] parameters = Parameters();
        using QuantizedWeightsFile file = QuantizedWeightsFile.Open(Save(parameters));
        foreach (ParameterInfo info in Table.Where(p => Quantized.Contains(p.Name)))
        {
            Int8WeightView view = file.Int8Weight(info.Name);
            int rows = info.Shape[0], columns = info.Shape[1];
            Assert.Equal((rows, columns), (view.Rows, view.Columns));
            for (int r = 0; r < rows; r++)
            {
                float absMax = 0;
                for (int c = 0; c < columns; c++)
                {
                    absMax = Math.Max(absMax, Math.Abs(parameters[info.Offset + (r * columns) + c]));
                }

                float scale = ((float*)view.Scales)[r];
                Assert.Equal(absMax / 127f, scale);
                for (int c = 0; c < columns; c++)
                {
                    float w = parameters[info.Offset + (r * columns) + c];
                    Assert.Equal((int)MathF.Round(w / scale, MidpointRounding.ToEven), ((sbyte*)view.Values)[(r * columns) + c]);
                }
            }
        }
    }

    [Fact]
    public void LoadingRestoresTheFloatsAndPacksToTheBytesOfPackingFromFp32()
    {
        float[] parameters = Parameters();
        string path = Save(parameters);
        float[] loaded = new float[parameters.Length];
        Array.Fill(loaded, -3f);
        using QuantizedWeightsFile file = QuantizedWeightsFile.Open(path);
        file.LoadParameters(Table, loaded, Quantized);
        foreach (ParameterInfo info in Table)
        {
            float[] expected = Quantized.Contains(info.Name) ? Enumerable.Repeat(-3f, (int)info.Length).ToArray() : parameters[(int)info.Offset..(int)(info.Offset + info.Length)];
            Assert.Equal(expected, loaded[(int)info.Offset..(int)(info.Offset + info.Length)]);
        }

        // The fused-style layer: packed from the file (no quantisation at start-up) and from the fp32 weights.
        ParameterInfo weight = Table[3], bias = Table[4];
        long bytes = QuantizedPanels.PackedBytes(Intermediate, Hidden);
        byte[] fromFile = new byte[bytes], fromFloats = new byte[bytes];
        float[] biasFromFile = new float[Intermediate], biasFromFloats = new float[Intermediate];
        Int8WeightView view = file.Int8Weight("encoder.layer.0.intermediate.dense.weight"); // the bare BertModel spelling
        fixed (float* p = parameters, l = loaded, bf = biasFromFile, bp = biasFromFloats)
        fixed (byte* f = fromFile, q = fromFloats)
        {
            Int8LinearPacker.PackQuantized(f, bf, Hidden, [(view.Values, view.Scales, (nint)(l + bias.Offset), Intermediate)]);
            Int8LinearPacker.Pack(q, bp, Hidden, [((nint)(p + weight.Offset), (nint)(p + bias.Offset), Intermediate)]);
        }

        Assert.Equal(fromFloats, fromFile);
        Assert.Equal(biasFromFloats, biasFromFile);
    }

    [Fact]
    public void MismatchesAreOneLineErrors()
    {
        float[] parameters = Parameters();
        string path = Save(parameters);
        using QuantizedWeightsFile file = QuantizedWeightsFile.Open(path);
        float[] buffer = new float[parameters.Length];

        // An int8 tensor the model expects in float.
        var error = Assert.Throws<WeightFileException>(() => file.LoadParameters(Table, buffer, [Query]));
        Assert.Contains("is int8 but the model expects it in float", error.Message);

        // A float tensor the model expects quantised.
        error = Assert.Throws<WeightFileException>(() => file.LoadParameters(Table, buffer, [Query, Ffn, "bert.encoder.layer.0.attention.self.query.bias"]));
        Assert.Contains("a quantised weight is I8 [out, in]", error.Message);

        // A quantised weight whose shape is not the model's.
        ParameterInfo[] other = [.. Table];
        other[1] = other[1] with { Shape = [Hidden / 2, Hidden * 2] };
        error = Assert.Throws<WeightFileException>(() => file.LoadParameters(other, buffer, Quantized));
        Assert.Contains("has shape [40, 40] but parameter", error.Message);

        // A non-linear parameter cannot be quantised per output channel.
        error = Assert.Throws<WeightFileException>(() => QuantizedWeightsFile.Save(_directory.File("x.safetensors"), Table, parameters, ["bert.embeddings.LayerNorm.weight"]));
        Assert.Contains("cannot be quantised per output channel", error.Message);
    }

    [Fact]
    public void AMissingScaleIsNamed()
    {
        // A hand-written file: an I8 weight without its scale.
        string header = """{"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}}""";
        string path = _directory.File("noscale.safetensors");
        System.IO.File.WriteAllBytes(path, SafetensorsTestFile.Build(header.PadRight(64), [1, 2, 3, 0xFF]));
        using QuantizedWeightsFile file = QuantizedWeightsFile.Open(path);
        var error = Assert.Throws<WeightFileException>(() => file.Int8Weight("w"));
        Assert.Contains("has no scale tensor 'w_scale'", error.Message);
    }

    [Fact]
    public void ANonFiniteScaleIsRefused()
    {
        // Issue 15's rule for every reader: a NaN scale would make its whole output channel NaN with exit 0.
        string header = """{"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"w_scale":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]}}""";
        string path = _directory.File("nanscale.safetensors");
        System.IO.File.WriteAllBytes(path, SafetensorsTestFile.Build(header.PadRight(128), [1, 2, 3, 0xFF, .. SafetensorsTestFile.Floats(0.5f, float.NaN)]));
        using QuantizedWeightsFile file = QuantizedWeightsFile.Open(path);
        var error = Assert.Throws<WeightFileException>(() => file.Int8Weight("w"));
        Assert.EndsWith("holds NaN at row 1: scales must be finite numbers", error.Message);
    }

    [Theory]
    [InlineData(-1e30f, new byte[] { 1, 2 }, "holds -1E+30 at row 1: a scale is its row's largest |weight| / 127, never negative")]
    [InlineData(-0.25f, new byte[] { 0, 0 }, "holds -0.25 at row 1: a scale is its row's largest |weight| / 127, never negative")]
    [InlineData(0f, new byte[] { 0, 3 }, "holds 0 at row 1, whose values in 'w' are not all 0: a scale of 0 would make them 0")]
    public void AScaleNoQuantiserWritesIsRefused(float scale, byte[] row, string expected)
    {
        // A newcomer's walk: a scale edited to 0 or −1e30 loaded, and the model answered (cosine 0.997 and 0.966 with the
        // real one) without a word. A row of zeros keeps scale 0 (the last case's row alone is refused).
        string header = """{"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"w_scale":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]}}""";
        string path = _directory.File("badscale.safetensors"), zeros = _directory.File("zerorow.safetensors");
        System.IO.File.WriteAllBytes(path, SafetensorsTestFile.Build(header.PadRight(128), [1, 2, .. row, .. SafetensorsTestFile.Floats(0.5f, scale)]));
        using (QuantizedWeightsFile file = QuantizedWeightsFile.Open(path))
        {
            Assert.EndsWith(expected, Assert.Throws<WeightFileException>(() => file.Int8Weight("w")).Message);
        }

        System.IO.File.WriteAllBytes(zeros, SafetensorsTestFile.Build(header.PadRight(128), [1, 2, 0, 0, .. SafetensorsTestFile.Floats(0.5f, 0f)]));
        using QuantizedWeightsFile whole = QuantizedWeightsFile.Open(zeros);
        Assert.Equal(2, whole.Int8Weight("w").Rows);
    }

    [Fact]
    public void AScaleThatMakesAWeightOverflowFloat32IsRefused()
    {
        // Finite scales, but 3e38 · 2 is past float.MaxValue (3.4e38): a weight no fp32 file could hold, refused as its
        // infinity would be. 3e38 · 1 and 3e38 · 0 are finite weights, so a row of those is taken as written.
        string header = """{"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"w_scale":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]}}""";
        string fits = _directory.File("largescale.safetensors"), overflows = _directory.File("overflow.safetensors");
        System.IO.File.WriteAllBytes(fits, SafetensorsTestFile.Build(header.PadRight(128), [0xFF, 2, 1, 0, .. SafetensorsTestFile.Floats(0.5f, 3e38f)]));
        System.IO.File.WriteAllBytes(overflows, SafetensorsTestFile.Build(header.PadRight(128), [0xFF, 2, 1, 2, .. SafetensorsTestFile.Floats(0.5f, 3e38f)]));
        using (QuantizedWeightsFile file = QuantizedWeightsFile.Open(fits))
        {
            Assert.Equal(3e38f, ((float*)file.Int8Weight("w").Scales)[1]);
        }

        using QuantizedWeightsFile hostile = QuantizedWeightsFile.Open(overflows);
        var error = Assert.Throws<WeightFileException>(() => hostile.Int8Weight("w"));
        Assert.EndsWith("holds 3E+38 at row 1: times the value 2 of 'w' at [1, 1] it is a weight beyond float32's range; weights must be finite numbers", error.Message);
    }

    [Fact]
    public void ACancelledSaveLeavesTheFolderAsItWas()
    {
        // Ctrl-C during bertgen quantize: neither a half-written target nor the hidden temporary file it is written through.
        string path = _directory.File("quantized.safetensors");
        System.IO.File.WriteAllText(path, "the file there before");
        using var cancelled = new System.Threading.CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => QuantizedWeightsFile.Save(path, Table, Parameters(), Quantized, cancelled.Token));
        Assert.Equal([path], System.IO.Directory.GetFileSystemEntries(_directory.Path));
        Assert.Equal("the file there before", System.IO.File.ReadAllText(path));
    }

    private string Save(float[] parameters)
    {
        string path = _directory.File("quantized.safetensors");
        QuantizedWeightsFile.Save(path, Table, parameters, Quantized);
        return path;
    }

    private static float[] Parameters()
    {
        var random = new Random(7);
        float[] parameters = new float[5696 + Intermediate];
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = (float)((random.NextDouble() * 0.2) - 0.1);
        }

        return parameters;
    }
}
