using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Threading;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>Runs the int8 GEMM on managed arrays: packs W (fp32, quantised by the packer) and calls it.</summary>
internal static unsafe class Int8Harness
{
    /// <summary>Every int8 path; this project's hosts have AVX-VNNI and AVX2.</summary>
    public static readonly Int8Path[] Paths = [Int8Path.AvxVnni, Int8Path.Avx2, Int8Path.Scalar];

    /// <summary>W [n, k] packed from fp32.</summary>
    public static byte[] Pack(float[] w, int n, int k, ComputePool? pool = null)
    {
        byte[] packed = new byte[QuantizedPanels.PackedBytes(n, k)];
        float[] bias = new float[n];
        fixed (float* pw = w, pb = bias)
        fixed (byte* pp = packed)
        {
            Int8LinearPacker.Pack(pp, pb, k, [((nint)pw, (nint)pb, n)], pool);
        }

        return packed;
    }

    /// <summary>y = epilogue(x·Wᵀ) with W packed from fp32; x has leading dimension ldx, y leading dimension ldy.</summary>
    public static float[] Linear(int m, int n, int k, float[] x, int ldx, byte[] packed, float[] y, int ldy, GemmEpilogue epilogue, ComputePool? pool, Int8Path path)
    {
        byte[] scratch = new byte[Int8Gemm.ScratchBytes(m, k)];
        fixed (float* px = x, py = y)
        fixed (byte* pp = packed, ps = scratch)
        {
            Int8Gemm.LinearOnPath(m, n, k, px, ldx, pp, py, ldy, epilogue, ps, pool, path);
        }

        return y;
    }

    /// <summary>Asserts bitwise equality, naming the first differing element.</summary>
    public static void AssertBitwiseEqual(float[] expected, float[] actual, int n, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Xunit.Assert.Fail($"{what}: C[{i / n},{i % n}] = {actual[i]:R}, expected exactly {expected[i]:R}");
            }
        }
    }
}
