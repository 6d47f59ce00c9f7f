using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// ONNX Runtime's dynamic quantisation, so BertGen's int8 results can be set beside ORT's:
/// <list type="bullet">
/// <item>activations, per row (token), unsigned with a zero point — ORT's <c>DynamicQuantizeLinear</c> /
/// <c>DynamicQuantizeMatMul</c> (onnxruntime/core/util/qmath.h, <c>GetQuantizationParameter</c>), applied to one
/// row instead of the whole tensor: the range is widened to include 0, <c>scale = (max − min)/255</c> (1 when
/// max = min), <c>zp = round(clamp(−min/scale, 0, 255))</c>;</item>
/// <item>weights, per output channel, symmetric signed: <c>scale = max|w|/127</c> (1 for an all-zero row), zero
/// point 0, as <c>quantize_dynamic(per_channel=True)</c> writes them;</item>
/// <item>either way <c>q = round(clamp(x/scale, lo − zp, hi − zp)) + zp</c>, round half to even, with the correctly
/// rounded quotient rather than a product with a reciprocal — MLAS's <c>MlasQuantizeLinear</c>, so one row gives
/// ORT's bytes exactly.</item>
/// </list>
/// Every step is a correctly rounded IEEE operation or exact (min, max, clamp, round, convert), so the vector
/// widths and the scalar tail give bitwise the same bytes. The row functions are compiled fully optimised from
/// their first call (<c>AggressiveOptimization</c>): tier-0 code measured 1 ns per element instead of 0.13.
/// </summary>
internal static unsafe class Int8Quantizer
{
    /// <summary>Largest magnitude of a quantised weight: symmetric, so −128 is never produced.</summary>
    public const int WeightLimit = 127;

    /// <summary>ORT's scale and zero point for a row whose smallest and largest values are <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static (float Scale, int ZeroPoint) ActivationParameters(float min, float max)
    {
        // The range must contain 0 so that zero (padding, ReLU outputs) is exact.
        min = MathF.Min(min, 0f);
        max = MathF.Max(max, 0f);
        float scale = max == min ? 1f : (max - min) / 255f;
        float initialZeroPoint = 0f - (min / scale);
        return (scale, (int)MathF.Round(Math.Clamp(initialZeroPoint, 0f, 255f)));
    }

    /// <summary>
    /// The symmetric per-channel scale of a weight row whose largest magnitude is <paramref name="absMax"/>: 1 for a row of
    /// zeros, and for a row so small (below ~1.8e-43) that absMax / 127 rounds to 0, whose values then quantise to 0 — a
    /// scale of 0 beside values of ±127 is what an int8 weights file may not hold.
    /// </summary>
    public static float WeightScale(float absMax)
    {
        float scale = absMax / WeightLimit;
        return scale > 0f ? scale : 1f;
    }

    /// <summary>
    /// Quantises <paramref name="rows"/> activation rows of <paramref name="k"/> floats (<paramref name="ldx"/> apart)
    /// into rows of <paramref name="q"/> <paramref name="stride"/> bytes apart, zero past k, with each row's scale and
    /// zero point.
    /// </summary>
    /// <remarks>
    /// A few rows at a time, pass by pass (ranges, then parameters, then bytes), rather than row by row: a row's
    /// parameters are a chain of three dependent divisions after a reduction, ~60 cycles of latency, which the next
    /// row's independent work hides; row by row they doubled the cost of quantising a 384-wide row (measured).
    /// The rows of a block stay in L1 between the first pass and the last.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeActivationRows(float* x, nint ldx, int rows, int k, byte* q, int stride, float* scales, int* zeroPoints, VectorWidth width)
    {
        const int Block = 8;
        float* min = stackalloc float[Block];
        float* max = stackalloc float[Block];
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int count = Math.Min(Block, rows - r0);
            for (int i = 0; i < count; i++)
            {
                (min[i], max[i]) = MinMax(x + ((r0 + i) * ldx), k, width);
            }

            for (int i = 0; i < count; i++)
            {
                (scales[r0 + i], zeroPoints[r0 + i]) = ActivationParameters(min[i], max[i]);
            }

            for (int i = 0; i < count; i++)
            {
                int zeroPoint = zeroPoints[r0 + i];
                byte* row = q + ((long)(r0 + i) * stride);
                Quantize(x + ((r0 + i) * ldx), k, scales[r0 + i], -zeroPoint, 255 - zeroPoint, zeroPoint, row, width);
                new Span<byte>(row + k, stride - k).Clear();
            }
        }
    }

    /// <summary>Quantises one weight row of <paramref name="k"/> floats into <paramref name="q"/>; returns its scale and Σ q.</summary>
    public static (float Scale, int Sum) QuantizeWeightRow(float* w, int k, sbyte* q, VectorWidth width)
    {
        (float min, float max) = MinMax(w, k, width);
        float scale = WeightScale(MathF.Max(max, -min));
        Quantize(w, k, scale, -WeightLimit, WeightLimit, 0, (byte*)q, width);
        int sum = 0;
        for (int j = 0; j < k; j++)
        {
            sum += q[j];
        }

        return (scale, sum);
    }

    /// <summary>The smallest and largest of <paramref name="k"/> floats, each widened to include 0.</summary>
    /// <remarks>Two running minima and maxima per width: one pair would be a chain of dependent VMINPS/VMAXPS whose
    /// latency, not their throughput, set the pace (a 384-float row is 24 vectors).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (float Min, float Max) MinMax(float* x, int k, VectorWidth width)
    {
        float min = 0f, max = 0f;
        int j = 0;
        if (width == VectorWidth.Bits512)
        {
            Vector512<float> lo0 = Vector512<float>.Zero, hi0 = Vector512<float>.Zero, lo1 = lo0, hi1 = hi0;
            for (; j + 32 <= k; j += 32)
            {
                Vector512<float> v0 = Vector512.Load(x + j), v1 = Vector512.Load(x + j + 16);
                lo0 = Vector512.MinNative(lo0, v0);
                hi0 = Vector512.MaxNative(hi0, v0);
                lo1 = Vector512.MinNative(lo1, v1);
                hi1 = Vector512.MaxNative(hi1, v1);
            }

            for (; j + 16 <= k; j += 16)
            {
                Vector512<float> v = Vector512.Load(x + j);
                lo0 = Vector512.MinNative(lo0, v);
                hi0 = Vector512.MaxNative(hi0, v);
            }

            min = -HorizontalMax.Of(-Vector512.MinNative(lo0, lo1));
            max = HorizontalMax.Of(Vector512.MaxNative(hi0, hi1));
        }
        else if (width == VectorWidth.Bits256)
        {
            Vector256<float> lo0 = Vector256<float>.Zero, hi0 = Vector256<float>.Zero, lo1 = lo0, hi1 = hi0;
            for (; j + 16 <= k; j += 16)
            {
                Vector256<float> v0 = Vector256.Load(x + j), v1 = Vector256.Load(x + j + 8);
                lo0 = Vector256.MinNative(lo0, v0);
                hi0 = Vector256.MaxNative(hi0, v0);
                lo1 = Vector256.MinNative(lo1, v1);
                hi1 = Vector256.MaxNative(hi1, v1);
            }

            for (; j + 8 <= k; j += 8)
            {
                Vector256<float> v = Vector256.Load(x + j);
                lo0 = Vector256.MinNative(lo0, v);
                hi0 = Vector256.MaxNative(hi0, v);
            }

            min = -HorizontalMax.Of(-Vector256.MinNative(lo0, lo1));
            max = HorizontalMax.Of(Vector256.MaxNative(hi0, hi1));
        }

        for (; j < k; j++)
        {
            min = MathF.Min(min, x[j]);
            max = MathF.Max(max, x[j]);
        }

        return (min, max);
    }

    // q[j] = round(clamp(x[j]/scale, low, high)) + zeroPoint as a byte (two's complement for weights). The
    // clamp bounds are integers, so clamping before rounding equals rounding before clamping. The vector bodies
    // convert with VCVTPS2DQ, which rounds half to even under the default MXCSR (.NET never changes it), so
    // rounding and converting is one instruction; the clamped values (|v| ≤ 255) cannot saturate it, and the
    // int32 → byte truncations keep exactly the low byte of values in [−127, 255]. Bits512 and Bits256 are only
    // chosen where Vector512 / Vector256 are hardware accelerated, i.e. on x64 with AVX-512F / AVX2 (and FMA).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Quantize(float* x, int k, float scale, int low, int high, int zeroPoint, byte* q, VectorWidth width)
    {
        int j = 0;
        if (width != VectorWidth.Scalar && scale >= DivisionFreeMinimum && scale <= 1f / DivisionFreeMinimum)
        {
            if (width == VectorWidth.Bits512)
            {
                Vector512<float> s = Vector512.Create(scale), r = Vector512.Create(1f / scale);
                Vector512<float> lo = Vector512.Create((float)low), hi = Vector512.Create((float)high);
                Vector512<int> zp = Vector512.Create(zeroPoint);
                for (; j + 16 <= k; j += 16)
                {
                    Vector512<float> v = Vector512.MinNative(Vector512.MaxNative(Quotient(Vector512.Load(x + j), s, r), lo), hi);
                    Vector128.Store(Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zp), q + j);
                }
            }
            else
            {
                Vector256<float> s = Vector256.Create(scale), r = Vector256.Create(1f / scale);
                Vector256<float> lo = Vector256.Create((float)low), hi = Vector256.Create((float)high);
                Vector256<int> zp = Vector256.Create(zeroPoint);
                for (; j + 16 <= k; j += 16)
                {
                    Vector256<float> v0 = Vector256.MinNative(Vector256.MaxNative(Quotient(Vector256.Load(x + j), s, r), lo), hi);
                    Vector256<float> v1 = Vector256.MinNative(Vector256.MaxNative(Quotient(Vector256.Load(x + j + 8), s, r), lo), hi);
                    Vector256<ushort> words = Vector256.Narrow((Avx.ConvertToVector256Int32(v0) + zp).AsUInt32(), (Avx.ConvertToVector256Int32(v1) + zp).AsUInt32());
                    Vector128.Store(Vector128.Narrow(words.GetLower(), words.GetUpper()), q + j);
                }
            }
        }

        for (; j < k; j++)
        {
            float v = Math.Clamp(x[j] / scale, low, high);
            q[j] = (byte)((int)MathF.Round(v) + zeroPoint);
        }
    }

    // Scales from 2⁻¹⁰⁰ to 2¹⁰⁰ keep s, 1/s and every s·q₀ of Quotient normal; rows outside divide in the scalar loop.
    private const float DivisionFreeMinimum = 7.888609e-31f; // 2⁻¹⁰⁰

    // x/s correctly rounded without VDIVPS (5–6 cycles per vector on Zen 4/5, against 1–1.5 for these three):
    // Markstein's theorem (IBM J. Res. Dev. 34(1), 1990; Muller et al., Handbook of Floating-Point Arithmetic,
    // §4.9): with r = RN(1/s) within half an ulp of 1/s and q₀ = RN(x·r) within one ulp of x/s, the remainder
    // x − s·q₀ is exact under an FMA and RN(q₀ + r·(x − s·q₀)) = RN(x/s), the quotient MLAS's VDIVPS computes. Where
    // x/s is subnormal (|x| far below the scale) the theorem's exactness may fail, but such a quotient rounds to 0
    // either way. Int8QuantizerTests checks the bytes against plain division, rounding-boundary values included.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quotient(Vector512<float> x, Vector512<float> s, Vector512<float> r)
    {
        Vector512<float> q = x * r;
        return Avx512F.FusedMultiplyAdd(Avx512F.FusedMultiplyAddNegated(q, s, x), r, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Quotient(Vector256<float> x, Vector256<float> s, Vector256<float> r)
    {
        Vector256<float> q = x * r;
        return Fma.MultiplyAdd(Fma.MultiplyAddNegated(q, s, x), r, q);
    }
}
