using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using BertGen.Runtime.Weights;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged safetensors files through <see cref="ParameterLoader.LoadSafetensors"/>: the header's bytes, its length
/// field, JSON edits (dtypes, shapes, offsets, names, metadata, nesting, huge numbers), NaN and infinities in the data,
/// cuts and appended bytes. A plain safetensors file has no checksum, so a changed weight value is a different valid
/// model: data bytes are only ever set to non-finite values (always refused). Everything else is refused, or accepted
/// with the undamaged weights; equivalent edits (reordered keys, padding, legacy names) must be accepted so.
/// </summary>
public sealed class SafetensorsTarget : WeightFileTarget
{
    private readonly byte[] _seed;

    public SafetensorsTarget()
        : base("safetensors", "weights.safetensors", weightsSeed: 11)
    {
        _seed = FuzzWeights.Safetensors(Values);
    }

    public override IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(_seed, 0);
        for (int i = 0; i < count; i++)
        {
            (string mutation, byte[] bytes, FuzzExpectation expected) = random.Next(10) switch
            {
                0 or 1 => Damage(ByteMutations.Any(_seed, random, 8, headerEnd)),
                2 => Damage(LengthField(random)),
                3 or 4 => HeaderEdit(random),
                5 => Equivalent(random),
                6 => Refused(NonFinite(random)),
                7 => Refused(ByteMutations.Truncate(_seed, random, headerEnd, _seed.Length)),
                8 => Refused(ByteMutations.Append(_seed, random)),
                _ => Damage(ByteMutations.Truncate(_seed, random, 0, headerEnd)),
            };
            yield return new FuzzCase(Family, mutation, bytes, expected);
        }
    }

    protected override void Load(string path, float[] buffer) => ParameterLoader.LoadSafetensors(path, FuzzWeights.Table, buffer);

    private (string, byte[]) LengthField(FuzzRandom random)
    {
        ulong length = BitConverter.ToUInt64(_seed, 0);
        ulong[] choices = [0, 1, length - 1, length + 1, length + 8, 100_000_001, ulong.MaxValue, 1UL << 63, (ulong)_seed.Length, random.NextUInt64()];
        ulong value = random.Pick(choices);
        byte[] copy = (byte[])_seed.Clone();
        BitConverter.GetBytes(value).CopyTo(copy, 0);
        return ($"header length {length} → {value}", copy);
    }

    /// <summary>The header as a JSON object and the data after it.</summary>
    private (JsonObject Header, byte[] Data) Split()
    {
        int headerLength = (int)BitConverter.ToUInt64(_seed, 0);
        var header = (JsonObject)JsonNode.Parse(_seed.AsSpan(8, headerLength))!;
        return (header, _seed[(8 + headerLength)..]);
    }

    private static byte[] Join(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data];
    }

    private (string, byte[], FuzzExpectation) HeaderEdit(FuzzRandom random)
    {
        (JsonObject header, byte[] data) = Split();
        string[] names = header.Where(p => p.Key != "__metadata__").Select(p => p.Key).ToArray();
        string name = random.Pick(names);
        JsonObject entry = header[name]!.AsObject();
        string mutation;
        switch (random.Next(9))
        {
            case 0:
                JsonNode? dtype = random.Pick(Odd(["F64", "I64", "BF16", "F16", "U8", "", "f32", "F32\u001b[2J", "F32 "]));
                entry["dtype"] = dtype;
                mutation = $"dtype of {name} → {dtype?.ToJsonString() ?? "null"}";
                break;
            case 1:
            {
                JsonArray shape = entry["shape"]!.AsArray();
                int at = random.Next(shape.Count);
                JsonNode? value = random.Pick(Huge());
                shape[at] = value;
                mutation = $"shape[{at}] of {name} → {value?.ToJsonString() ?? "null"}";
                break;
            }

            case 2:
            {
                JsonArray shape = entry["shape"]!.AsArray();
                if (random.Next(2) == 0 || shape.Count == 1)
                {
                    shape.Add(1 + random.Next(3));
                    mutation = $"shape of {name} gains a dimension";
                }
                else
                {
                    entry["shape"] = new JsonArray(shape.Reverse().Select(d => (JsonNode?)d!.GetValue<int>()).ToArray());
                    mutation = $"shape of {name} reversed";
                }

                break;
            }

            case 3:
            {
                JsonArray offsets = entry["data_offsets"]!.AsArray();
                int at = random.Next(2);
                JsonNode? value = random.Pick(Huge().Append(JsonValue.Create(offsets[at]!.ToJsonString())).ToArray());
                offsets[at] = value;
                mutation = $"data_offsets[{at}] of {name} → {value?.ToJsonString() ?? "null"}";
                break;
            }

            case 4:
            {
                string renamed = random.Pick(["", "__metadata__", new string('n', 100_000), "\u001b]0;pwned\u0007", "bert.embeddings.word_embeddings.weight ", name + "\u200b", name.ToUpperInvariant()]);
                JsonNode moved = entry.DeepClone();
                header.Remove(name);
                header[renamed] = moved;
                mutation = $"{name} renamed to a {renamed.Length}-character name";
                break;
            }

            case 5:
                header.Remove(name);
                mutation = $"entry {name} deleted";
                break;
            case 6:
                header["extra.weight"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(0), ["data_offsets"] = new JsonArray(data.Length, data.Length) };
                mutation = "an empty extra tensor";
                break;
            case 7:
            {
                // Written as text: System.Text.Json will not even serialise past 64 levels.
                int depth = random.Pick([10, 100, 1000, 100_000]);
                string text = header.ToJsonString().Replace("\"format\":\"pt\"", $"\"format\":\"pt\",\"deep\":{new string('[', depth)}{new string(']', depth)}", StringComparison.Ordinal);
                return ($"metadata nested {depth} deep", Join(text, data), FuzzExpectation.RejectOrSame(Answer));
            }

            default:
            {
                // A key with bytes that are not UTF-8 (written by editing the serialised text).
                string text = header.ToJsonString();
                byte[] json = Encoding.UTF8.GetBytes(text);
                int at = Encoding.UTF8.GetBytes(text[..(text.IndexOf(name, StringComparison.Ordinal) + 2)]).Length;
                json[at] = random.Pick(new byte[] { 0xFF, 0xC0, 0x80, 0xED });
                return ($"invalid UTF-8 byte in the name {name}", [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data], FuzzExpectation.RejectOrSame(Answer));
            }
        }

        return (mutation, Join(header.ToJsonString(), data), FuzzExpectation.RejectOrSame(Answer));
    }

    /// <summary>Edits that change the bytes but not the meaning: the weights must load exactly as before.</summary>
    private (string, byte[], FuzzExpectation) Equivalent(FuzzRandom random)
    {
        (JsonObject header, byte[] data) = Split();
        string mutation;
        string text;
        switch (random.Next(4))
        {
            case 0:
            {
                var shuffled = new JsonObject();
                foreach (KeyValuePair<string, JsonNode?> p in header.OrderBy(_ => random.Next(1000)).ToList())
                {
                    header.Remove(p.Key);
                    shuffled[p.Key] = p.Value;
                }

                text = shuffled.ToJsonString();
                mutation = "header keys reordered";
                break;
            }

            case 1:
                int spaces = random.Next(1, 64);
                text = header.ToJsonString() + new string(' ', spaces);
                mutation = $"header padded with {spaces} spaces";
                break;
            case 2:
            {
                // Older files spell LayerNorm's parameters gamma and beta; bare BertModel files drop "bert.".
                string[] renames = ["bert.embeddings.LayerNorm.weight→bert.embeddings.LayerNorm.gamma", "bert.embeddings.LayerNorm.bias→bert.embeddings.LayerNorm.beta", "bert.encoder.layer.0.attention.self.query.bias→encoder.layer.0.attention.self.query.bias"];
                string[] rename = random.Pick(renames).Split('→');
                JsonNode moved = header[rename[0]]!.DeepClone();
                header.Remove(rename[0]);
                header[rename[1]] = moved;
                text = header.ToJsonString();
                mutation = $"{rename[0]} spelt {rename[1]}";
                break;
            }

            default:
                header["__metadata__"]!.AsObject()["note"] = "\u001b[31m hostile but harmless metadata";
                text = header.ToJsonString();
                mutation = "a metadata entry added";
                break;
        }

        return (mutation, Join(text, data), FuzzExpectation.Accept(Answer));
    }

    private (string, byte[]) NonFinite(FuzzRandom random)
    {
        (JsonObject header, _) = Split();
        int headerEnd = 8 + (int)BitConverter.ToUInt64(_seed, 0);
        string name = random.Pick(header.Where(p => p.Key != "__metadata__").Select(p => p.Key).ToArray());
        JsonArray offsets = header[name]!["data_offsets"]!.AsArray();
        int begin = offsets[0]!.GetValue<int>();
        int element = random.Next((offsets[1]!.GetValue<int>() - begin) / 4);
        float value = random.Pick([float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234)]);
        byte[] copy = (byte[])_seed.Clone();
        BitConverter.GetBytes(value).CopyTo(copy, headerEnd + begin + (element * 4));
        return ($"element {element} of {name} set to {value}", copy);
    }

    private static JsonNode?[] Huge() =>
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(int.MaxValue), JsonValue.Create(1L << 31), JsonValue.Create(1L << 40),
        JsonValue.Create(long.MaxValue), JsonValue.Create(1e300), JsonValue.Create(8.5), JsonValue.Create("8"), null, new JsonArray(8), JsonValue.Create(true),
    ];

    private static JsonNode?[] Odd(string[] strings) => [.. strings.Select(s => (JsonNode?)JsonValue.Create(s)), JsonValue.Create(7), null];
}
