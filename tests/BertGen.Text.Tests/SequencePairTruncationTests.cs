using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class SequencePairTruncationTests
{
    private static List<int> Range(int start, int count) => Enumerable.Range(start, count).ToList();

    /// <summary>True when <paramref name="part"/> is a contiguous run of <paramref name="whole"/>.</summary>
    private static bool IsContiguousRunOf(List<int> part, List<int> whole)
    {
        for (int s = 0; s + part.Count <= whole.Count; s++)
        {
            if (whole.Skip(s).Take(part.Count).SequenceEqual(part))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void AlreadyFitting_IsUnchangedAndDrawsNothing()
    {
        var rng = new Xoshiro256StarStar(3);
        Xoshiro256State before = rng.State;
        List<int> a = Range(0, 3), b = Range(10, 4);
        SequencePairTruncation.Truncate(a, b, 7, rng);
        Assert.Equal(Range(0, 3), a);
        Assert.Equal(Range(10, 4), b);
        Assert.Equal(before, rng.State);
    }

    [Fact]
    public void OnlyTheLongerSideIsTrimmed_UntilTheyFit()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            List<int> a = Range(0, 5), b = Range(10, 2);
            SequencePairTruncation.Truncate(a, b, 4, new Xoshiro256StarStar(seed));
            // 5+2 → 4+2 → 3+2 → 2+2: A always the longer one, B untouched.
            Assert.Equal(2, a.Count);
            Assert.Equal(Range(10, 2), b);
            Assert.True(IsContiguousRunOf(a, Range(0, 5)));
        }
    }

    [Fact]
    public void Ties_TrimBFirst_SoBothEndHalfTheBudget()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            List<int> a = Range(0, 3), b = Range(10, 3);
            SequencePairTruncation.Truncate(a, b, 5, new Xoshiro256StarStar(seed));
            Assert.Equal(Range(0, 3), a);
            Assert.Equal(2, b.Count);

            List<int> c = Range(0, 10), d = Range(100, 10);
            SequencePairTruncation.Truncate(c, d, 6, new Xoshiro256StarStar(seed));
            Assert.Equal((3, 3), (c.Count, d.Count));
            Assert.True(IsContiguousRunOf(c, Range(0, 10)));
            Assert.True(IsContiguousRunOf(d, Range(100, 10)));
        }
    }

    [Fact]
    public void FrontAndBackRemovalsAreEquallyLikely()
    {
        // One token over budget: the first token goes with probability 1/2, the last otherwise. 4000 trials:
        // σ of the front fraction = sqrt(0.25/4000) ≈ 0.0079; a 5σ band (±0.04) still catches a generator
        // that always trims one end.
        var rng = new Xoshiro256StarStar(11);
        int front = 0;
        const int trials = 4000;
        for (int t = 0; t < trials; t++)
        {
            List<int> a = Range(0, 10), b = new List<int> { 99 };
            SequencePairTruncation.Truncate(a, b, 10, rng);
            Assert.Equal(9, a.Count);
            if (a[0] == 1)
            {
                front++;
                Assert.Equal(9, a[^1]);
            }
            else
            {
                Assert.Equal(0, a[0]);
                Assert.Equal(8, a[^1]);
            }
        }

        Assert.InRange(front / (double)trials, 0.46, 0.54);
    }
}
