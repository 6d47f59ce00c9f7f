using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Kernels;

/// <summary>f(x) = x: the epilogue of a GEMM without an activation.</summary>
internal readonly struct IdentityOperator : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x) => 1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x) => Vector256<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x) => Vector512<float>.One;
}
