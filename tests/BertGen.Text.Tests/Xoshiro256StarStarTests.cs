using System;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class Xoshiro256StarStarTests
{
    [Fact]
    public void Outputs_MatchPublishedReferenceVectors()
    {
        // Reference: the xoshiro256** test vector of the rand_xoshiro crate (state 1, 2, 3, 4), which
        // matches Vigna's reference C code.
        var rng = new Xoshiro256StarStar(new Xoshiro256State(1, 2, 3, 4));
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600];
        foreach (ulong e in expected)
        {
            Assert.Equal(e, rng.NextUInt64());
        }

        // SplitMix64 from 0, as in Vigna's splitmix64.c: the seeding expands a seed with it.
        ulong x = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Xoshiro256StarStar.SplitMix64(ref x));
        Assert.Equal(0x6E789E6AA1B965F4UL, Xoshiro256StarStar.SplitMix64(ref x));
        Assert.Equal(new Xoshiro256State(0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL), new Xoshiro256StarStar(0).State);
    }

    [Fact]
    public void SaveAndRestore_ReproducesTheRestOfTheStream()
    {
        var rng = new Xoshiro256StarStar(12345);
        for (int i = 0; i < 1000; i++)
        {
            rng.NextUInt64();
        }

        Xoshiro256State saved = rng.State;
        var expected = new ulong[100];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = rng.NextUInt64();
        }

        var resumed = new Xoshiro256StarStar(saved);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], resumed.NextUInt64());
        }

        Assert.Throws<TextDataException>(() => rng.Restore(new Xoshiro256State(0, 0, 0, 0)));
    }

    [Fact]
    public void NextInt_IsUniformOverASmallRange()
    {
        // 7 bins × 70,000 draws: each count ~ Binomial(70000, 1/7), σ ≈ 92.6; 6σ bounds fail by chance with
        // probability ~1e-8 per bin, while a biased reduction (e.g. modulo of a 3-bit value) is far outside.
        var rng = new Xoshiro256StarStar(7);
        var counts = new int[7];
        const int draws = 70000 * 7;
        for (int i = 0; i < draws; i++)
        {
            counts[rng.NextInt(7)]++;
        }

        double sigma = Math.Sqrt(draws * (1.0 / 7) * (6.0 / 7));
        Assert.All(counts, c => Assert.InRange(c, 70000 - 6 * sigma, 70000 + 6 * sigma));
        Assert.Equal(3, rng.NextIntInclusive(3, 3));
    }

    [Fact]
    public void NextDouble_StaysInUnitInterval()
    {
        var rng = new Xoshiro256StarStar(1);
        double sum = 0;
        for (int i = 0; i < 100000; i++)
        {
            double d = rng.NextDouble();
            Assert.InRange(d, 0.0, Math.BitDecrement(1.0));
            sum += d;
        }

        // Mean of 1e5 uniforms: σ = sqrt(1/12 / 1e5) ≈ 0.00091; 6σ ≈ 0.0055.
        Assert.InRange(sum / 100000, 0.5 - 0.0055, 0.5 + 0.0055);
    }

    [Fact]
    public void Shuffle_IsAPermutationAndSeedDependent()
    {
        int[] a = new int[50], b = new int[50];
        for (int i = 0; i < 50; i++)
        {
            a[i] = b[i] = i;
        }

        new Xoshiro256StarStar(1).Shuffle(a.AsSpan());
        new Xoshiro256StarStar(2).Shuffle(b.AsSpan());
        Assert.NotEqual(a, b);
        Array.Sort(a);
        Array.Sort(b);
        Assert.Equal(a, b);
    }
}
