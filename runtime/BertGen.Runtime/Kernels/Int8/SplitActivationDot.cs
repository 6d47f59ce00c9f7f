using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// VPDPBUSD's result on AVX2 without VNNI, exactly. AVX2's VPMADDUBSW multiplies unsigned by signed bytes and
/// adds adjacent pairs into int16 <i>with saturation</i>: a pair of u8 activations (≤ 255) and s8 weights
/// (|q| ≤ 127) reaches 2·255·127 = 64,770 and saturates at 32,767, silently (why ORT offers 7-bit weights,
/// <c>reduce_range</c>, for such machines). Instead of giving up a weight bit, each activation byte is split as
/// <c>a = 2·⌊a/2⌋ + (a mod 2)</c>: with ⌊a/2⌋ ≤ 127 a pair sums to at most 2·127·128 = 32,512 (even for a −128
/// weight from a foreign file), and with (a mod 2) ≤ 1 to at most 256, so neither VPMADDUBSW can saturate. VPMADDWD
/// then widens each pair sum to int32, multiplied by 2 and 1 respectively — the same integers as VPDPBUSD, at
/// six instructions instead of one. The weights and the packed layout are the VNNI path's.
/// </summary>
internal readonly unsafe struct SplitActivationDot : IInt8Dot<SplitActivationDot.Halves>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Halves Broadcast(byte* a)
    {
        Vector256<byte> v = Vector256.Create(*(int*)a).AsByte();
        return new Halves(Vector256.ShiftRightLogical(v, 1), v & Vector256.Create((byte)1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> acc, Halves a, Vector256<sbyte> b)
    {
        Vector256<short> halfPairs = Avx2.MultiplyAddAdjacent(a.Half, b);
        Vector256<short> oddPairs = Avx2.MultiplyAddAdjacent(a.Odd, b);
        return acc + Avx2.MultiplyAddAdjacent(halfPairs, Vector256.Create((short)2)) + Avx2.MultiplyAddAdjacent(oddPairs, Vector256.Create((short)1));
    }

    /// <summary>⌊a/2⌋ and a mod 2 of the broadcast bytes.</summary>
    internal readonly struct Halves(Vector256<byte> half, Vector256<byte> odd)
    {
        public readonly Vector256<byte> Half = half;
        public readonly Vector256<byte> Odd = odd;
    }
}
