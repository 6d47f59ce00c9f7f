using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using BertGen.Runtime;

namespace BertGen.Fuzzing;

/// <summary>
/// A small BERT-named parameter set (embeddings, an attention projection, a LayerNorm, the MLM bias) with seeded
/// values: the undamaged weights every weight-file target starts from, written here by hand from the formats'
/// definitions rather than by the runtime's writers, so the readers are checked against an independent author.
/// </summary>
public static class FuzzWeights
{
    public const int Vocab = 50;
    public const int Hidden = 8;

    /// <summary>Name, shape, kind; offsets padded to 16 floats as generated tables are.</summary>
    public static IReadOnlyList<ParameterInfo> Table { get; } = BuildTable(
        ("bert.embeddings.word_embeddings.weight", [Vocab, Hidden], ParameterKind.Embedding),
        ("bert.embeddings.LayerNorm.weight", [Hidden], ParameterKind.LayerNormWeight),
        ("bert.embeddings.LayerNorm.bias", [Hidden], ParameterKind.LayerNormBias),
        ("bert.encoder.layer.0.attention.self.query.weight", [Hidden, Hidden], ParameterKind.Weight),
        ("bert.encoder.layer.0.attention.self.query.bias", [Hidden], ParameterKind.Bias),
        ("cls.predictions.bias", [Vocab], ParameterKind.Bias));

    /// <summary>Floats in the whole (padded) buffer.</summary>
    public static long BufferLength => Table[^1].Offset + Table[^1].Length;

    /// <summary>The values of the undamaged weights, in the padded buffer layout (padding 0).</summary>
    public static float[] Values(ulong seed)
    {
        var values = new float[BufferLength];
        var random = new SeededRandom(seed);
        foreach (ParameterInfo p in Table)
        {
            for (long i = 0; i < p.Length; i++)
            {
                values[p.Offset + i] = (float)(random.NextGaussian() * 0.5);
            }
        }

        return values;
    }

    /// <summary>A safetensors file of <paramref name="values"/> (F32, HF names), written from the format's definition.</summary>
    public static byte[] Safetensors(float[] values)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new MemoryStream();
        foreach (ParameterInfo p in Table)
        {
            long begin = data.Length;
            foreach (float v in values.AsSpan((int)p.Offset, (int)p.Length))
            {
                data.Write(BitConverter.GetBytes(v));
            }

            header.Append(CultureInfo.InvariantCulture, $",\"{p.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", p.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }

        header.Append('}');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data.ToArray()];
    }

    private static List<ParameterInfo> BuildTable(params (string Name, int[] Shape, ParameterKind Kind)[] entries)
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
}
