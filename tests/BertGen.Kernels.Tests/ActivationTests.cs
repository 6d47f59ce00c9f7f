using System;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>The vectorised erf and activations against double-precision oracles, on every width.</summary>
public sealed class ActivationTests
{
    // Grid over [−10, 10] in steps of 1/512, plus tiny and huge values.
    private static float[] Grid()
    {
        float[] values = new float[(20 * 512) + 1 + 6];
        for (int i = 0; i <= 20 * 512; i++)
        {
            values[i] = -10f + (i / 512f);
        }

        values[^6] = 1e-7f;
        values[^5] = -3e-30f;
        values[^4] = 50f;
        values[^3] = -50f;
        values[^2] = 1e10f;
        values[^1] = -1e10f;
        return values;
    }

    [Fact]
    public void ErfIsAccurateToItsRelativeBound()
    {
        // The fit's own relative error is 6.5e-8 (see ActivationMath). Evaluated in float, Horner's roundings add up to
        // 3.78e-7 against the exact fit (every float of [1e-36, 4.5] checked once): 4.5e-7. A wrong coefficient or clamp
        // shows up as 1e-5 or worse.
        const double relative = 4.5e-7;
        foreach (float x in Grid())
        {
            double expected = ReferenceMath.Erf(x);
            double bound = (relative * Math.Abs(expected)) + 1e-45;
            Check(x, expected, ActivationMath.Erf(x), bound, "scalar erf");
            Check(x, expected, ActivationMath.Erf(Vector512.Create(x)).GetElement(5), bound, "Vector512 erf");
            Check(x, expected, ActivationMath.Erf(Vector256.Create(x)).GetElement(3), bound, "Vector256 erf");
        }
    }

    [Fact]
    public void ExpOfNonPositiveArgumentsIsWithinThreeUlpAndZeroBelowTheNormalFloats()
    {
        // Softmax (x − max) and tanh (−2|y|) feed it: Taylor remainder 5e-9 plus the rounding of ~10 float
        // operations, ~2 ulp; bound 3 ulp = 3.6e-7 relative. Below −87 the answer must be exactly 0 (masked
        // keys get no weight), −∞ too, and NaN must survive.
        for (int i = 0; i <= 100 * 256; i++)
        {
            float x = -i / 256f;
            double expected = x < -87f ? 0 : Math.Exp(x);
            double bound = 3.6e-7 * expected;
            Check(x, expected, ActivationMath.ExpNonPositive(Vector512.Create(x)).GetElement(7), bound, "Vector512 exp");
            Check(x, expected, ActivationMath.ExpNonPositive(Vector256.Create(x)).GetElement(2), bound, "Vector256 exp");
        }

        Assert.Equal(0f, ActivationMath.ExpNonPositive(Vector512.Create(float.NegativeInfinity)).GetElement(0));
        Assert.Equal(0f, ActivationMath.ExpNonPositive(Vector512.Create(float.MinValue)).GetElement(0));
        Assert.True(float.IsNaN(ActivationMath.ExpNonPositive(Vector512.Create(float.NaN)).GetElement(0)));
        Assert.True(float.IsNaN(ActivationMath.ExpNonPositive(Vector256.Create(float.NaN)).GetElement(0)));
    }

    [Fact]
    public void ExpNonPositiveShortcutIsBitwiseThePortableForm()
    {
        // The AVX forms take n and 2ⁿ from a rounding bias instead of Round and ConvertToInt32, and x86's max; the
        // numbers must not change, so every x in [−90, 0] on a 1/4096 grid (which holds x·log₂e = n + ½ ties, where an
        // odd bias rounded the other way), the −87 edge's neighbours and the specials give the same bits as the
        // portable form, whose accuracy ExpNonPositiveMatchesDoubleOracle checks.
        for (int i = 0; i <= 90 * 4096; i++)
        {
            AssertSameExp(-i / 4096f);
        }

        foreach (float x in new[] { -87f, MathF.BitDecrement(-87f), MathF.BitIncrement(-87f), -0f, 0f, -1e-30f, float.MinValue, float.NegativeInfinity, float.NaN })
        {
            AssertSameExp(x);
        }
    }

    private static void AssertSameExp(float x)
    {
        if (float.IsNaN(x))
        {
            Assert.True(float.IsNaN(ActivationMath.ExpNonPositive(Vector512.Create(x)).GetElement(3)));
            Assert.True(float.IsNaN(ActivationMath.ExpNonPositive(Vector256.Create(x)).GetElement(5)));
            return;
        }

        Assert.Equal(
            BitConverter.SingleToUInt32Bits(ActivationMath.ExpNonPositivePortable(Vector512.Create(x)).GetElement(3)),
            BitConverter.SingleToUInt32Bits(ActivationMath.ExpNonPositive(Vector512.Create(x)).GetElement(3)));
        Assert.Equal(
            BitConverter.SingleToUInt32Bits(ActivationMath.ExpNonPositivePortable(Vector256.Create(x)).GetElement(5)),
            BitConverter.SingleToUInt32Bits(ActivationMath.ExpNonPositive(Vector256.Create(x)).GetElement(5)));
    }

    [Theory]
    [InlineData(Activation.GeluErf)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Silu)]
    [InlineData(Activation.None)]
    public void ActivationsMatchDoubleOracle(Activation activation)
    {
        // Absolute bound 3e-7·(1 + |x|): GELU-erf = 0.5x(1 + erf) carries erf's 4.5e-7 error times 0.5|x| (≈ 2.3e-7·|x|)
        // plus a few float roundings of the result; tanh via exp is accurate to ~2 ulp of 1 (2.4e-7) absolutely, and
        // GELU-tanh scales that by 0.5|x|.
        foreach (float x in Grid())
        {
            double expected = activation switch
            {
                Activation.GeluErf => ReferenceMath.GeluErf(x),
                Activation.GeluTanh => ReferenceMath.GeluTanh(x),
                Activation.Relu => Math.Max(x, 0.0),
                Activation.Tanh => Math.Tanh(x),
                Activation.Silu => x / (1 + Math.Exp(-x)),
                _ => x,
            };
            double bound = 3e-7 * (1 + Math.Abs(x));
            Check(x, expected, Activations.Apply(activation, x), bound, $"scalar {activation}");
            Check(x, expected, Activations.Apply(activation, Vector512.Create(x)).GetElement(7), bound, $"Vector512 {activation}");
            Check(x, expected, Activations.Apply(activation, Vector256.Create(x)).GetElement(1), bound, $"Vector256 {activation}");
        }
    }

    private static void Check(float x, double expected, float actual, double bound, string what)
    {
        if (!(Math.Abs(actual - expected) <= bound))
        {
            Assert.Fail($"{what}({x:R}) = {actual:R}, expected {expected:R} ± {bound:E2}");
        }
    }
}
