using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>The safetensors writer: exact bytes per the format, and the temporary-file-then-rename guarantee.</summary>
public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void WritesTheStandardLayoutByteForByte()
    {
        string path = _directory.File("model.safetensors");
        float[] buffer = [9, 1.5f, -2, 0.25f];

        SafetensorsWriter.Write(
            path,
            [new SafetensorsEntry("b", [1], 3), new SafetensorsEntry("a", [2, 1], 1)],
            buffer,
            new Dictionary<string, string> { ["format"] = "pt" });

        // u64 little-endian header length, JSON header padded with spaces to a multiple of 8, then the
        // tensors' little-endian bytes in the order of their data_offsets.
        string json = """{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]}}""";
        string padded = json.PadRight((json.Length + 7) / 8 * 8);
        byte[] expected = SafetensorsTestFile.Build(padded, SafetensorsTestFile.Floats(0.25f, 1.5f, -2));
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(0, (8 + padded.Length) % 8);
    }

    [Fact]
    public void ReplacesAnExistingFileWholeAndLeavesNoTemporaryFile()
    {
        string path = _directory.File("model.safetensors");
        File.WriteAllText(path, "an older, longer checkpoint that must disappear entirely");

        SafetensorsWriter.Write(path, [new SafetensorsEntry("w", [2], 0)], [1f, 2f]);

        using (SafetensorsReader reader = SafetensorsReader.Open(path))
        {
            Assert.Equal([1f, 2f], reader["w"].ToArray());
        }

        Assert.Equal(["model.safetensors"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void FailedWriteKeepsThePreviousFileAndLeavesNoTemporaryFile()
    {
        string path = _directory.File("model.safetensors");
        SafetensorsWriter.Write(path, [new SafetensorsEntry("w", [2], 0)], [1f, 2f]);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<WeightFileException>(() => SafetensorsWriter.Write(path, [new SafetensorsEntry("w", [3], 0)], [7f, 8f]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void FailedRenameRemovesTheTemporaryFile()
    {
        // A folder in the way makes the final rename fail after the data has been written in full.
        string path = _directory.File("model.safetensors");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => SafetensorsWriter.Write(path, [new SafetensorsEntry("w", [2], 0)], [1f, 2f]));

        Assert.Empty(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void DuplicateAndReservedNamesAreRejected()
    {
        string path = _directory.File("model.safetensors");

        Assert.Contains("'w'", Assert.Throws<WeightFileException>(() =>
            SafetensorsWriter.Write(path, [new SafetensorsEntry("w", [1], 0), new SafetensorsEntry("w", [1], 1)], [1f, 2f])).Message);
        Assert.Throws<WeightFileException>(() => SafetensorsWriter.Write(path, [new SafetensorsEntry("__metadata__", [1], 0)], [1f]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void HeaderIsUtf8Json()
    {
        string path = _directory.File("model.safetensors");

        SafetensorsWriter.Write(path, [new SafetensorsEntry("naïve.weight", [1], 0)], [1f]);

        using SafetensorsReader reader = SafetensorsReader.Open(path);
        Assert.Equal("naïve.weight", reader.Tensors.Single().Name);
        Assert.Contains("naïve", Encoding.UTF8.GetString(File.ReadAllBytes(path)));
    }
}
