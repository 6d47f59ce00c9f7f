using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Finds the first NaN or infinity among stored floating-point elements without converting them: an IEEE value is
/// non-finite exactly when its exponent bits are all ones (binary32 0x7F800000, binary16 0x7C00, bfloat16 0x7F80).
/// A weight file is scanned before anything is loaded, because one NaN anywhere, even in an unused embedding row,
/// reaches every output through the tied MLM decoder or a LayerNorm and turns answers into NaN without an error.
/// </summary>
internal static class NonFiniteScan
{
    /// <summary>Index of the first non-finite element of little-endian <paramref name="type"/> values in <paramref name="bytes"/>, or −1.</summary>
    public static long IndexOf(ReadOnlySpan<byte> bytes, WeightDataType type) => type switch
    {
        WeightDataType.Float32 => IndexOfExponentAllOnes(bytes, 0x7F800000u),
        WeightDataType.Float16 => IndexOfExponentAllOnes16(bytes, 0x7C00),
        WeightDataType.BFloat16 => IndexOfExponentAllOnes16(bytes, 0x7F80),
        _ => -1,
    };

    /// <summary>Index of the first non-finite value in <paramref name="values"/>, or −1.</summary>
    public static long IndexOf(ReadOnlySpan<float> values) => IndexOfExponentAllOnes(MemoryMarshal.AsBytes(values), 0x7F800000u);

    /// <summary>"NaN", "+infinity" or "−infinity", for messages.</summary>
    public static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+infinity" : "-infinity";

    private static long IndexOfExponentAllOnes(ReadOnlySpan<byte> bytes, uint exponent)
    {
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i + 4 <= bytes.Length; i += 4)
            {
                if ((BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(i)) & exponent) == exponent)
                {
                    return i / 4;
                }
            }

            return -1;
        }

        ReadOnlySpan<uint> words = MemoryMarshal.Cast<byte, uint>(bytes);
        var mask = new Vector<uint>(exponent);
        int at = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<uint>> vectors = MemoryMarshal.Cast<uint, Vector<uint>>(words);
            for (; at < vectors.Length; at++)
            {
                if (Vector.EqualsAny(vectors[at] & mask, mask))
                {
                    break;
                }
            }

            at *= Vector<uint>.Count;
        }

        for (; at < words.Length; at++)
        {
            if ((words[at] & exponent) == exponent)
            {
                return at;
            }
        }

        return -1;
    }

    private static long IndexOfExponentAllOnes16(ReadOnlySpan<byte> bytes, ushort exponent)
    {
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i + 2 <= bytes.Length; i += 2)
            {
                if ((BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i)) & exponent) == exponent)
                {
                    return i / 2;
                }
            }

            return -1;
        }

        ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(bytes);
        var mask = new Vector<ushort>(exponent);
        int at = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<ushort>> vectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(halves);
            for (; at < vectors.Length; at++)
            {
                if (Vector.EqualsAny(vectors[at] & mask, mask))
                {
                    break;
                }
            }

            at *= Vector<ushort>.Count;
        }

        for (; at < halves.Length; at++)
        {
            if ((halves[at] & exponent) == exponent)
            {
                return at;
            }
        }

        return -1;
    }
}
