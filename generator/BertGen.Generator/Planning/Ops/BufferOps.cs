using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

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

/// <summary>
/// Gradient tensors zeroed when the step replaces the gradients (<c>replaceGradients</c>): the op below is the
/// first in the backward to write them, and it adds into them (a bias's column sums, LayerNorm's dγ and dβ, the
/// embeddings' scatter). The GEMMs that write a weight's gradient first store instead (<see cref="GemmEpilogueSpec.FirstGradientWrite"/>).
/// </summary>
internal sealed record GradientClearOp(string? Description, ImmutableEquatableArray<ClearedGradient> Tensors) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => Tensors.Select(t => (Operand?)t.Tensor);
}

/// <summary>One tensor of a <see cref="GradientClearOp"/>: its gradient and the floats zeroed from there.</summary>
internal sealed record ClearedGradient(Operand Tensor, long Count);

/// <summary>sums[j] += Σ_r x[r·ld + j]: a bias gradient from an output gradient (columns split over the pool).</summary>
internal sealed record ColumnSumsOp(string? Description, Operand X, int Rows, int Width, long Ld, Operand Sums) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { X, Sums };
}
