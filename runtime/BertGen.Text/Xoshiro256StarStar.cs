using System;

namespace BertGen.Text;

/// <summary>The full state of a <see cref="Xoshiro256StarStar"/>: four 64-bit words, never all zero.</summary>
public readonly record struct Xoshiro256State(ulong S0, ulong S1, ulong S2, ulong S3);

/// <summary>
/// xoshiro256** 1.0 (Blackman and Vigna, 2018): a small, fast generator whose whole state is four words,
/// so a training run can save it with a checkpoint and resume the exact same data stream. Seeded through
/// SplitMix64 as the authors recommend. Python's <c>random</c> (Mersenne Twister) is not reproduced: the
/// pretraining data follows Google's algorithm, not its exact random draws.
/// </summary>
public sealed class Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public Xoshiro256StarStar(Xoshiro256State state)
    {
        Restore(state);
    }

    public Xoshiro256State State => new(_s0, _s1, _s2, _s3);

    public void Restore(Xoshiro256State state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new TextDataException("A xoshiro256** state of all zeros is invalid (the generator would output only zeros).");
        }

        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
    }

    public ulong NextUInt64()
    {
        ulong result = BitRotate(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits, like Python's <c>random.random()</c>.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="bound"/>), unbiased (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
        }

        ulong m = Math.BigMul(NextUInt64(), (ulong)bound, out ulong low);
        if (low < (ulong)bound)
        {
            ulong threshold = (0UL - (ulong)bound) % (ulong)bound;
            while (low < threshold)
            {
                m = Math.BigMul(NextUInt64(), (ulong)bound, out low);
            }
        }

        return (int)m;
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="maxInclusive"/>], like Python's <c>randint</c>.</summary>
    public int NextIntInclusive(int min, int maxInclusive)
    {
        if (maxInclusive < min)
        {
            throw new ArgumentOutOfRangeException(nameof(maxInclusive), maxInclusive, $"The range [{min}, {maxInclusive}] is empty.");
        }

        return min + NextInt(maxInclusive - min + 1);
    }

    /// <summary>Fisher–Yates from the back, the same walk as Python's <c>random.shuffle</c>.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    internal static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong BitRotate(ulong x, int k) => (x << k) | (x >> (64 - k));
}
