using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A safetensors file of a model whose linear weights are stored quantised for the int8 GEMM, so a service
/// starts without quantising: each listed weight <c>W[out, in]</c> is written as <c>…weight</c> (I8, the same
/// <c>[out, in]</c> shape and HF name) plus <c>…weight_scale</c> (F32 <c>[out, 1]</c>), with
/// <c>W ≈ weight_scale · weight</c> row by row — the symmetric per-output-channel scheme of ONNX Runtime's
/// <c>quantize_dynamic(per_channel=True)</c>, under the names the compressed-tensors format gives it. Every other
/// parameter stays F32 under its usual name. The bytes are exactly what <see cref="Int8LinearPacker.Pack"/>
/// computes from the fp32 weights, so packing from this file gives the same packed weights bit for bit.
/// </summary>
/// <remarks>
/// Float tensors come first in the file, int8 ones after, so every F32 tensor stays 4-byte aligned in a mapping
/// (the safetensors reference writer orders by alignment for the same reason). The int8 values are read in
/// place: <see cref="Int8Weight"/> points into the mapping, valid until the file is disposed.
/// </remarks>
internal sealed unsafe class QuantizedWeightsFile : IDisposable
{
    /// <summary>Suffix of a quantised weight's scale tensor: <c>…query.weight</c> → <c>…query.weight_scale</c>.</summary>
    public const string ScaleSuffix = "_scale";

    /// <summary>The <c>__metadata__</c> entry that says how the int8 tensors were quantised.</summary>
    public const string QuantizationMetadataKey = "quantization";

    /// <summary>Its value.</summary>
    public const string QuantizationMetadataValue = "int8 weights, symmetric per output channel (weight_scale [out, 1]); activations quantised per token at run time";

    private readonly SafetensorsReader _reader;
    private readonly Dictionary<string, WeightTensor> _byCanonicalName = new(StringComparer.Ordinal);

    private QuantizedWeightsFile(SafetensorsReader reader)
    {
        _reader = reader;
        foreach (WeightTensor tensor in reader.Tensors)
        {
            _byCanonicalName[HuggingFaceNames.Canonical(tensor.Name)] = tensor;
        }
    }

    /// <summary>The file's path.</summary>
    public string Path => _reader.Path;

    /// <summary>The <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _reader.Metadata;

    /// <summary>
    /// Writes <paramref name="parameters"/> laid out by <paramref name="table"/> to <paramref name="path"/>,
    /// atomically, with the weights named in <paramref name="quantizedWeights"/> (2-D entries of the table)
    /// quantised to int8 on the way, one row at a time. Cancelled, it stops before the next tensor and leaves no file behind
    /// (nor its temporary one); a file at <paramref name="path"/> before stays as it was.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the file was complete.</exception>
    public static void Save(string path, IReadOnlyList<ParameterInfo> table, ReadOnlySpan<float> parameters, IReadOnlyCollection<string> quantizedWeights,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(quantizedWeights);
        var quantized = new HashSet<string>(quantizedWeights.Select(HuggingFaceNames.Canonical), StringComparer.Ordinal);
        foreach (string name in quantized)
        {
            if (!table.Any(p => HuggingFaceNames.Canonical(p.Name) == name))
            {
                throw new WeightFileException($"'{name}' is to be quantised but is not a parameter of this model");
            }
        }

        foreach (ParameterInfo parameter in table)
        {
            if (parameter.Offset < 0 || parameter.Offset + parameter.Length > parameters.Length)
            {
                throw new WeightFileException($"parameter '{parameter.Name}' spans floats [{parameter.Offset}, {parameter.Offset + parameter.Length}) outside a buffer of {parameters.Length}");
            }

            if (quantized.Contains(HuggingFaceNames.Canonical(parameter.Name)) && parameter.Shape.Length != 2)
            {
                throw new WeightFileException($"parameter '{parameter.Name}' of shape {WeightTensor.FormatShape(parameter.Shape)} cannot be quantised per output channel: a linear weight [out, in] can");
            }
        }

        fixed (float* start = parameters)
        {
            // The buffer stays pinned while the file is written; each tensor captures its address.
            nint address = (nint)start;
            var floats = new List<SafetensorsTensorData>();
            var int8 = new List<SafetensorsTensorData>();
            foreach (ParameterInfo parameter in table)
            {
                nint values = address + (nint)(parameter.Offset * sizeof(float));
                if (!quantized.Contains(HuggingFaceNames.Canonical(parameter.Name)))
                {
                    int length = checked((int)parameter.Length);
                    floats.Add(new SafetensorsTensorData(parameter.Name, WeightDataType.Float32, parameter.Shape, stream =>
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        SafetensorsWriter.WriteFloats(stream, new ReadOnlySpan<float>((void*)values, length));
                    }));
                    continue;
                }

                int rows = parameter.Shape[0], columns = parameter.Shape[1];
                floats.Add(new SafetensorsTensorData(parameter.Name + ScaleSuffix, WeightDataType.Float32, [rows, 1],
                    stream => WriteQuantizedRows(stream, (float*)values, rows, columns, scales: true, cancellationToken)));
                int8.Add(new SafetensorsTensorData(parameter.Name, WeightDataType.Int8, parameter.Shape,
                    stream => WriteQuantizedRows(stream, (float*)values, rows, columns, scales: false, cancellationToken)));
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["format"] = "pt",
                [QuantizationMetadataKey] = QuantizationMetadataValue,
            };
            SafetensorsWriter.Write(path, [.. floats, .. int8], metadata);
        }
    }

    /// <summary>Opens and validates the safetensors file at <paramref name="path"/> (mapped, read in place).</summary>
    public static QuantizedWeightsFile Open(string path) => new(SafetensorsReader.Open(path));

    /// <summary>
    /// Fills <paramref name="buffer"/> at the offsets of <paramref name="table"/> with every parameter except the
    /// <paramref name="quantizedWeights"/>, whose int8 values and scales must be in the file with their table
    /// shapes (read them with <see cref="Int8Weight"/>); their slots in the buffer are left as they are. Throws
    /// <see cref="WeightFileException"/> naming the first missing, misshapen, mistyped or unknown tensor.
    /// </summary>
    /// <param name="table">The model's parameters.</param>
    /// <param name="buffer">The model's parameter buffer.</param>
    /// <param name="quantizedWeights">The weights stored int8, read with <see cref="Int8Weight"/>.</param>
    /// <param name="readInPlace">F32 tensors the model reads from the mapping instead (<see cref="Float32InPlace"/>): not copied.</param>
    /// <remarks>An encoder's table leaves out the file's task-head tensors, int8 or not (<see cref="HuggingFaceNames.LeftOutBy"/>).</remarks>
    public void LoadParameters(IReadOnlyList<ParameterInfo> table, Span<float> buffer, IReadOnlyCollection<string> quantizedWeights,
        IReadOnlyCollection<string>? readInPlace = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(quantizedWeights);
        Func<string, bool> leftOut = HuggingFaceNames.LeftOutBy(table);
        var quantized = new HashSet<string>(quantizedWeights.Select(HuggingFaceNames.Canonical), StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var inPlace = new HashSet<string>((readInPlace ?? []).Select(HuggingFaceNames.Canonical), StringComparer.Ordinal);
        foreach (string name in quantized)
        {
            ParameterInfo parameter = table.FirstOrDefault(p => HuggingFaceNames.Canonical(p.Name) == name)
                ?? throw new WeightFileException($"'{name}' is listed as quantised but is not a parameter of this model");
            Int8WeightView view = Int8Weight(name);
            if (parameter.Shape.Length != 2 || view.Rows != parameter.Shape[0] || view.Columns != parameter.Shape[1])
            {
                throw new WeightFileException($"int8 tensor '{name}' has shape [{view.Rows}, {view.Columns}] but parameter '{parameter.Name}' needs {WeightTensor.FormatShape(parameter.Shape)}");
            }

            skipped.Add(name);
            skipped.Add(name + ScaleSuffix);
        }

        foreach (WeightTensor tensor in _reader.Tensors)
        {
            string canonical = HuggingFaceNames.Canonical(tensor.Name);
            if (tensor.DataType == WeightDataType.Int8 && !skipped.Contains(canonical) && !leftOut(canonical))
            {
                throw new WeightFileException(table.Any(p => HuggingFaceNames.Canonical(p.Name) == canonical)
                    ? $"tensor '{tensor.Name}' in '{Path}' is int8 but the model expects it in float"
                    : $"tensor '{tensor.Name}' in '{Path}' is not a parameter of this model");
            }
        }

        // The float tensors copied into the buffer: neither quantised (nor their scales) nor read in place (the load leaves out
        // a task head's float tensors itself).
        bool Copied(string name)
        {
            string canonical = HuggingFaceNames.Canonical(name);
            return !skipped.Contains(canonical) && !quantized.Contains(canonical) && !inPlace.Contains(canonical);
        }

        ParameterLoader.Load(_reader.Tensors.Where(t => Copied(t.Name)), table.Where(p => Copied(p.Name)).ToList(), buffer);
    }

    /// <summary>
    /// The address of F32 tensor <paramref name="name"/> in the mapping, for a model to read in place (valid until the file
    /// is disposed), after checking every value is finite — in 4 MB pieces whose pages are dropped once scanned, so only
    /// the rows later read become resident again. Zero when the file holds it in another dtype or shape, or not at all
    /// (<see cref="LoadParameters"/> then loads or refuses it as usual).
    /// </summary>
    public nint Float32InPlace(string name, IReadOnlyList<int> shape)
    {
        if (!_byCanonicalName.TryGetValue(HuggingFaceNames.Canonical(name), out WeightTensor? tensor)
            || tensor.DataType != WeightDataType.Float32 || !tensor.Shape.SequenceEqual(shape)
            || !MemoryMarshal.TryGetMemoryManager(((EncodedWeightTensor)tensor).Bytes, out MappedMemory? mapped, out int start, out int _))
        {
            return 0;
        }

        ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(((EncodedWeightTensor)tensor).Bytes.Span);
        const int Piece = EncodedWeightTensor.ReleasePieceElements;
        for (int at = 0; at < values.Length; at += Piece)
        {
            int count = Math.Min(Piece, values.Length - at);
            long bad = NonFiniteScan.IndexOf(values.Slice(at, count));
            if (bad >= 0)
            {
                throw new WeightFileException(
                    $"tensor {MessageText.Quote(tensor.Name)} holds {NonFiniteScan.Describe(values[at + (int)bad])} at {WeightTensor.FormatIndex(tensor.Shape, at + bad)}: weights must be finite numbers");
            }

            mapped.ReleasePages(start + (at * sizeof(float)), count * sizeof(float));
        }

        tensor.ReleaseSource();
        return Address(tensor);
    }

    /// <summary>
    /// The int8 values and scales of the quantised weight <paramref name="name"/> (HF spelling variants
    /// accepted), pointing into the mapped file, for <see cref="Int8LinearPacker.PackQuantized"/>.
    /// </summary>
    public Int8WeightView Int8Weight(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string canonical = HuggingFaceNames.Canonical(name);
        if (!_byCanonicalName.TryGetValue(canonical, out WeightTensor? values))
        {
            throw new WeightFileException($"'{Path}' has no tensor '{name}'");
        }

        if (values.DataType != WeightDataType.Int8 || values.Shape.Count != 2)
        {
            throw new WeightFileException($"tensor '{values.Name}' in '{Path}' is {WeightDataTypes.SafetensorsName(values.DataType)} {values.ShapeText}; a quantised weight is I8 [out, in]");
        }

        int rows = values.Shape[0], columns = values.Shape[1];
        if (!_byCanonicalName.TryGetValue(canonical + ScaleSuffix, out WeightTensor? scales))
        {
            throw new WeightFileException($"int8 tensor '{values.Name}' in '{Path}' has no scale tensor '{values.Name}{ScaleSuffix}'");
        }

        bool scaleShape = scales.Shape.Count switch
        {
            1 => scales.Shape[0] == rows,
            2 => scales.Shape[0] == rows && scales.Shape[1] == 1,
            _ => false,
        };
        if (scales.DataType != WeightDataType.Float32 || !scaleShape)
        {
            throw new WeightFileException($"scale tensor '{scales.Name}' in '{Path}' is {WeightDataTypes.SafetensorsName(scales.DataType)} {scales.ShapeText}; it must be F32 [{rows}, 1]");
        }

        // A NaN or infinite scale makes its whole output channel NaN: refused like a non-finite float weight.
        ReadOnlySpan<float> scaleValues = MemoryMarshal.Cast<byte, float>(((EncodedWeightTensor)scales).Bytes.Span);
        long bad = NonFiniteScan.IndexOf(scaleValues);
        if (bad >= 0)
        {
            throw new WeightFileException($"scale tensor {MessageText.Quote(scales.Name)} in '{Path}' holds {NonFiniteScan.Describe(scaleValues[(int)bad])} at row {bad}: scales must be finite numbers");
        }

        RequireScalesAQuantiserWrites(values, scales, scaleValues, columns);
        return new Int8WeightView(rows, columns, Address(values), Address(scales));
    }

    // A scale is max|w| / 127 of its row, so what no quantiser writes is refused: a negative one (−1e30 loaded, and flipped
    // and blew up a channel without a word), 0 beside values that are not (they became 0, a silently different model),
    // and one so large that scale · q passes ±3.4e38, an infinity in all but name, refused as an fp32 file's infinity is
    // (the kernels would turn it into a finite but meaningless answer). Only a row whose scale is 0 or exceeds
    // float.MaxValue / 128, beyond which some int8 value could overflow, has its values looked at.
    private void RequireScalesAQuantiserWrites(WeightTensor values, WeightTensor scales, ReadOnlySpan<float> scaleValues, int columns)
    {
        ReadOnlySpan<sbyte> quantized = MemoryMarshal.Cast<byte, sbyte>(((EncodedWeightTensor)values).Bytes.Span);
        for (int row = 0; row < scaleValues.Length; row++)
        {
            float scale = scaleValues[row];
            if (scale < 0)
            {
                throw new WeightFileException(string.Create(CultureInfo.InvariantCulture,
                    $"scale tensor {MessageText.Quote(scales.Name)} in '{Path}' holds {scale:R} at row {row}: a scale is its row's largest |weight| / 127, never negative"));
            }

            ReadOnlySpan<sbyte> rowValues = quantized.Slice(row * columns, columns);
            if (scale == 0 && rowValues.ContainsAnyExcept((sbyte)0))
            {
                throw new WeightFileException(string.Create(CultureInfo.InvariantCulture,
                    $"scale tensor {MessageText.Quote(scales.Name)} in '{Path}' holds 0 at row {row}, whose values in {MessageText.Quote(values.Name)} are not all 0: a scale of 0 would make them 0"));
            }

            if (scale <= float.MaxValue / 128)
            {
                continue;
            }

            for (int column = 0; column < columns; column++)
            {
                if (float.IsInfinity(scale * Math.Abs((int)rowValues[column])))
                {
                    throw new WeightFileException(string.Create(CultureInfo.InvariantCulture,
                        $"scale tensor {MessageText.Quote(scales.Name)} in '{Path}' holds {scaleValues[row]:R} at row {row}: times the value {rowValues[column]} of {MessageText.Quote(values.Name)} at [{row}, {column}] it is a weight beyond float32's range; weights must be finite numbers"));
                }
            }
        }
    }

    /// <summary>
    /// Drops the pages of quantised weight <paramref name="name"/> and its scales from the resident set once it is packed,
    /// so loading holds one layer of the file at a time; the bytes stay readable from the file.
    /// </summary>
    public void ReleaseInt8Weight(string name)
    {
        string canonical = HuggingFaceNames.Canonical(name);
        foreach (string tensor in new[] { canonical, canonical + ScaleSuffix })
        {
            if (_byCanonicalName.TryGetValue(tensor, out WeightTensor? found))
            {
                found.ReleaseSource();
            }
        }
    }

    /// <summary>Unmaps the file; views obtained from it must not be read afterwards.</summary>
    public void Dispose() => _reader.Dispose();

    // Where a tensor's bytes are in the mapping (which never moves).
    private static nint Address(WeightTensor tensor)
    {
        fixed (byte* bytes = ((EncodedWeightTensor)tensor).Bytes.Span)
        {
            return (nint)bytes;
        }
    }

    // One quantised tensor's bytes, row by row: the scales ([rows, 1] float32) or the int8 values ([rows, k]).
    private static void WriteQuantizedRows(Stream stream, float* weights, int rows, int k, bool scales, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        sbyte* row = (sbyte*)NativeMemory.Alloc((nuint)k);
        try
        {
            for (int r = 0; r < rows; r++)
            {
                (float scale, int _) = Int8Quantizer.QuantizeWeightRow(weights + ((long)r * k), k, row, VectorWidths.Best);
                if (scales)
                {
                    SafetensorsWriter.WriteFloats(stream, [scale]);
                }
                else
                {
                    stream.Write(new ReadOnlySpan<byte>(row, k));
                }
            }
        }
        finally
        {
            NativeMemory.Free(row);
        }
    }
}

/// <summary>
/// One quantised linear weight read in place from a <see cref="QuantizedWeightsFile"/>: <see cref="Rows"/> ×
/// <see cref="Columns"/> int8 values row-major at <see cref="Values"/> and one float32 scale per row at
/// <see cref="Scales"/> (possibly unaligned), as <see cref="Int8LinearPacker.PackQuantized"/> takes them.
/// </summary>
/// <param name="Rows">Output features.</param>
/// <param name="Columns">Input features.</param>
/// <param name="Values">Address of the int8 values.</param>
/// <param name="Scales">Address of the float32 scales.</param>
internal readonly record struct Int8WeightView(int Rows, int Columns, nint Values, nint Scales);
