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

    private static long IndexOfExponentAllOnes(ReadOnlySpan<byte> bytes, uint exponent) =>
        IndexOfAllOnes(MemoryMarshal.Cast<byte, uint>(bytes), BitConverter.IsLittleEndian ? exponent : BinaryPrimitives.ReverseEndianness(exponent));

    private static long IndexOfExponentAllOnes16(ReadOnlySpan<byte> bytes, ushort exponent) =>
        IndexOfAllOnes(MemoryMarshal.Cast<byte, ushort>(bytes), BitConverter.IsLittleEndian ? exponent : BinaryPrimitives.ReverseEndianness(exponent));

    // The values are little-endian in the file; the mask is given in the machine's view of those bytes, so one
    // comparison serves either byte order.
    private static long IndexOfAllOnes<T>(ReadOnlySpan<T> values, T mask)
        where T : unmanaged, IBinaryInteger<T>
    {
        int at = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var masks = new Vector<T>(mask);
            ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
            while (at < vectors.Length && !Vector.EqualsAny(vectors[at] & masks, masks))
            {
                at++;
            }

            at *= Vector<T>.Count;
        }

        for (; at < values.Length; at++)
        {
            if ((values[at] & mask) == mask)
            {
                return at;
            }
        }

        return -1;
    }
}
