using System;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// A 64-bit fingerprint of a float buffer's exact bits, to check cheaply that data-parallel processes hold identical
/// parameters (one changed bit changes it with overwhelming probability). Eight 64-bit lanes each multiply-xorshift
/// their words (a streaming variant of MurmurHash3's 64-bit mix), then the lanes are folded in order: memory-bound,
/// ~10 GB/s on one core. Not cryptographic: it guards against divergence, not against an adversary.
/// </summary>
internal static unsafe class ParameterFingerprint
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15UL;

    public static ulong Of(AlignedBuffer buffer)
    {
        ulong* words = (ulong*)buffer.Pointer;
        long count = buffer.Length * sizeof(float) / sizeof(ulong);
        Vector512<ulong> state = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * Multiplier;
        long i = 0;
        for (; i + 8 <= count; i += 8)
        {
            state = (state ^ Vector512.Load(words + i)) * Multiplier;
            state ^= Vector512.ShiftRightLogical(state, 29);
        }

        ulong hash = (ulong)count;
        for (int lane = 0; lane < 8; lane++)
        {
            hash = Mix(hash ^ state[lane]);
        }

        for (; i < count; i++)
        {
            hash = Mix(hash ^ words[i]);
        }

        if (buffer.Length % 2 != 0)
        {
            hash = Mix(hash ^ BitConverter.SingleToUInt32Bits(buffer.Pointer[buffer.Length - 1]));
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDUL;
        z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return z ^ (z >> 33);
    }
}
