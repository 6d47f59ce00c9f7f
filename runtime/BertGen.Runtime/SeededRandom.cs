using System;

namespace BertGen.Runtime;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): a small, fast generator whose whole state is four ulongs, so
/// training can checkpoint it and resume the exact same stream. Seeded through SplitMix64 as its authors
/// recommend, so nearby seeds give unrelated streams.
/// </summary>
internal struct SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The full state, for checkpoints.</summary>
    public readonly (ulong, ulong, ulong, ulong) State => (_s0, _s1, _s2, _s3);

    /// <summary>Restores a state captured by <see cref="State"/>.</summary>
    public static SeededRandom FromState((ulong S0, ulong S1, ulong S2, ulong S3) state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("An all-zero xoshiro256** state is invalid.", nameof(state));
        }

        return new SeededRandom { _s0 = state.S0, _s1 = state.S1, _s2 = state.S2, _s3 = state.S3 };
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), unbiased (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), "must be positive");
        }

        ulong range = (ulong)maxExclusive;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * range;
            ulong low = (ulong)product;
            if (low >= range || low >= (0 - range) % range)
            {
                return (int)(product >> 64);
            }
        }
    }

    /// <summary>Standard normal by Box–Muller (one of the pair; the simplicity beats caching the other).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood, 2014): the seeding generator xoshiro's authors recommend.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
