using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>The safetensors reader on files assembled by hand from the format's definition.</summary>
public sealed class SafetensorsReaderTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ReadsEveryDtypeWithExactConversion()
    {
        // Bit patterns with known values: F16 0x3C00 = 1, 0xC000 = −2, 0x7BFF = 65504 (largest half);
        // BF16 0x3F80 = 1, 0x4049 = 3.140625. Header order differs from data order on purpose.
        byte[] data = new byte[8 + 6 + 4 + 16];
        SafetensorsTestFile.Floats(1.5f, -2f).CopyTo(data, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(8), 0x3C00);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(10), 0xC000);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(12), 0x7BFF);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(14), 0x3F80);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(16), 0x4049);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(18), 0);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(26), 1);
        string header = """
            {"b":{"dtype":"BF16","shape":[2],"data_offsets":[14,18]},
             "__metadata__":{"format":"pt"},
             "a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},
             "embeddings.position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[18,34]},
             "h":{"dtype":"F16","shape":[3],"data_offsets":[8,14]}}
            """;
        string path = Write(SafetensorsTestFile.Build(header, data));

        using SafetensorsReader reader = SafetensorsReader.Open(path);

        Assert.Equal(["a", "h", "b", "embeddings.position_ids"], reader.Tensors.Select(t => t.Name));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal([2, 1], reader["a"].Shape);
        Assert.Equal([1.5f, -2f], reader["a"].ToArray());
        Assert.Equal([1f, -2f, 65504f], reader["h"].ToArray());
        Assert.Equal([1f, 3.140625f], reader["b"].ToArray());
        Assert.Equal(WeightDataType.Int64, reader["embeddings.position_ids"].DataType);
        Assert.Throws<WeightFileException>(() => reader["embeddings.position_ids"].ToArray());
        Assert.Contains("'missing'", Assert.Throws<WeightFileException>(() => reader["missing"]).Message);
    }

    [Fact]
    public void TruncatedFileNamesTheTensorThatRunsPastTheEnd()
    {
        byte[] file = SafetensorsTestFile.Build(
            """{"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"second":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            SafetensorsTestFile.Floats(1, 2, 3));
        string path = Write(file.AsSpan(0, file.Length - 3).ToArray());

        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.Contains("'second'", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "shorter than its 8-byte header length")]
    [InlineData(new byte[] { 255, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "declares a 255-byte header")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, "declares a 0-byte header")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', (byte)' ', (byte)'w', (byte)'o', (byte)'r', (byte)'l', (byte)'d' },
        "is not a safetensors file: such a file starts with its JSON header's length in 8 bytes, and these read 8,031,924,123,371,070,824, above the format's limit of 100,000,000 bytes")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, (byte)'[', (byte)']' }, "not a JSON object")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x' }, "not valid JSON")]
    public void MalformedHeadersAreRejected(byte[] file, string expected)
    {
        string path = Write(file);

        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AnInvalidLiteralIsQuotedShortly()
    {
        // A byte run repeated inside a name (the fuzz corpus's case): System.Text.Json quotes all the header after the
        // invalid literal, 20 KB for a real model's; the error quotes 80 characters of it and says where it is.
        var header = new StringBuilder("{");
        for (int i = 0; i < 200; i++)
        {
            header.Append(i == 0 ? "" : ",").Append($"\"bert.encoder.layer.{i}.weight\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[{4 * i},{(4 * i) + 4}]}}");
        }

        string text = header.Append('}').ToString();
        int at = text.IndexOf("ta_offsets", StringComparison.Ordinal);
        string damaged = text[..at] + "\":t" + text[at..];
        string path = Write(SafetensorsTestFile.Build(damaged, new byte[800]));

        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.Contains("has a header that is not valid JSON (line 1, byte ", error.Message, StringComparison.Ordinal);
        Assert.Contains("characters) is an invalid JSON literal. Expected the literal 'true'", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Message.Length, 1, 300 + path.Length);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8, "dtype 'F64'")]
    [InlineData("""{"v":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", 8, "overlapping")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "gap")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "no tensor claims")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "non-negative")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4, "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1]}}""", 4, "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "twice")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "appears twice")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}""", 4, "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}""", 4, "more bytes than any file can hold")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4611686018427387904]}}""", 4, "needs 4 bytes")]
    public void InconsistentEntriesAreReportedByTensorName(string header, int dataBytes, string expected)
    {
        string path = Write(SafetensorsTestFile.Build(header, new byte[dataBytes]));

        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.Contains("'w'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void MissingFileIsReported()
    {
        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(_directory.File("absent.safetensors")));
        Assert.EndsWith("absent.safetensors' does not exist", error.Message);
    }

    [Fact]
    public void AFolderIsNotAFile()
    {
        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(_directory.Path));
        Assert.EndsWith("is a folder, not a file", error.Message);
    }

    /// <summary>
    /// Weights are mapped, which a pipe cannot be: a link to one (a shell's <c>&lt;(…)</c>, or a file linked to /dev/stdin)
    /// gave "file '/proc/self/fd/pipe:[…]' not found", naming no path the user gave, and a pipe itself "is 0 bytes".
    /// </summary>
    [Fact]
    public void APipeIsRefusedAsNotAFile()
    {
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        string path = $"/proc/self/fd/{pipe.ClientSafePipeHandle.DangerousGetHandle()}";
        string link = _directory.File("piped.safetensors");
        File.CreateSymbolicLink(link, path);

        foreach (string given in new[] { path, link })
        {
            var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(given));
            Assert.Equal($"safetensors file '{given}' is a pipe, not a file: weights are read in place from a file; give one", error.Message);
        }
    }

    [Fact]
    public void InvalidUtf8InATensorNameIsAWeightFileError()
    {
        // Issue 15: a 0xFF byte in a header key was "internal error (InvalidOperationException): Cannot transcode…".
        byte[] file = SafetensorsTestFile.Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        file[10] = 0xFF;

        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(Write(file)));

        Assert.Contains("not valid UTF-8 (byte 2 of the header is 0xFF)", error.Message);
    }

    [Fact]
    public void AHugeOrHostileNameIsCutAndEscapedInTheMessage()
    {
        // Issue 15: a 1 MB tensor name made a 1 MB error line; escape codes in a name reached the terminal raw.
        string longName = new('x', 1_000_000);
        string path = Write(SafetensorsTestFile.Build("{\"" + longName + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        var error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.True(error.Message.Length < 300, error.Message);
        Assert.Contains("'" + new string('x', MessageText.MaxQuotedLength) + "'… (1,000,000 characters)", error.Message);

        path = Write(SafetensorsTestFile.Build("""{"\u001b[31mred":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", new byte[8]));
        error = Assert.Throws<WeightFileException>(() => SafetensorsReader.Open(path));
        Assert.True(error.Message.Contains("'\\u001B[31mred'", StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain('\u001b', error.Message);
    }

    private string Write(byte[] bytes)
    {
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
