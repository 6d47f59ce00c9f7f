namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// What a micro-kernel needs to turn a finished tile's int32 sums into floats (its last K-block), pointing at
/// the tile's first row and first column:
/// <c>C[r, j] = float(acc[r, j] − zp[r]·Σₖq[j, k]) · (scaleA[r] · scaleW[j]) (+ bias[j]) (+ residual[r, j])</c>.
/// </summary>
/// <remarks>
/// Σₖ(a − zp)·q = Σ a·q − zp·Σ q: the activation's zero point is removed with the weight's column sums,
/// precomputed at packing, instead of subtracting it from every byte of A (which would not fit in u8).
/// The integer part is exact; the float part is one conversion and two products in a fixed order, which the
/// scalar reference repeats, so every path gives bitwise the same floats. The bias and residual adds are the fp32
/// epilogue's own (with α = 1 its product by α is exact), done here while the tile is in registers when nothing
/// comes between them (<see cref="Int8Gemm"/> decides); null when the epilogue pass does them.
/// </remarks>
internal readonly unsafe struct Int8TileOutput(float* rowScales, int* rowZeroPoints, float* columnScales, int* columnSums, float* bias, float* residual, nint residualStride)
{
    public readonly float* RowScales = rowScales;
    public readonly int* RowZeroPoints = rowZeroPoints;
    public readonly float* ColumnScales = columnScales;
    public readonly int* ColumnSums = columnSums;
    public readonly float* Bias = bias;
    public readonly float* Residual = residual;
    public readonly nint ResidualStride = residualStride;

    /// <summary>The same output for the rows from <paramref name="rows"/> on.</summary>
    public Int8TileOutput SkipRows(int rows) =>
        new(RowScales + rows, RowZeroPoints + rows, ColumnScales, ColumnSums, Bias, Residual == null ? null : Residual + (rows * ResidualStride), ResidualStride);

    /// <summary>The same output for the columns from <paramref name="columns"/> on.</summary>
    public Int8TileOutput SkipColumns(int columns) =>
        new(RowScales, RowZeroPoints, ColumnScales + columns, ColumnSums + columns, Bias == null ? null : Bias + columns, Residual == null ? null : Residual + columns, ResidualStride);
}
