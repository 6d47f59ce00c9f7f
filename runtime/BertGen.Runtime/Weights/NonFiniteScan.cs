using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Finds the first NaN or infinity among float32 values: a binary32 value is non-finite exactly when its exponent bits
/// are all ones (0x7F800000). A weight file is refused for one, because one NaN anywhere, even in an unused embedding
/// row, reaches every output through the tied MLM decoder or a LayerNorm and turns answers into NaN without an error.
/// </summary>
internal static class NonFiniteScan
{
    private const uint Exponent = 0x7F800000;

    /// <summary>Index of the first non-finite value in <paramref name="values"/>, or −1.</summary>
    public static long IndexOf(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        int at = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var exponent = new Vector<uint>(Exponent);
            ReadOnlySpan<Vector<uint>> vectors = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
            while (at < vectors.Length && !Vector.EqualsAny(vectors[at] & exponent, exponent))
            {
                at++;
            }

            at *= Vector<uint>.Count;
        }

        for (; at < bits.Length; at++)
        {
            if ((bits[at] & Exponent) == Exponent)
            {
                return at;
            }
        }

        return -1;
    }

    /// <summary>"NaN", "+infinity" or "-infinity", for messages.</summary>
    public static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+infinity" : "-infinity";
}
