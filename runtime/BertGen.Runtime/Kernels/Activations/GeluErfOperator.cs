using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The exact GELU, HuggingFace <c>"gelu"</c>: f(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), and
/// f'(x) = Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π). erf is <typeparamref name="TErf"/>'s evaluation of
/// <see cref="ActivationMath"/>'s rational fit; the derivative's exp is .NET's in scalar code and the range-reduced
/// series in vectors (−x²/2 ≤ 0, ~2 ulp).
/// </summary>
/// <typeparam name="TErf"><see cref="ErfInDouble"/> (<see cref="Activation.GeluErf"/>) or <see cref="ErfInSingle"/>
/// (<see cref="Activation.GeluErfSingle"/>).</typeparam>
internal readonly struct GeluErfOperator<TErf> : IActivationOperator
    where TErf : struct, IErfEvaluation
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => 0.5f * x * (1f + TErf.Erf(x * InvSqrt2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + TErf.Erf(x * Vector256.Create(InvSqrt2)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + TErf.Erf(x * Vector512.Create(InvSqrt2)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x) =>
        (0.5f * (1f + TErf.Erf(x * InvSqrt2))) + (x * InvSqrt2Pi * System.MathF.Exp(-0.5f * x * x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative(Vector256<float> x) =>
        (Vector256.Create(0.5f) * (Vector256<float>.One + TErf.Erf(x * Vector256.Create(InvSqrt2))))
        + (x * Vector256.Create(InvSqrt2Pi) * ActivationMath.ExpNonPositive(Vector256.Create(-0.5f) * x * x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x) =>
        (Vector512.Create(0.5f) * (Vector512<float>.One + TErf.Erf(x * Vector512.Create(InvSqrt2))))
        + (x * Vector512.Create(InvSqrt2Pi) * ActivationMath.ExpNonPositive(Vector512.Create(-0.5f) * x * x));
}

/// <summary>How a GELU evaluates erf, at every width the kernels run.</summary>
internal interface IErfEvaluation
{
    static abstract float Erf(float x);

    static abstract Vector256<float> Erf(Vector256<float> x);

    static abstract Vector512<float> Erf(Vector512<float> x);
}

/// <summary>
/// erf in double, rounded once: ≤ 1.3e-7 relative (<see cref="ActivationMath.Erf(float)"/>). The fp32 model's GELU,
/// held to ONNX Runtime and libtorch.
/// </summary>
internal readonly struct ErfInDouble : IErfEvaluation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => ActivationMath.Erf(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x) => ActivationMath.Erf(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x) => ActivationMath.Erf(x);
}

/// <summary>
/// erf in float: ≤ 4.5e-7 relative at half the cost (<see cref="ActivationMath.ErfSingle(float)"/>). The int8
/// forward's GELU: its pre-activations already carry the quantisation's error (a 1/255 step of each row's range),
/// five orders of magnitude above this erf's. Where 1 + erf cancels (x below −4) it leaves GELU up to 1e-6 from 0
/// rather than 6e-8, against an int8 step of the next layer's input of ~1e-2.
/// </summary>
internal readonly struct ErfInSingle : IErfEvaluation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => ActivationMath.ErfSingle(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x) => ActivationMath.ErfSingle(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x) => ActivationMath.ErfSingle(x);
}
