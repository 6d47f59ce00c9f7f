using System.Collections.Generic;
using BertGen.Runtime;

namespace BertGen.Fuzzing;

/// <summary>The repository's seeded xoshiro256** behind the few draws mutations need, so a corpus is the same everywhere.</summary>
public sealed class FuzzRandom(ulong seed)
{
    private SeededRandom _random = new(seed);

    /// <summary>An integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => _random.NextInt(maxExclusive);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int min, int maxExclusive) => min + _random.NextInt(maxExclusive - min);

    public ulong NextUInt64() => _random.NextUInt64();

    public double NextDouble() => _random.NextDouble();

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
