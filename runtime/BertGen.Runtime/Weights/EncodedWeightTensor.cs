using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A tensor whose elements sit little-endian in a block of bytes (a safetensors data region, an ONNX
/// <c>raw_data</c> field): converted to float32 only when copied out, so opening a file costs no copy.
/// </summary>
internal sealed class EncodedWeightTensor : WeightTensor
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public EncodedWeightTensor(string name, int[] shape, WeightDataType dataType, ReadOnlyMemory<byte> bytes)
        : base(name, shape, dataType)
    {
        long expected = ElementCount * WeightDataTypes.SizeOf(dataType);
        if (bytes.Length != expected)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(name)} of dtype {dataType} and shape {ShapeText} needs {expected} bytes but has {bytes.Length}");
        }

        _bytes = bytes;
    }

    /// <summary>The stored bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    protected override void CopyToCore(Span<float> destination) => CopyElementsTo(0, destination);

    /// <summary>Converts elements [<paramref name="start"/>, <paramref name="start"/> + destination length) into <paramref name="destination"/>.</summary>
    internal void CopyElementsTo(long start, Span<float> destination)
    {
        int size = WeightDataTypes.SizeOf(DataType);
        if (start < 0 || start + destination.Length > ElementCount)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"elements [{start}, {start + destination.Length}) are outside tensor '{Name}' of {ElementCount}");
        }

        ReadOnlySpan<byte> source = _bytes.Span.Slice(checked((int)(start * size)), destination.Length * size);
        switch (DataType)
        {
            case WeightDataType.Float32:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                }
                else
                {
                    for (int i = 0; i < destination.Length; i++)
                    {
                        destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4));
                    }
                }

                break;
            case WeightDataType.Float16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(i * 2));
                }

                break;
            case WeightDataType.BFloat16:
                // bfloat16 is the upper 16 bits of a binary32, so widening is a shift: exact, no rounding.
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2)) << 16);
                }

                break;
            default:
                throw new WeightFileException($"tensor {MessageText.Quote(Name)} has dtype {DataType}; a floating-point tensor was expected");
        }
    }

    /// <summary>Float32 elements handled between releases of a mapped source's pages: 4 MB (also the in-place scan's piece).</summary>
    internal const int ReleasePieceElements = 1 << 20;

    /// <summary>Copies in 4 MB pieces from a mapped file, releasing each piece's pages once copied.</summary>
    internal override void CopyToAndRelease(Span<float> destination)
    {
        if (!MemoryMarshal.TryGetMemoryManager(_bytes, out MappedMemory? mapped, out int byteStart, out int _) || destination.Length <= ReleasePieceElements)
        {
            base.CopyToAndRelease(destination);
            return;
        }

        // Validate once as CopyTo does, then copy piece by piece; the whole pages of each piece go back as it is done.
        CheckCopyDestination(destination);
        int size = WeightDataTypes.SizeOf(DataType);
        for (int start = 0; start < destination.Length; start += ReleasePieceElements)
        {
            int count = Math.Min(ReleasePieceElements, destination.Length - start);
            CopyElementsTo(start, destination.Slice(start, count));
            mapped.ReleasePages(byteStart + (start * size), count * size);
        }

        // Pages straddling two pieces belong wholly to neither: release them with the whole tensor's range.
        ReleaseSource();
    }

    /// <summary>Hands the mapped file pages that hold this tensor back to the OS (nothing for bytes in a managed array).</summary>
    internal override void ReleaseSource()
    {
        if (MemoryMarshal.TryGetMemoryManager(_bytes, out MappedMemory? mapped, out int start, out int length))
        {
            mapped.ReleasePages(start, length);
        }
    }
}
