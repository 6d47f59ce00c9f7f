using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The one operation a 256-bit int8 micro-kernel repeats, as a type so the JIT compiles a kernel per
/// instruction set from one body: for each int32 lane i, <c>acc[i] += Σₜ a[t]·b[4i + t]</c> over t = 0..3,
/// with the four unsigned bytes <c>a</c> of one A row broadcast to every lane and <c>b</c> eight columns × four
/// k of a packed panel. This is VPDPBUSD's definition; exact (int32 never overflows for K ≤ 65,536).
/// </summary>
/// <typeparam name="TActivation">The broadcast A bytes in whatever form <see cref="Add"/> wants them.</typeparam>
internal unsafe interface IInt8Dot<TActivation>
    where TActivation : struct
{
    /// <summary>The four bytes at <paramref name="a"/> broadcast for <see cref="Add"/>.</summary>
    static abstract TActivation Broadcast(byte* a);

    /// <summary><c>acc + dot4(a, b)</c> lane by lane.</summary>
    static abstract Vector256<int> Add(Vector256<int> acc, TActivation a, Vector256<sbyte> b);
}
