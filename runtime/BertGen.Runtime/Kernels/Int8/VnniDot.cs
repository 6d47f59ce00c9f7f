using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>The dot product in one instruction: VPDPBUSD on 256-bit vectors (AVX-VNNI).</summary>
internal readonly unsafe struct VnniDot : IInt8Dot<Vector256<byte>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Broadcast(byte* a) => Vector256.Create(*(int*)a).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> acc, Vector256<byte> a, Vector256<sbyte> b) => AvxVnni.MultiplyWideningAndAdd(acc, a, b);
}
