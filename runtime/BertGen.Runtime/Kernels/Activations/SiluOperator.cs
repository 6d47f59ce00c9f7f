using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// SiLU (Elfwing et al. 2018; "swish" with β = 1), HuggingFace <c>"silu"</c> / <c>"swish"</c>: f(x) = x·σ(x) and
/// f'(x) = σ(x)·(1 + x·(1 − σ(x))). σ is formed from e = exp(−|x|) ≤ 1, which never overflows: σ(x) = 1/(1 + e)
/// for x ≥ 0 and e/(1 + e) below. e is .NET's exp in scalar code and the range-reduced series in vectors (~2 ulp;
/// exactly 0 below −87, where σ is 1 or e^x ≈ 0 to float precision); 1 + e and the division add an ulp, so σ and
/// f are good to about 3e-7 relative.
/// </summary>
internal readonly struct SiluOperator : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => x * Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => x * Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => x * Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x)
    {
        float s = Sigmoid(x);
        return s * (1f + (x * (1f - s)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x)
    {
        Vector256<float> s = Sigmoid(x);
        return s * (Vector256<float>.One + (x * (Vector256<float>.One - s)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x)
    {
        Vector512<float> s = Sigmoid(x);
        return s * (Vector512<float>.One + (x * (Vector512<float>.One - s)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sigmoid(float x)
    {
        float e = System.MathF.Exp(-System.MathF.Abs(x));
        return (x >= 0f ? 1f : e) / (1f + e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> e = ActivationMath.ExpNonPositive(-Vector256.Abs(x));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> e = ActivationMath.ExpNonPositive(-Vector512.Abs(x));
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, e) / (Vector512<float>.One + e);
    }
}
