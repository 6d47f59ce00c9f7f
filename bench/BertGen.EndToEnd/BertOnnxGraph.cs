using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Optimization;

namespace BertGen.Bench;

/// <summary>
/// Writes a HuggingFace <c>BertModel</c> forward (embeddings, encoder, pooler) as an ONNX graph (opset 17)
/// holding a generated model's current weights, so ONNX Runtime can run a model no package ships, on the very
/// same weights BertGen runs. The graph has the shape of a torch.onnx export of BertModel — MatMul + Add
/// linears with [in, out] weights, Reshape/Transpose head split, scaled QKᵀ plus an additive mask from
/// (1 − mask)·finfo.min, Softmax, erf GELU, LayerNormalization — which is what ORT's graph optimiser
/// recognises and fuses (attention, skip LayerNorm, bias GELU) at ORT_ENABLE_ALL.
/// </summary>
/// <remarks>
/// With <c>int8</c> every linear is written as <c>quantize_dynamic(per_channel=True)</c> writes it — the int8 peer of
/// BertGen's int8 path: <c>DynamicQuantizeLinear</c> of the input (one per input tensor, shared by Q, K and V),
/// <c>MatMulInteger</c> with the int8 weight <c>[in, out]</c> and its zero points, <c>Cast</c> to float, the product of
/// the input and weight scales as one <c>Mul</c>, then the bias <c>Add</c>; ORT fuses that into
/// <c>DynamicQuantizeMatMul</c>. The int8 weights and scales are BertGen's own (<see cref="Int8Quantizer"/>, what its
/// packer stores), so both engines multiply the same integers. Attention, softmax, LayerNorm and GELU stay fp32.
/// </remarks>
public static class BertOnnxGraph
{
    /// <summary>The graph output holding the pooler.</summary>
    public const string PoolerOutputName = "pooler_output";

    // onnx.proto field numbers and enum values used below.
    private const int FloatType = 1, Int64Type = 7;
    private const int AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    /// <summary>
    /// The ModelProto bytes for <paramref name="model"/> (described by <paramref name="descriptor"/>). Inputs are
    /// [batch, sequence] with both dimensions symbolic; the position ids are a constant for
    /// <paramref name="sequence"/> tokens, so the graph runs at that sequence length.
    /// </summary>
    public static byte[] Write(IBertModel model, ModelDescriptor descriptor, int sequence, bool int8 = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(descriptor);
        var graph = new Graph(model, int8);
        int h = model.HiddenSize;
        int layers = descriptor.Layers;
        int heads = descriptor.AttentionHeads;
        int headSize = h / heads;

        // Embeddings: word + position + token type, LayerNorm.
        graph.Constant("position_ids", [1, sequence], Range(sequence));
        graph.Node("Gather", ["embeddings.word_embeddings.weight", "input_ids"], ["word"]);
        graph.Node("Gather", ["embeddings.position_embeddings.weight", "position_ids"], ["position"]);
        graph.Node("Gather", ["embeddings.token_type_embeddings.weight", "token_type_ids"], ["token_type"]);
        graph.Node("Add", ["word", "position"], ["embed_sum0"]);
        graph.Node("Add", ["embed_sum0", "token_type"], ["embed_sum"]);
        graph.LayerNorm("embed_sum", "embeddings.LayerNorm", "hidden_in_0");

        // Additive mask [batch, 1, 1, sequence]: (1 − mask) · finfo(float32).min, as HF builds it.
        graph.Constant("unsqueeze_axes", [2], [1, 2]);
        graph.Scalar("one", 1f);
        graph.Scalar("float_min", float.MinValue);
        graph.Node("Unsqueeze", ["attention_mask", "unsqueeze_axes"], ["mask4"]);
        graph.Node("Cast", ["mask4"], ["mask4f"], ("to", FloatType));
        graph.Node("Sub", ["one", "mask4f"], ["mask_inverted"]);
        graph.Node("Mul", ["mask_inverted", "float_min"], ["mask_bias"]);

        // 0 in a Reshape target copies that input dimension, as the export's Shape/Gather/Concat chains do.
        graph.Constant("split_shape", [4], [0, 0, heads, headSize]);
        graph.Constant("merge_shape", [3], [0, 0, h]);
        graph.Scalar("score_scale", MathF.Sqrt(headSize));
        graph.Scalar("half", 0.5f);
        graph.Scalar("sqrt2", MathF.Sqrt(2f));
        for (int l = 0; l < layers; l++)
        {
            string p = $"encoder.layer.{l}.";
            string x = $"hidden_in_{l}";
            string q = graph.Linear(x, p + "attention.self.query");
            string k = graph.Linear(x, p + "attention.self.key");
            string v = graph.Linear(x, p + "attention.self.value");
            graph.Node("Reshape", [q, "split_shape"], [q + "_split"]);
            graph.Node("Transpose", [q + "_split"], [q + "_heads"], ("perm", new long[] { 0, 2, 1, 3 }));
            graph.Node("Reshape", [k, "split_shape"], [k + "_split"]);
            graph.Node("Transpose", [k + "_split"], [k + "_heads"], ("perm", new long[] { 0, 2, 3, 1 }));
            graph.Node("Reshape", [v, "split_shape"], [v + "_split"]);
            graph.Node("Transpose", [v + "_split"], [v + "_heads"], ("perm", new long[] { 0, 2, 1, 3 }));
            graph.Node("MatMul", [q + "_heads", k + "_heads"], [p + "scores_raw"]);
            graph.Node("Div", [p + "scores_raw", "score_scale"], [p + "scores_scaled"]);
            graph.Node("Add", [p + "scores_scaled", "mask_bias"], [p + "scores"]);
            graph.Node("Softmax", [p + "scores"], [p + "probs"], ("axis", -1L));
            graph.Node("MatMul", [p + "probs", v + "_heads"], [p + "context_heads"]);
            graph.Node("Transpose", [p + "context_heads"], [p + "context_t"], ("perm", new long[] { 0, 2, 1, 3 }));
            graph.Node("Reshape", [p + "context_t", "merge_shape"], [p + "context"]);
            string attention = graph.Linear(p + "context", p + "attention.output.dense");
            graph.Node("Add", [attention, x], [p + "attention_residual"]);
            graph.LayerNorm(p + "attention_residual", p + "attention.output.LayerNorm", p + "attention_out");

            // FFN with erf GELU: x · 0.5 · (1 + erf(x / √2)).
            string up = graph.Linear(p + "attention_out", p + "intermediate.dense");
            graph.Node("Div", [up, "sqrt2"], [p + "gelu_scaled"]);
            graph.Node("Erf", [p + "gelu_scaled"], [p + "gelu_erf"]);
            graph.Node("Add", [p + "gelu_erf", "one"], [p + "gelu_sum"]);
            graph.Node("Mul", [up, p + "gelu_sum"], [p + "gelu_product"]);
            graph.Node("Mul", [p + "gelu_product", "half"], [p + "gelu"]);
            string down = graph.Linear(p + "gelu", p + "output.dense");
            graph.Node("Add", [down, p + "attention_out"], [p + "output_residual"]);
            graph.LayerNorm(p + "output_residual", p + "output.LayerNorm", l + 1 < layers ? $"hidden_in_{l + 1}" : "last_hidden_state");
        }

        // Pooler: tanh(dense(first token)).
        graph.Constant("first_index", [], [0]);
        graph.Node("Gather", ["last_hidden_state", "first_index"], ["first_token"], ("axis", 1L));
        string pooled = graph.Linear("first_token", "pooler.dense");
        graph.Node("Tanh", [pooled], [PoolerOutputName]);

        return graph.Build(h);
    }

    /// <summary>
    /// One int8 linear layer, <c>y[M, N] = x[M, K]·Wᵀ + b</c> with M symbolic, in the form of <see cref="Write"/>'s
    /// int8 linears: input <c>x</c>, output <c>y</c>. <paramref name="weight"/> is the int8 <c>[N, K]</c> (HF layout),
    /// <paramref name="scales"/> one per output.
    /// </summary>
    public static byte[] WriteInt8Linear(int n, int k, sbyte[] weight, float[] scales, float[] bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(bias);
        var graph = new Graph(null, int8: true);
        graph.Int8Weight("linear.weight", n, k, weight, scales);
        graph.Floats("linear.bias", [n], bias);
        graph.Node("Identity", [graph.Linear("x", "linear")], ["y"]);
        return graph.Build(("x", ["m", k]), ("y", ["m", n]));
    }

    private static string Bare(string name) => name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;

    private static long[] Range(int count)
    {
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = i;
        }

        return values;
    }

    private sealed unsafe class Graph
    {
        private const int Int8Type = 3, Int32Type = 6;

        private readonly IBertModel? _model;
        private readonly bool _int8;
        private readonly Dictionary<string, ParameterInfo> _parameters = new(StringComparer.Ordinal);
        private readonly ProtobufWriter _graph = new();
        private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _quantizedInputs = new(StringComparer.Ordinal);
        private int _nodes;

        // A model's graph reads its parameters from the model; a lone layer's initializers are added directly.
        public Graph(IBertModel? model, bool int8)
        {
            _model = model;
            _int8 = int8;
            foreach (ParameterInfo info in model?.ParameterTable ?? [])
            {
                _parameters[Bare(info.Name)] = info;
            }
        }

        public void Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
        {
            foreach (string input in inputs)
            {
                if (_parameters.ContainsKey(input))
                {
                    Parameter(input, transpose: false);
                }
            }

            var node = new ProtobufWriter();
            foreach (string input in inputs)
            {
                node.String(1, input);
            }

            foreach (string output in outputs)
            {
                node.String(2, output);
            }

            node.String(3, $"{op}_{_nodes++}").String(4, op);
            foreach ((string name, object value) in attributes)
            {
                var attribute = new ProtobufWriter().String(1, name);
                switch (value)
                {
                    case long i: attribute.Varint(3, i).Varint(20, AttributeInt); break;
                    case int i: attribute.Varint(3, i).Varint(20, AttributeInt); break;
                    case float f: attribute.Float(2, f).Varint(20, AttributeFloat); break;
                    case long[] ints: attribute.PackedVarints(8, ints).Varint(20, AttributeInts); break;
                    default: throw new ArgumentException($"Unsupported attribute {name}.");
                }

                node.Message(5, attribute);
            }

            _graph.Message(1, node);
        }

        /// <summary>y = x · Wᵀ + b with W stored [out, in] in the model, written [in, out] for MatMul (or MatMulInteger).</summary>
        public string Linear(string x, string prefix)
        {
            if (!_int8)
            {
                string weight = Parameter(prefix + ".weight", transpose: true);
                Node("MatMul", [x, weight], [prefix + "_matmul"]);
                Node("Add", [prefix + "_matmul", prefix + ".bias"], [prefix + "_out"]);
                return prefix + "_out";
            }

            if (_model is not null && !_initializers.Contains(prefix + ".weight_quantized"))
            {
                ParameterInfo info = _parameters[prefix + ".weight"];
                (sbyte[] values, float[] scales) = Quantize(_model.Parameters.Pointer + info.Offset, info.Shape[0], info.Shape[1]);
                Int8Weight(prefix + ".weight", info.Shape[0], info.Shape[1], values, scales);
            }

            // One DynamicQuantizeLinear per input tensor, as quantize_dynamic shares it between Q, K and V.
            if (_quantizedInputs.Add(x))
            {
                Node("DynamicQuantizeLinear", [x], [x + "_quantized", x + "_scale", x + "_zero_point"]);
            }

            Node("MatMulInteger", [x + "_quantized", prefix + ".weight_quantized", x + "_zero_point", prefix + ".weight_zero_point"], [prefix + "_matmul_int32"]);
            Node("Cast", [prefix + "_matmul_int32"], [prefix + "_matmul_float"], ("to", FloatType));
            Node("Mul", [x + "_scale", prefix + ".weight_scale"], [prefix + "_scale"]);
            Node("Mul", [prefix + "_matmul_float", prefix + "_scale"], [prefix + "_matmul"]);
            Node("Add", [prefix + "_matmul", prefix + ".bias"], [prefix + "_out"]);
            return prefix + "_out";
        }

        /// <summary>An int8 weight given [out, in]: written [in, out] with its per-output scales and zero zero points.</summary>
        public void Int8Weight(string name, int rows, int columns, sbyte[] values, float[] scales)
        {
            var transposed = new sbyte[values.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    transposed[(c * rows) + r] = values[(r * columns) + c];
                }
            }

            Initializer(name + "_quantized", Int8Type, [columns, rows], MemoryMarshal.AsBytes<sbyte>(transposed));
            Initializer(name + "_scale", FloatType, [rows], MemoryMarshal.AsBytes<float>(scales));
            Initializer(name + "_zero_point", Int8Type, [rows], new byte[rows]);
        }

        /// <summary>A float initializer.</summary>
        public void Floats(string name, long[] dims, float[] values) => Initializer(name, FloatType, dims, MemoryMarshal.AsBytes<float>(values));

        public void LayerNorm(string x, string prefix, string output) =>
            Node("LayerNormalization", [x, prefix + ".weight", prefix + ".bias"], [output], ("axis", -1L), ("epsilon", 1e-12f));

        public void Constant(string name, long[] dims, long[] values)
        {
            var tensor = new ProtobufWriter().PackedVarints(1, dims).Varint(2, Int64Type).PackedVarints(7, values).String(8, name);
            _graph.Message(5, tensor);
        }

        public void Scalar(string name, float value)
        {
            var tensor = new ProtobufWriter().Varint(2, FloatType).String(8, name).Bytes(9, BitConverter.GetBytes(value));
            _graph.Message(5, tensor);
        }

        public byte[] Build(int hidden)
        {
            // Batch and sequence are symbolic, as in a torch export with dynamic axes: with every shape static, ORT
            // rewrites the linears as Gemm between reshapes and fuses differently (measured ~10% slower on MiniLM).
            foreach (string input in new[] { "input_ids", "attention_mask", "token_type_ids" })
            {
                _graph.Message(11, ValueInfo(input, Int64Type, "batch", "sequence"));
            }

            _graph.Message(12, ValueInfo("last_hidden_state", FloatType, "batch", "sequence", hidden));
            _graph.Message(12, ValueInfo(PoolerOutputName, FloatType, "batch", hidden));
            return Model("bert");
        }

        // A graph of one float input and one float output, each dimension a size or a symbolic name.
        public byte[] Build((string Name, object[] Dims) input, (string Name, object[] Dims) output)
        {
            _graph.Message(11, ValueInfo(input.Name, FloatType, input.Dims));
            _graph.Message(12, ValueInfo(output.Name, FloatType, output.Dims));
            return Model("linear");
        }

        private byte[] Model(string name)
        {
            _graph.String(2, name);
            var opset = new ProtobufWriter().String(1, "").Varint(2, 17);
            return new ProtobufWriter()
                .Varint(1, 8)
                .String(2, "BertGen.EndToEnd")
                .Message(7, _graph)
                .Message(8, opset)
                .ToArray();
        }

        private void Initializer(string name, int elementType, long[] dims, ReadOnlySpan<byte> rawData)
        {
            _initializers.Add(name);
            var tensor = new ProtobufWriter().PackedVarints(1, dims).Varint(2, elementType).String(8, name).Bytes(9, rawData);
            _graph.Message(5, tensor);
        }

        // The weight's int8 values and scales exactly as BertGen's packer computes them.
        private static (sbyte[] Values, float[] Scales) Quantize(float* weight, int rows, int columns)
        {
            var values = new sbyte[rows * columns];
            var scales = new float[rows];
            fixed (sbyte* q = values)
            {
                for (int r = 0; r < rows; r++)
                {
                    (scales[r], _) = Int8Quantizer.QuantizeWeightRow(weight + ((long)r * columns), columns, q + ((long)r * columns), VectorWidths.Best);
                }
            }

            return (values, scales);
        }

        private string Parameter(string name, bool transpose)
        {
            string onnxName = transpose ? name + "_t" : name;
            if (!_initializers.Add(onnxName))
            {
                return onnxName;
            }

            // Only a model's graph has parameters (the table is empty otherwise).
            ParameterInfo info = _parameters[name];
            var values = new ReadOnlySpan<float>(_model!.Parameters.Pointer + info.Offset, checked((int)info.Length));
            long[] dims = Array.ConvertAll(info.Shape, d => (long)d);
            if (transpose)
            {
                int rows = info.Shape[0], cols = info.Shape[1];
                var transposed = new float[values.Length];
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++)
                    {
                        transposed[(c * rows) + r] = values[(r * cols) + c];
                    }
                }

                values = transposed;
                dims = [cols, rows];
            }

            var tensor = new ProtobufWriter().PackedVarints(1, dims).Varint(2, FloatType).String(8, onnxName)
                .Bytes(9, MemoryMarshal.AsBytes(values));
            _graph.Message(5, tensor);
            return onnxName;
        }

        // Each dimension is a size (int) or a symbolic name (string).
        private static ProtobufWriter ValueInfo(string name, int elementType, params object[] dims)
        {
            var shape = new ProtobufWriter();
            foreach (object d in dims)
            {
                shape.Message(1, d is string symbol ? new ProtobufWriter().String(2, symbol) : new ProtobufWriter().Varint(1, (int)d));
            }

            var tensorType = new ProtobufWriter().Varint(1, elementType).Message(2, shape);
            var type = new ProtobufWriter().Message(1, tensorType);
            return new ProtobufWriter().String(1, name).Message(2, type);
        }
    }
}
