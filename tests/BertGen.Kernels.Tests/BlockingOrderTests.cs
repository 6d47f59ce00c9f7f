using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>
/// The K-blocks fix the order in which each element of C is summed, and nothing else does: a driver written
/// from <see cref="GemmBlocking"/>'s loop nest alone — constant bounds, full tiles calling the micro-kernel
/// directly, edges through <see cref="Gemm.EdgeTile"/>, the epilogue after the last K-block — gives bitwise
/// the same result as the runtime's <see cref="Gemm"/> on every path.
/// </summary>
public sealed unsafe class BlockingOrderTests
{
    [Theory]
    [InlineData(GemmPath.Avx512)]
    [InlineData(GemmPath.Avx2)]
    [InlineData(GemmPath.Scalar)]
    public void DriverFromTheBlockingAloneIsBitwiseEqualToTheRuntimeDriver(GemmPath path)
    {
        // 37 tokens, 300 → 200 (K spans two K-blocks, N ends in an 8-column panel, M in a 5-row tile).
        const int M = 37, K = 300, N = 200;
        float[] x = ReferenceMath.RandomArray(M * K, 51);
        float[] w = ReferenceMath.RandomArray(N * K, 52);
        float[] bias = ReferenceMath.RandomArray(N, 53);
        float[] packed = new float[PackedPanels.PackedLength(N, K)];
        float[] expected = new float[M * N];
        float[] actual = new float[M * N];
        fixed (float* px = x, pw = w, pb = bias, pp = packed, pe = expected, pa = actual)
        {
            PanelPacker.PackTransposed(N, K, pw, K, pp, 0, PackedPanels.PanelCount(N));
            GemmEpilogue epilogue = GemmEpilogue.None.WithBias(pb).WithActivation(Activation.GeluErf);
            Gemm.Linear(M, N, K, px, K, pp, pe, N, epilogue, null, path);

            // GemmBlocking's nest for this shape, its bounds written out as literals.
            for (int blockBegin = 0; blockBegin < 5; blockBegin += GemmBlocking.RowBlock / 8)
            {
                for (int panel = 0; panel < 5; panel++)
                {
                    int cols = Math.Min(48, N - (panel * 48));
                    for (int k0 = 0; k0 < K; k0 += GemmBlocking.KBlock)
                    {
                        int kLen = Math.Min(GemmBlocking.KBlock, K - k0);
                        float* b = pp + ((((long)panel * K) + k0) * 48);
                        for (int tile = blockBegin; tile < Math.Min(blockBegin + (GemmBlocking.RowBlock / 8), 5); tile++)
                        {
                            int rows = Math.Min(8, M - (tile * 8));
                            float* a = px + (tile * 8 * K) + k0;
                            float* c = pa + (tile * 8 * N) + (panel * 48);
                            if (rows == 8 && cols == 48 && path == GemmPath.Avx512)
                            {
                                GemmTileAvx512.Tile<Rows8, RowMajorA>(a, K, b, c, N, kLen, k0 > 0);
                            }
                            else if (rows == 8 && cols == 48 && path == GemmPath.Avx2)
                            {
                                GemmTileAvx2.Tile<Rows8, RowMajorA>(a, K, b, c, N, kLen, k0 > 0);
                            }
                            else
                            {
                                Gemm.EdgeTile(path, false, rows, cols, a, K, b, c, N, kLen, k0 > 0);
                            }

                            if (k0 + kLen == K)
                            {
                                epilogue.ApplyToTile(c, N, tile * 8, rows, panel * 48, cols, path);
                            }
                        }
                    }
                }
            }
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EdgeTileRejectsBadArguments()
    {
        Assert.Throws<GemmArgumentException>(() => Gemm.EdgeTile(GemmPath.Auto, false, 8, 48, null, 1, null, null, 48, 1, false));
        Assert.Throws<GemmArgumentException>(() => Gemm.EdgeTile(GemmPath.Scalar, false, 9, 48, null, 1, null, null, 48, 1, false));
        Assert.Throws<GemmArgumentException>(() => Gemm.EdgeTile(GemmPath.Scalar, false, 8, 49, null, 1, null, null, 48, 1, false));
    }
}
