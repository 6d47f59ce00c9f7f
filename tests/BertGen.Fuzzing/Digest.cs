using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace BertGen.Fuzzing;

/// <summary>Answers are compared as SHA-256 digests of their exact bits (floats by bit pattern, so −0 ≠ +0 and every NaN counts).</summary>
public static class Digest
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Of(ReadOnlySpan<float> values) => Of(MemoryMarshal.AsBytes(values));

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));
}
