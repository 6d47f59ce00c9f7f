using System;
using System.Collections;
using System.Collections.Generic;

namespace BertGen.Text;

/// <summary>
/// How a <see cref="PretrainingInstance"/> holds its tokens in memory. A corpus becomes about ten instances per sentence
/// (Google's dupe factor), all held for the whole run: as two <c>int[]</c> per instance that was 32 bytes per byte of
/// text, so a corpus of a few GB did not fit. Token ids of a vocabulary of up to 65,536 entries (BERT's has 30,522) are
/// held in two bytes each, and the segment ids, 0 up to the second segment and 1 after, as those two numbers.
/// </summary>
internal static class CompactInstanceLists
{
    /// <summary><paramref name="ids"/> in two bytes each when every one fits, else <paramref name="ids"/> itself.</summary>
    public static IReadOnlyList<int> TokenIds(int[] ids)
    {
        foreach (int id in ids)
        {
            if ((uint)id > ushort.MaxValue)
            {
                return ids;
            }
        }

        var narrow = new ushort[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            narrow[i] = (ushort)ids[i];
        }

        return new NarrowIds(narrow);
    }

    /// <summary>The segment ids of <c>[CLS] A [SEP] B [SEP]</c>: 0 before <paramref name="secondStart"/>, 1 from it on.</summary>
    public static IReadOnlyList<int> SegmentIds(int length, int secondStart) => new TwoSegments(length, secondStart);

    private sealed class NarrowIds(ushort[] ids) : IReadOnlyList<int>
    {
        public int Count => ids.Length;

        public int this[int index] => (uint)index < (uint)ids.Length
            ? ids[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The instance has {ids.Length} tokens.");

        public IEnumerator<int> GetEnumerator()
        {
            foreach (ushort id in ids)
            {
                yield return id;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class TwoSegments(int length, int secondStart) : IReadOnlyList<int>
    {
        public int Count => length;

        public int this[int index] => (uint)index < (uint)length
            ? (index < secondStart ? 0 : 1)
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The instance has {length} tokens.");

        public IEnumerator<int> GetEnumerator()
        {
            for (int i = 0; i < length; i++)
            {
                yield return i < secondStart ? 0 : 1;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
