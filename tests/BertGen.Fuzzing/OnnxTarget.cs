using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Weights;
using BertGen.Testing;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged ONNX exports through <see cref="ParameterLoader.LoadOnnx"/>: a HuggingFace-style export of
/// <see cref="FuzzWeights"/> (named embeddings, LayerNorm and biases; the attention projection anonymous and stored
/// <c>[in, out]</c> behind MatMul + Add), damaged anywhere in its protobuf framing, names and dimensions, cut, extended,
/// or with a NaN or infinity in a tensor. Like safetensors, ONNX has no checksum, so payload bytes are only set to
/// non-finite values; all other damage is refused or harmless (the undamaged weights).
/// </summary>
public sealed class OnnxTarget : WeightFileTarget
{
    private readonly byte[] _seed;
    private readonly List<(int Start, int End)> _payloads = [];

    public OnnxTarget()
        : base("onnx", "model.onnx", weightsSeed: 12)
    {
        float[] values = Values;
        var builder = new OnnxTestModelBuilder();
        var payloads = new List<float[]>();
        foreach (ParameterInfo p in FuzzWeights.Table)
        {
            float[] tensor = values.AsSpan((int)p.Offset, (int)p.Length).ToArray();
            if (p.Name.EndsWith("query.weight", StringComparison.Ordinal))
            {
                // torch.onnx stores x·Wᵀ's weight [in, out], unnamed, and names the bias of the Add that follows.
                float[] transposed = new float[tensor.Length];
                for (int r = 0; r < p.Shape[0]; r++)
                {
                    for (int c = 0; c < p.Shape[1]; c++)
                    {
                        transposed[(c * p.Shape[0]) + r] = tensor[(r * p.Shape[1]) + c];
                    }
                }

                builder.RawFloat("onnx::MatMul_17", [p.Shape[1], p.Shape[0]], transposed)
                    .Node("MatMul", ["hidden", "onnx::MatMul_17"], ["projected"])
                    .Node("Add", ["projected", "bert.encoder.layer.0.attention.self.query.bias"], ["query"]);
                payloads.Add(transposed);
            }
            else
            {
                builder.RawFloat(p.Name, p.Shape, tensor);
                payloads.Add(tensor);
            }
        }

        _seed = builder.Build();
        foreach (float[] payload in payloads)
        {
            byte[] bytes = payload.SelectMany(BitConverter.GetBytes).ToArray();
            int at = _seed.AsSpan().IndexOf(bytes);
            _payloads.Add((at, at + bytes.Length));
        }
    }

    public override IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        List<(int Start, int End)> framing = ByteMutations.Outside(_seed.Length, _payloads);
        for (int i = 0; i < count; i++)
        {
            (int start, int end) = random.Pick(framing);
            (string mutation, byte[] bytes, FuzzExpectation expected) = random.Next(8) switch
            {
                < 4 => Damage(ByteMutations.Any(_seed, random, start, end)),
                4 => Refused(NonFinite(random)),
                5 => Refused(ByteMutations.Truncate(_seed, random, 0, _seed.Length)),
                6 => Damage(ByteMutations.Append(_seed, random)),
                _ => Damage(ByteMutations.Delete(_seed, random, 0, _seed.Length)),
            };
            yield return new FuzzCase(Family, mutation, bytes, expected);
        }
    }

    protected override void Load(string path, float[] buffer) => ParameterLoader.LoadOnnx(path, FuzzWeights.Table, buffer);

    private (string, byte[]) NonFinite(FuzzRandom random)
    {
        (int start, int end) = random.Pick(_payloads);
        int element = random.Next((end - start) / 4);
        float value = random.Pick([float.NaN, float.PositiveInfinity, float.NegativeInfinity]);
        byte[] copy = (byte[])_seed.Clone();
        BitConverter.GetBytes(value).CopyTo(copy, start + (element * 4));
        return ($"payload element {element} at byte {start} set to {value}", copy);
    }
}
