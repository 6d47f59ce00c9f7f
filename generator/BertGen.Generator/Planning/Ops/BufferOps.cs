using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>destination = source over <paramref name="Count"/> floats.</summary>
internal sealed record CopyOp(string? Description, Operand Source, Operand Destination, long Count) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Source, Destination };
}

/// <summary>destination = 0 over <paramref name="Count"/> floats.</summary>
internal sealed record ClearOp(string? Description, Operand Destination, long Count) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Destination };
}

/// <summary>sums[j] += Σ_r x[r·ld + j]: a bias gradient from an output gradient (columns split over the pool).</summary>
internal sealed record ColumnSumsOp(string? Description, Operand X, int Rows, int Width, long Ld, Operand Sums) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { X, Sums };
}
