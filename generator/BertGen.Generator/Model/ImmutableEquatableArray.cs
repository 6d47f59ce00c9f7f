using System;
using System.Collections;
using System.Collections.Generic;

namespace BertGen.Generator.Model;

/// <summary>
/// A read-only array that compares by its elements. The spec model and the plan are pipeline values, and
/// the incremental driver decides whether to re-run a step by comparing them: arrays must compare by value
/// or every edit anywhere would look like a change.
/// </summary>
internal sealed class ImmutableEquatableArray<T> : IEquatable<ImmutableEquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    public static readonly ImmutableEquatableArray<T> Empty = new(Array.Empty<T>());

    private readonly T[] _items;

    public ImmutableEquatableArray(IEnumerable<T> items) => _items = new List<T>(items).ToArray();

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ImmutableEquatableArray<T>? other)
    {
        if (other is null || other._items.Length != _items.Length)
        {
            return false;
        }

        for (int i = 0; i < _items.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(_items[i], other._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is ImmutableEquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        int hash = 17;
        foreach (T item in _items)
        {
            hash = unchecked((hash * 31) + (item is null ? 0 : item.GetHashCode()));
        }

        return hash;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

internal static class ImmutableEquatableArray
{
    public static ImmutableEquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
        where T : IEquatable<T> => new(items);

    /// <summary>The first item that matches, or an error saying what the plan lacks (a bug in the emitter, not in the spec).</summary>
    public static T Find<T>(this ImmutableEquatableArray<T> items, Func<T, bool> match, string missing)
        where T : IEquatable<T>
    {
        foreach (T item in items)
        {
            if (match(item))
            {
                return item;
            }
        }

        throw new InvalidOperationException(missing);
    }
}
