namespace BertGen.Runtime.Kernels.Attention;

/// <summary>What <see cref="AttentionTile"/> does with each row of a product before storing it.</summary>
internal enum TileEpilogueKind
{
    /// <summary>C = A·B.</summary>
    Store,

    /// <summary>C += A·B (the backward's dK and dV over query blocks).</summary>
    Accumulate,

    /// <summary>
    /// C = A·B·scale + rowValues[i], and the column-wise running maximum of C into columnMax: the scores Sᵀ with the
    /// mask bias of key i, and each query's (lane's) maximum for the softmax, in the same pass.
    /// </summary>
    Scores,

    /// <summary>C = A·B·rowValues[i]: the context rows times 1/Σ and dropout's 1/(1 − p).</summary>
    ScaleRows,
}

/// <summary>An epilogue and its operands; row and column pointers are offset by the tile driver.</summary>
internal readonly unsafe struct TileEpilogue
{
    private TileEpilogue(TileEpilogueKind kind, float scale, float* rowValues, float* columnMax)
    {
        Kind = kind;
        Scale = scale;
        RowValues = rowValues;
        ColumnMax = columnMax;
    }

    public static TileEpilogue Store => new(TileEpilogueKind.Store, 1f, null, null);

    public static TileEpilogue Accumulate => new(TileEpilogueKind.Accumulate, 1f, null, null);

    public TileEpilogueKind Kind { get; }

    public float Scale { get; }

    /// <summary>One value per row of C (bias or factor).</summary>
    public float* RowValues { get; }

    /// <summary>One running maximum per column of C, updated by <see cref="TileEpilogueKind.Scores"/>; start it at float.MinValue.</summary>
    public float* ColumnMax { get; }

    public static TileEpilogue Scores(float scale, float* bias, float* columnMax) => new(TileEpilogueKind.Scores, scale, bias, columnMax);

    public static TileEpilogue ScaleRows(float* factors) => new(TileEpilogueKind.ScaleRows, 1f, factors, null);
}
