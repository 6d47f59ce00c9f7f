using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The exact GELU, HuggingFace <c>"gelu"</c>: f(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), and
/// f'(x) = Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π). erf is <see cref="ActivationMath"/>'s rational fit evaluated
/// in float (≤ 4.5e-7 relative); the derivative's exp is .NET's in scalar code and the range-reduced series in vectors
/// (−x²/2 ≤ 0, ~2 ulp).
/// </summary>
internal readonly struct GeluErfOperator : IActivationOperator
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => 0.5f * x * (1f + ActivationMath.Erf(x * InvSqrt2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + ActivationMath.Erf(x * Vector256.Create(InvSqrt2)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + ActivationMath.Erf(x * Vector512.Create(InvSqrt2)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x) =>
        (0.5f * (1f + ActivationMath.Erf(x * InvSqrt2))) + (x * InvSqrt2Pi * System.MathF.Exp(-0.5f * x * x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x) =>
        (Vector256.Create(0.5f) * (Vector256<float>.One + ActivationMath.Erf(x * Vector256.Create(InvSqrt2))))
        + (x * Vector256.Create(InvSqrt2Pi) * ActivationMath.ExpNonPositive(Vector256.Create(-0.5f) * x * x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x) =>
        (Vector512.Create(0.5f) * (Vector512<float>.One + ActivationMath.Erf(x * Vector512.Create(InvSqrt2))))
        + (x * Vector512.Create(InvSqrt2Pi) * ActivationMath.ExpNonPositive(Vector512.Create(-0.5f) * x * x));
}
