using System;
using System.Collections.Generic;
using BertGen.Runtime;
using BertGen.Runtime.Memory;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// A small parameter table with every kind of tensor, lengths that leave vector tails (37, 19, 259) and offsets
/// rounded up to 16 floats like the generator's, so the buffers have alignment padding between tensors.
/// </summary>
internal static class OptimizerTestTensors
{
    public static readonly ParameterInfo[] Table = Build(
        ("embeddings.word_embeddings.weight", new[] { 50, 16 }, ParameterKind.Embedding),
        ("embeddings.LayerNorm.weight", new[] { 19 }, ParameterKind.LayerNormWeight),
        ("embeddings.LayerNorm.bias", new[] { 19 }, ParameterKind.LayerNormBias),
        ("encoder.dense.weight", new[] { 7, 37 }, ParameterKind.Weight),
        ("encoder.dense.bias", new[] { 37 }, ParameterKind.Bias),
        ("classifier.weight", new[] { 3, 5 }, ParameterKind.Weight));

    public static long BufferLength
    {
        get
        {
            ParameterInfo last = Table[^1];
            return (last.Offset + last.Length + 15) / 16 * 16;
        }
    }

    /// <summary>Fills every parameter with N(0, 1) and every gap between tensors with NaN (nothing may read it).</summary>
    public static AlignedBuffer RandomBuffer(ulong seed, double scale)
    {
        var buffer = new AlignedBuffer(BufferLength);
        buffer.AsSpan().Fill(float.NaN);
        var random = new SeededRandom(seed);
        foreach (ParameterInfo p in Table)
        {
            Span<float> values = buffer.Slice(p.Offset, (int)p.Length);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(scale * random.NextGaussian());
            }
        }

        return buffer;
    }

    public static float[] Values(AlignedBuffer buffer, ParameterInfo p) => buffer.Slice(p.Offset, (int)p.Length).ToArray();

    private static ParameterInfo[] Build(params (string Name, int[] Shape, ParameterKind Kind)[] tensors)
    {
        var table = new List<ParameterInfo>();
        long offset = 0;
        foreach ((string name, int[] shape, ParameterKind kind) in tensors)
        {
            var info = new ParameterInfo(name, offset, shape, kind);
            table.Add(info);
            offset = (offset + info.Length + 15) / 16 * 16;
        }

        return table.ToArray();
    }
}
