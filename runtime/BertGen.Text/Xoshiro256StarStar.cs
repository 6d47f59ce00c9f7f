using System;
using BertGen.Runtime;

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
    // The generator itself is the runtime's (one implementation of xoshiro256** in the repository); this class
    // adds what the data pipeline draws: bounded integers, shuffles, and a state type of its own.
    private SeededRandom _core;

    public Xoshiro256StarStar(ulong seed) => _core = new SeededRandom(seed);

    public Xoshiro256StarStar(Xoshiro256State state)
    {
        Restore(state);
    }

    public Xoshiro256State State
    {
        get
        {
            (ulong s0, ulong s1, ulong s2, ulong s3) = _core.State;
            return new(s0, s1, s2, s3);
        }
    }

    /// <summary>Starts over from <paramref name="seed"/>, as a new generator of that seed would.</summary>
    public void Reseed(ulong seed) => _core = new SeededRandom(seed);

    public void Restore(Xoshiro256State state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new TextDataException("A xoshiro256** state of all zeros is invalid (the generator would output only zeros).");
        }

        _core = SeededRandom.FromState((state.S0, state.S1, state.S2, state.S3));
    }

    public ulong NextUInt64() => _core.NextUInt64();

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

    /// <summary>Fills <paramref name="order"/> with 0, 1, …, n − 1 and shuffles it: a fresh random permutation (an epoch's order).</summary>
    public void Permutation(Span<int> order)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Shuffle(order);
    }

    internal static ulong SplitMix64(ref ulong x) => SeededRandom.SplitMix64(ref x);
}
