using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// The transcendental functions the activations (<c>Kernels/Activations/</c>), softmax and the losses are built
/// from — erf, tanh and exp — as scalar, <c>Vector256</c> and <c>Vector512</c> functions computing the same formula,
/// so every path computes the same approximation.
/// </summary>
/// <remarks>
/// <para>
/// erf. erf is odd and tends to ±1, so it is approximated as <c>erf(x) ≈ x·P(x²)/Q(x²)</c> with x clamped
/// to [−4, 4]: erf(4) = 1 − 1.5e-8 already rounds to 1 in float, so the clamp costs nothing. P has degree 6
/// and Q degree 4 in x² (odd degree 13 over even degree 8 in x); the coefficients are the minimax fit used by
/// Eigen's <c>generic_fast_erf_float</c> (Eigen, <c>SpecialFunctionsImpl.h</c>), also used by TensorFlow/XLA
/// for float erf. We checked the fit against a double-precision erf on (0, 10] in steps of 5e-5: its largest
/// relative error in exact arithmetic is 6.5e-8 (largest near x = 3.9). It is evaluated in float, as torch's and
/// ONNX Runtime's float erf are: Horner's roundings add up to 3.78e-7 against the exact fit (every float of
/// [1e-36, 4.5] checked once; below 1e-36 x·P underflows), so erf is within 4.5e-7 relative. (Until 2026-12-07 it was
/// evaluated in double and rounded once, 1.3e-7, at twice the cost: 2% of a MiniLM forward, for a last hidden state
/// 4.5e-6 instead of 5.5e-6 from ONNX Runtime's.) The quotient is clamped to [−1, 1], which erf never leaves.
/// <c>ActivationTests</c> asserts 4.5e-7 relative against an independent Maclaurin series in double.
/// </para>
/// <para>
/// tanh. tanh(y) = sign(y)·(1 − e)/(1 + e) with e = exp(−2|y|) (never overflows), y clamped to ±9 where tanh
/// rounds to ±1. Near zero 1 − e cancels, so the error is absolute, about 2 ulp of 1 (≈ 2.4e-7); GELU-tanh
/// adds the result to 1 anyway, and the pooler's tanh is followed by a classifier that cannot see 1e-7.
/// The vector exp is our own range-reduced Taylor series (<c>ExpReduced</c>), ~2 ulp.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ActivationMath
{
    // Numerator of the erf fit in x², highest power first (odd powers x^13 … x^1 once multiplied by x).
    private const double ErfP6 = -2.72614225801306e-10;
    private const double ErfP5 = 2.77068142495902e-08;
    private const double ErfP4 = -2.10102402082508e-06;
    private const double ErfP3 = -5.69250639462346e-05;
    private const double ErfP2 = -7.34990630326855e-04;
    private const double ErfP1 = -2.95459980854025e-03;
    private const double ErfP0 = -1.60960333262415e-02;

    // Denominator of the erf fit in x², highest power first.
    private const double ErfQ4 = -1.45660718464996e-05;
    private const double ErfQ3 = -2.13374055278905e-04;
    private const double ErfQ2 = -1.68282697438203e-03;
    private const double ErfQ1 = -7.37332916720468e-03;
    private const double ErfQ0 = -1.42647390514189e-02;

    private const double ErfClamp = 4;
    private const float TanhClamp = 9f;

    // Exp by range reduction (see ExpReduced): log₂e, ln2 as 0.693359375 (exact in 9 bits, so n·Ln2High
    // is exact for |n| < 2^15) plus the low correction ln2 − 0.693359375, and 1/k! for the Taylor terms.
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float InvFactorial3 = 1f / 6;
    private const float InvFactorial4 = 1f / 24;
    private const float InvFactorial5 = 1f / 120;
    private const float InvFactorial6 = 1f / 720;
    private const float InvFactorial7 = 1f / 5040;

    // Below this exp is flushed to 0: 2^round(−87·log₂e) = 2⁻¹²⁶ is the smallest normal float.
    private const float ExpFloor = -87f;

    // 1.5·2²³: adding it to y = x·log₂e ∈ [−126, 0] rounds y to the nearest integer n (ties to even, as Round
    // does: the sum lies in [2²³, 2²⁴), where floats are the integers, and the bias is even) and leaves n in the low
    // mantissa bits, so n is the sum minus this exactly and 2ⁿ is those bits plus 127 shifted into the exponent field
    // (the bias's own bits shift out).
    private const float RoundingBias = 12582912f;

    /// <summary>erf(x) by the rational fit described on the class, evaluated in float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x)
    {
        x = Math.Clamp(x, -(float)ErfClamp, (float)ErfClamp);
        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd((float)ErfP6, x2, (float)ErfP5);
        p = MathF.FusedMultiplyAdd(p, x2, (float)ErfP4);
        p = MathF.FusedMultiplyAdd(p, x2, (float)ErfP3);
        p = MathF.FusedMultiplyAdd(p, x2, (float)ErfP2);
        p = MathF.FusedMultiplyAdd(p, x2, (float)ErfP1);
        p = MathF.FusedMultiplyAdd(p, x2, (float)ErfP0);
        float q = MathF.FusedMultiplyAdd((float)ErfQ4, x2, (float)ErfQ3);
        q = MathF.FusedMultiplyAdd(q, x2, (float)ErfQ2);
        q = MathF.FusedMultiplyAdd(q, x2, (float)ErfQ1);
        q = MathF.FusedMultiplyAdd(q, x2, (float)ErfQ0);
        return Math.Clamp(x * p / q, -1f, 1f);
    }

    /// <summary>erf of 16 values by the rational fit described on the class, evaluated in float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        x = Vector512.Clamp(x, Vector512.Create(-(float)ErfClamp), Vector512.Create((float)ErfClamp));
        Vector512<float> x2 = x * x;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create((float)ErfP6), x2, Vector512.Create((float)ErfP5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create((float)ErfP4));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create((float)ErfP3));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create((float)ErfP2));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create((float)ErfP1));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create((float)ErfP0));
        Vector512<float> q = Vector512.FusedMultiplyAdd(Vector512.Create((float)ErfQ4), x2, Vector512.Create((float)ErfQ3));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create((float)ErfQ2));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create((float)ErfQ1));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create((float)ErfQ0));
        return Vector512.Clamp(x * p / q, Vector512.Create(-1f), Vector512<float>.One);
    }

    /// <summary>erf of 8 values by the rational fit described on the class, evaluated in float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        x = Vector256.Clamp(x, Vector256.Create(-(float)ErfClamp), Vector256.Create((float)ErfClamp));
        Vector256<float> x2 = x * x;
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create((float)ErfP6), x2, Vector256.Create((float)ErfP5));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create((float)ErfP4));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create((float)ErfP3));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create((float)ErfP2));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create((float)ErfP1));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create((float)ErfP0));
        Vector256<float> q = Vector256.FusedMultiplyAdd(Vector256.Create((float)ErfQ4), x2, Vector256.Create((float)ErfQ3));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create((float)ErfQ2));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create((float)ErfQ1));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create((float)ErfQ0));
        return Vector256.Clamp(x * p / q, Vector256.Create(-1f), Vector256<float>.One);
    }

    /// <summary>tanh(y) by the exp form described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float y)
    {
        float a = MathF.Min(MathF.Abs(y), TanhClamp);
        float e = MathF.Exp(-2f * a);
        return MathF.CopySign((1f - e) / (1f + e), y);
    }

    /// <summary>tanh of 16 values by the exp form described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> y)
    {
        Vector512<float> a = Vector512.Min(Vector512.Abs(y), Vector512.Create(TanhClamp));
        Vector512<float> e = ExpReduced(Vector512.Create(-2f) * a);
        return Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), y);
    }

    /// <summary>tanh of 8 values by the exp form described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> y)
    {
        Vector256<float> a = Vector256.Min(Vector256.Abs(y), Vector256.Create(TanhClamp));
        Vector256<float> e = ExpReduced(Vector256.Create(-2f) * a);
        return Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), y);
    }

    /// <summary>
    /// exp(x) for x ≤ 0 (softmax's x − max, the losses), 16 values: <see cref="ExpReduced(Vector512{float})"/>
    /// of max(x, −87), and exactly 0 below −87 (e⁻⁸⁷ ≈ 1.6e-38, the edge of the normal floats), as masked keys must
    /// be; NaN stays NaN.
    /// </summary>
    /// <remarks>
    /// With AVX-512 the same numbers in about half the instructions (it is the softmax's and the fused attention's
    /// inner loop): x86's max, which returns its second operand when either is NaN, replaces .NET's IEEE max
    /// (3 instructions), and n and 2ⁿ come from <see cref="RoundingBias"/> instead of Round and the saturating
    /// ConvertToInt32 (5). <c>ActivationTests</c> checks both forms bit for bit.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        if (Avx512F.IsSupported)
        {
            Vector512<float> low = Vector512.Create(ExpFloor);
            // Multiply and add as two roundings (explicit instructions: a contracted FMA would round x·log₂e differently than Round).
            Vector512<float> t = Avx512F.Add(Avx512F.Multiply(Avx512F.Max(low, x), Vector512.Create(Log2E)), Vector512.Create(RoundingBias));
            Vector512<float> reduced = ExpPolynomial(t - Vector512.Create(RoundingBias), Avx512F.Max(low, x)) * ((t.AsInt32() + Vector512.Create(127)) << 23).AsSingle();
            return Vector512.ConditionalSelect(Vector512.LessThan(x, low), Vector512<float>.Zero, reduced);
        }

        return ExpNonPositivePortable(x);
    }

    /// <summary><see cref="ExpNonPositive(Vector512{float})"/> with .NET's portable Max, Round and ConvertToInt32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpNonPositivePortable(Vector512<float> x)
    {
        Vector512<float> floor = Vector512.Create(ExpFloor);
        Vector512<float> e = Vector512.ConditionalSelect(Vector512.LessThan(x, floor), Vector512<float>.Zero, ExpReduced(Vector512.Max(x, floor)));
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    /// <summary>exp(x) for x ≤ 0, 8 values: see <see cref="ExpNonPositive(Vector512{float})"/> (the same shortcut with AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> low = Vector256.Create(ExpFloor);
            Vector256<float> t = Avx.Add(Avx.Multiply(Avx.Max(low, x), Vector256.Create(Log2E)), Vector256.Create(RoundingBias));
            Vector256<float> reduced = ExpPolynomial(t - Vector256.Create(RoundingBias), Avx.Max(low, x)) * ((t.AsInt32() + Vector256.Create(127)) << 23).AsSingle();
            return Vector256.ConditionalSelect(Vector256.LessThan(x, low), Vector256<float>.Zero, reduced);
        }

        return ExpNonPositivePortable(x);
    }

    /// <summary><see cref="ExpNonPositive(Vector256{float})"/> with .NET's portable Max, Round and ConvertToInt32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ExpNonPositivePortable(Vector256<float> x)
    {
        Vector256<float> floor = Vector256.Create(ExpFloor);
        Vector256<float> e = Vector256.ConditionalSelect(Vector256.LessThan(x, floor), Vector256<float>.Zero, ExpReduced(Vector256.Max(x, floor)));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), e, x);
    }

    /// <summary>exp(x) for x in [−87, 0], 16 values, unguarded (tanh's −2|y| ≥ −18 needs no guard); see <see cref="ExpReduced(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpReduced(Vector512<float> x)
    {
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        Vector512<int> scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return ExpPolynomial(n, x) * scale.AsSingle();
    }

    /// <summary>
    /// exp(x) for x in [−87, 0], 8 values, unguarded. .NET's <c>Vector256/512.Exp</c> measured 11 ns per element
    /// here (80× the erf GELU), so tanh, softmax and the losses use this instead: x = n·ln2 + r with
    /// n = round(x·log₂e) and |r| ≤ ln2/2 (ln2 split into a short high part and a low correction, Cody–Waite, so
    /// n·ln2 is exact enough); exp(r) by its Taylor series to r⁷/7!, whose remainder r⁸/8! ≤ 0.347⁸/40320 = 5e-9
    /// relative; 2ⁿ built in the exponent bits (n ≥ −126 for x ≥ −87, always a normal float). About 2 ulp in all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpReduced(Vector256<float> x)
    {
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<int> scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return ExpPolynomial(n, x) * scale.AsSingle();
    }
    // exp(r) for r = x − n·ln2 (Cody–Waite, as ExpReduced), 16 values: the Taylor series to r⁷/7!, without 2ⁿ.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpPolynomial(Vector512<float> n, Vector512<float> x)
    {
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.Create(InvFactorial7);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(InvFactorial6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(InvFactorial5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(InvFactorial4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(InvFactorial3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        return Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
    }

    // The same, 8 values.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpPolynomial(Vector256<float> n, Vector256<float> x)
    {
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> p = Vector256.Create(InvFactorial7);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(InvFactorial6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(InvFactorial5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(InvFactorial4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(InvFactorial3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        return Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
    }
}
