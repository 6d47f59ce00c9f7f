using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
/// <item>either way <c>q = round(clamp(x/scale, lo − zp, hi − zp)) + zp</c>, round half to even, dividing rather
/// than multiplying by a reciprocal — MLAS's <c>MlasQuantizeLinear</c>.</item>
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

    /// <summary>The symmetric per-channel scale of a weight row whose largest magnitude is <paramref name="absMax"/>.</summary>
    public static float WeightScale(float absMax) => absMax > 0f ? absMax / WeightLimit : 1f;

    /// <summary>
    /// Quantises one activation row of <paramref name="k"/> floats into <paramref name="q"/> and zeroes
    /// <c>q[k..paddedLength)</c> (the padding multiplies zero weights, but must be defined bytes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Scale, int ZeroPoint) QuantizeActivationRow(float* x, int k, byte* q, int paddedLength, VectorWidth width)
    {
        (float min, float max) = MinMax(x, k, width);
        (float scale, int zeroPoint) = ActivationParameters(min, max);
        Quantize(x, k, scale, -zeroPoint, 255 - zeroPoint, zeroPoint, q, width);
        new Span<byte>(q + k, paddedLength - k).Clear();
        return (scale, zeroPoint);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (float Min, float Max) MinMax(float* x, int k, VectorWidth width)
    {
        float min = 0f, max = 0f;
        int j = 0;
        if (width == VectorWidth.Bits512)
        {
            Vector512<float> lo = Vector512<float>.Zero, hi = Vector512<float>.Zero;
            for (; j + 16 <= k; j += 16)
            {
                Vector512<float> v = Vector512.Load(x + j);
                lo = Vector512.MinNative(lo, v);
                hi = Vector512.MaxNative(hi, v);
            }

            min = -HorizontalMax.Of(-lo);
            max = HorizontalMax.Of(hi);
        }
        else if (width == VectorWidth.Bits256)
        {
            Vector256<float> lo = Vector256<float>.Zero, hi = Vector256<float>.Zero;
            for (; j + 8 <= k; j += 8)
            {
                Vector256<float> v = Vector256.Load(x + j);
                lo = Vector256.MinNative(lo, v);
                hi = Vector256.MaxNative(hi, v);
            }

            min = -HorizontalMax.Of(-lo);
            max = HorizontalMax.Of(hi);
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
    // chosen where Vector512 / Vector256 are hardware accelerated, i.e. on x64 with AVX-512F / AVX2.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quantize(float* x, int k, float scale, int low, int high, int zeroPoint, byte* q, VectorWidth width)
    {
        int j = 0;
        if (width == VectorWidth.Bits512)
        {
            Vector512<float> s = Vector512.Create(scale), lo = Vector512.Create((float)low), hi = Vector512.Create((float)high);
            Vector512<int> zp = Vector512.Create(zeroPoint);
            for (; j + 16 <= k; j += 16)
            {
                Vector512<float> v = Vector512.MinNative(Vector512.MaxNative(Vector512.Load(x + j) / s, lo), hi);
                Vector128.Store(Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zp), q + j);
            }
        }
        else if (width == VectorWidth.Bits256)
        {
            Vector256<float> s = Vector256.Create(scale), lo = Vector256.Create((float)low), hi = Vector256.Create((float)high);
            Vector256<int> zp = Vector256.Create(zeroPoint);
            for (; j + 16 <= k; j += 16)
            {
                Vector256<float> v0 = Vector256.MinNative(Vector256.MaxNative(Vector256.Load(x + j) / s, lo), hi);
                Vector256<float> v1 = Vector256.MinNative(Vector256.MaxNative(Vector256.Load(x + j + 8) / s, lo), hi);
                Vector256<ushort> words = Vector256.Narrow((Avx.ConvertToVector256Int32(v0) + zp).AsUInt32(), (Avx.ConvertToVector256Int32(v1) + zp).AsUInt32());
                Vector128.Store(Vector128.Narrow(words.GetLower(), words.GetUpper()), q + j);
            }
        }

        for (; j < k; j++)
        {
            float v = Math.Clamp(x[j] / scale, low, high);
            q[j] = (byte)((int)MathF.Round(v) + zeroPoint);
        }
    }
}
