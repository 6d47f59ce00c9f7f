using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The tanh GELU (Hendrycks &amp; Gimpel 2016), HuggingFace <c>"gelu_new"</c> / <c>"gelu_pytorch_tanh"</c>:
/// f(x) = ½x(1 + tanh u) with u = s(x + c·x³), s = √(2/π), c = 0.044715; f'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·s(1 + 3c·x²).
/// tanh is <see cref="ActivationMath.Tanh(float)"/> (~2.4e-7 absolute).
/// </summary>
internal readonly struct GeluTanhOperator : IActivationOperator
{
    private const float Scale = 0.79788456080286536f;
    private const float Cubic = 0.044715f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => 0.5f * x * (1f + ActivationMath.Tanh(Scale * (x + (Cubic * x * x * x))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + ActivationMath.Tanh(Vector256.Create(Scale) * (x + (Vector256.Create(Cubic) * x * x * x))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + ActivationMath.Tanh(Vector512.Create(Scale) * (x + (Vector512.Create(Cubic) * x * x * x))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x)
    {
        float t = ActivationMath.Tanh(Scale * (x + (Cubic * x * x * x)));
        return (0.5f * (1f + t)) + (0.5f * x * (1f - (t * t)) * Scale * (1f + (3f * Cubic * x * x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x)
    {
        Vector256<float> half = Vector256.Create(0.5f), one = Vector256<float>.One;
        Vector256<float> t = ActivationMath.Tanh(Vector256.Create(Scale) * (x + (Vector256.Create(Cubic) * x * x * x)));
        return (half * (one + t)) + (half * x * (one - (t * t)) * Vector256.Create(Scale) * (one + (Vector256.Create(3f * Cubic) * x * x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x)
    {
        Vector512<float> half = Vector512.Create(0.5f), one = Vector512<float>.One;
        Vector512<float> t = ActivationMath.Tanh(Vector512.Create(Scale) * (x + (Vector512.Create(Cubic) * x * x * x)));
        return (half * (one + t)) + (half * x * (one - (t * t)) * Vector512.Create(Scale) * (one + (Vector512.Create(3f * Cubic) * x * x)));
    }
}
