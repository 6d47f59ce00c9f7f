namespace BertGen.Generator.Planning;

/// <summary>
/// The one alignment rule of every buffer the generator lays out (parameters, packed weights, arenas): each tensor
/// starts on a 64-byte cache line, so a <c>Vector512</c> load never splits one.
/// </summary>
internal static class Alignment
{
    /// <summary>Floats per 64-byte cache line.</summary>
    public const int Floats = 16;

    /// <summary><paramref name="floats"/> rounded up to a whole number of cache lines.</summary>
    public static long Align(long floats) => checked((floats + Floats - 1) / Floats * Floats);
}
