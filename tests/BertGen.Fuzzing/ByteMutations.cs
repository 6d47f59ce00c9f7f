using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Fuzzing;

/// <summary>
/// Format-blind damage to a byte range: a flipped bit, a byte set to a value parsers treat specially, a cut, bytes
/// deleted, inserted or repeated, garbage appended. Each mutation says what it did, so a failing case can be rebuilt.
/// </summary>
public static class ByteMutations
{
    /// <summary>Bytes that mean something to JSON, protobuf, UTF-8 or a terminal.</summary>
    private static readonly byte[] Interesting =
        [0x00, 0x01, 0x0A, 0x0D, 0x09, 0x1B, 0x20, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':',
         (byte)'-', (byte)'0', (byte)'9', (byte)'e', (byte)'.', 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xEF, 0xF0, 0xFE, 0xFF];

    /// <summary>One random mutation of <paramref name="bytes"/> inside [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public static (string Mutation, byte[] Bytes) Any(byte[] bytes, FuzzRandom random, int start = 0, int end = -1)
    {
        end = end < 0 ? bytes.Length : end;
        return random.Next(7) switch
        {
            0 or 1 => FlipBit(bytes, random, start, end),
            2 => SetByte(bytes, random, start, end),
            3 => Truncate(bytes, random, start, end),
            4 => Delete(bytes, random, start, end),
            5 => Insert(bytes, random, start, end),
            _ => Duplicate(bytes, random, start, end),
        };
    }

    public static (string, byte[]) FlipBit(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int at = random.Next(start, end);
        int bit = random.Next(8);
        byte[] copy = (byte[])bytes.Clone();
        copy[at] ^= (byte)(1 << bit);
        return ($"flip bit {bit} of byte {at}", copy);
    }

    public static (string, byte[]) SetByte(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int at = random.Next(start, end);
        byte value = random.Next(2) == 0 ? random.Pick(Interesting) : (byte)random.Next(256);
        byte[] copy = (byte[])bytes.Clone();
        copy[at] = value;
        return ($"set byte {at} to 0x{value:X2}", copy);
    }

    public static (string, byte[]) Truncate(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int length = random.Next(start, end);
        return ($"cut to {length} of {bytes.Length} bytes", bytes[..length]);
    }

    public static (string, byte[]) Delete(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int at = random.Next(start, end);
        int count = Math.Min(end - at, 1 + random.Next(random.Next(2) == 0 ? 4 : 64));
        return ($"delete {count} bytes at {at}", [.. bytes[..at], .. bytes[(at + count)..]]);
    }

    public static (string, byte[]) Insert(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int at = random.Next(start, end + 1);
        byte[] inserted = Enumerable.Range(0, 1 + random.Next(8)).Select(_ => random.Next(2) == 0 ? random.Pick(Interesting) : (byte)random.Next(256)).ToArray();
        return ($"insert {Convert.ToHexString(inserted)} at {at}", [.. bytes[..at], .. inserted, .. bytes[at..]]);
    }

    public static (string, byte[]) Duplicate(byte[] bytes, FuzzRandom random, int start, int end)
    {
        int at = random.Next(start, end);
        int count = Math.Min(end - at, 1 + random.Next(32));
        return ($"repeat {count} bytes at {at}", [.. bytes[..(at + count)], .. bytes[at..(at + count)], .. bytes[(at + count)..]]);
    }

    /// <summary>Garbage after the end: text, zeros or random bytes.</summary>
    public static (string, byte[]) Append(byte[] bytes, FuzzRandom random)
    {
        byte[] tail = random.Next(3) switch
        {
            0 => "garbage after the end\n"u8.ToArray(),
            1 => new byte[1 + random.Next(16)],
            _ => Enumerable.Range(0, 1 + random.Next(32)).Select(_ => (byte)random.Next(256)).ToArray(),
        };
        return ($"append {tail.Length} bytes {Convert.ToHexString(tail.AsSpan(0, Math.Min(8, tail.Length)))}…", [.. bytes, .. tail]);
    }

    /// <summary>The ranges of <paramref name="bytes"/> outside every range in <paramref name="excluded"/>, for damage that must avoid them.</summary>
    public static List<(int Start, int End)> Outside(int length, IEnumerable<(int Start, int End)> excluded)
    {
        var ranges = new List<(int, int)>();
        int at = 0;
        foreach ((int start, int end) in excluded.OrderBy(r => r.Start))
        {
            if (start > at)
            {
                ranges.Add((at, start));
            }

            at = Math.Max(at, end);
        }

        if (at < length)
        {
            ranges.Add((at, length));
        }

        return ranges;
    }
}
