using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>The packed panel layout, read back element by element against its definition.</summary>
public sealed unsafe class PackingTests
{
    [Theory]
    [InlineData(48, 16)]
    [InlineData(50, 7)]
    [InlineData(1, 1)]
    [InlineData(200, 72)]
    [InlineData(100, 37)] // full 8-column blocks with a K remainder of 5
    public void PackedLayoutMatchesDefinitionWithZeroTails(int n, int k)
    {
        // packed[(p·K + kk)·48 + j] = B[kk, 48p + j], zero past N; both source layouts must give the same bytes.
        float[] weight = ReferenceMath.RandomArray(n * k, 8); // [N, K]
        float[] direct = new float[k * n];                    // the same matrix stored [K, N]
        for (int j = 0; j < n; j++)
        {
            for (int kk = 0; kk < k; kk++)
            {
                direct[(kk * n) + j] = weight[(j * k) + kk];
            }
        }

        long length = PackedPanels.PackedLength(n, k);
        Assert.Equal((long)((n + 47) / 48) * 48 * k, length);
        float[] fromTransposed = new float[length];
        float[] fromDirect = new float[length];
        System.Array.Fill(fromTransposed, float.NaN);
        System.Array.Fill(fromDirect, float.NaN);
        fixed (float* pw = weight, pd = direct, pt = fromTransposed, pq = fromDirect)
        {
            PanelPacker.PackTransposed(n, k, pw, k, pt, 0, PackedPanels.PanelCount(n));
            PanelPacker.PackDirect(n, k, pd, n, pq, 0, PackedPanels.PanelCount(n));
        }

        for (int p = 0; p < PackedPanels.PanelCount(n); p++)
        {
            for (int kk = 0; kk < k; kk++)
            {
                for (int j = 0; j < 48; j++)
                {
                    int column = (p * 48) + j;
                    float expected = column < n ? weight[(column * k) + kk] : 0f;
                    long index = (((long)p * k) + kk) * 48 + j;
                    Assert.Equal(expected, fromTransposed[index]);
                    Assert.Equal(expected, fromDirect[index]);
                }
            }
        }
    }

    /// <summary>
    /// A thread packs only its own panels, from a source whose rows may be wider than N (a weight's columns inside a
    /// wider buffer): each range, the short last panel's included, must land where the whole pack puts it, and nothing
    /// outside its range may be written.
    /// </summary>
    [Theory]
    [InlineData(200, 37, 3)]  // 4 full panels and one of 8 columns
    [InlineData(768, 20, 2)]  // 16 full panels, as BERT's dX packs W
    [InlineData(47, 9, 1)]    // a single short panel
    public void PackedByPanelRangesFromAWiderSourceMatchesDefinition(int n, int k, int splits)
    {
        int ld = n + 13;
        float[] source = ReferenceMath.RandomArray(k * ld, 9); // [K, N] inside rows of ld floats
        int panels = PackedPanels.PanelCount(n);
        float[] packed = new float[PackedPanels.PackedLength(n, k)];
        System.Array.Fill(packed, float.NaN);
        fixed (float* ps = source, pp = packed)
        {
            for (int part = 0; part < splits; part++)
            {
                int begin = panels * part / splits, end = panels * (part + 1) / splits;
                PanelPacker.PackDirect(n, k, ps, ld, pp, begin, end);
                for (long i = (long)end * k * 48; i < packed.Length; i++)
                {
                    Assert.True(float.IsNaN(packed[i]), $"panels [{begin}, {end}) wrote index {i}, past their range");
                }
            }
        }

        for (int p = 0; p < panels; p++)
        {
            for (int kk = 0; kk < k; kk++)
            {
                for (int j = 0; j < 48; j++)
                {
                    int column = (p * 48) + j;
                    float expected = column < n ? source[(kk * ld) + column] : 0f;
                    Assert.Equal(expected, packed[((((long)p * k) + kk) * 48) + j]);
                }
            }
        }
    }

    [Fact]
    public void RejectsBadSizes()
    {
        Assert.Throws<GemmArgumentException>(() => PackedPanels.PackedLength(0, 5));
        float[] buffer = new float[480];
        fixed (float* p = buffer)
        {
            float* q = p;
            Assert.Throws<GemmArgumentException>(() => PanelPacker.PackTransposed(10, 10, q, 5, q, 0, 1));
            Assert.Throws<GemmArgumentException>(() => PanelPacker.PackDirect(10, 10, q, 10, q, 0, 2));
            Assert.Throws<GemmArgumentException>(() => PanelPacker.PackDirect(10, 10, null, 10, q, 0, 1));
        }
    }
}
