using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The number of A rows a micro-kernel instantiation computes, as a type, so the JIT compiles one
/// straight-line kernel per row count with the unused accumulators removed: a full tile is
/// <see cref="Rows8"/>, an M tail of r rows uses <c>Rows{r}</c>. The emitted per-shape code names these
/// directly (a model with 37 tokens calls the 8-row kernel four times and the 5-row kernel once).
/// </summary>
internal interface ITileRows
{
    /// <summary>Rows computed, 1 to <see cref="PackedPanels.TileRows"/>.</summary>
    static abstract int Count { get; }
}

/// <summary>1 row.</summary>
internal readonly struct Rows1 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 1;
}

/// <summary>2 rows.</summary>
internal readonly struct Rows2 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 2;
}

/// <summary>3 rows.</summary>
internal readonly struct Rows3 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 3;
}

/// <summary>4 rows.</summary>
internal readonly struct Rows4 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 4;
}

/// <summary>5 rows.</summary>
internal readonly struct Rows5 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 5;
}

/// <summary>6 rows.</summary>
internal readonly struct Rows6 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 6;
}

/// <summary>7 rows.</summary>
internal readonly struct Rows7 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 7;
}

/// <summary>8 rows: a full tile.</summary>
internal readonly struct Rows8 : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 8;
}

/// <summary>
/// Rows 0..3 of a <typeparamref name="TRows"/> tile: 256-bit kernels have registers for 4 rows at a time and
/// compute an 8-row tile as two 4-row halves. <see cref="Count"/> is forced inline: a kernel with many inlined
/// intrinsics exhausts the JIT's inlining budget, and a call left in its loop spills every accumulator (measured
/// on the int8 kernel: 37% of the VPDPBUSD ceiling instead of 99%).
/// </summary>
internal readonly struct LowerHalf<TRows> : ITileRows
    where TRows : struct, ITileRows
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Count < 4 ? TRows.Count : 4;
    }
}

/// <summary>Rows 4..7 of a <typeparamref name="TRows"/> tile (used only when it has more than 4).</summary>
internal readonly struct UpperHalf<TRows> : ITileRows
    where TRows : struct, ITileRows
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Count - 4;
    }
}
