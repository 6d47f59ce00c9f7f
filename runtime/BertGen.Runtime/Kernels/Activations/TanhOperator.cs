using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>f(x) = tanh(x), the BERT pooler; f'(x) = 1 − tanh²(x). tanh is <see cref="ActivationMath.Tanh(float)"/>.</summary>
internal readonly struct TanhOperator : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => ActivationMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => ActivationMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => ActivationMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x)
    {
        float t = ActivationMath.Tanh(x);
        return 1f - (t * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x)
    {
        Vector256<float> t = ActivationMath.Tanh(x);
        return Vector256<float>.One - (t * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x)
    {
        Vector512<float> t = ActivationMath.Tanh(x);
        return Vector512<float>.One - (t * t);
    }

    /// <summary>1 − y² from the saved output y = tanh(x): the pooler's backward, which keeps y and not x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DerivativeFromOutput(float y) => 1f - (y * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> DerivativeFromOutput(Vector256<float> y) => Vector256<float>.One - (y * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> DerivativeFromOutput(Vector512<float> y) => Vector512<float>.One - (y * y);
}
