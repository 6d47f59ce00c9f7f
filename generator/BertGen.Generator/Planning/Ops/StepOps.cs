using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>A heading: a blank line and the description, above the ops of one part of the step (a layer, a head).</summary>
internal sealed record SectionOp(string Description) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => System.Array.Empty<Operand?>();
}

/// <summary>The end of the forward and the loss: an Evaluate step returns its losses here, a Train step goes on.</summary>
internal sealed record EndOfForwardOp() : PlannedOp((string?)null)
{
    public override IEnumerable<Operand?> Operands => System.Array.Empty<Operand?>();
}

/// <summary>
/// Tells the step's <c>IGradientProgress</c> that every gradient from <paramref name="Offset"/> on is final (the
/// backward finishes the parameter buffer from its end: heads, layers L−1 … 0, embeddings).
/// <paramref name="Boundary"/> names the offset in generated code (a parameter-offset constant).
/// </summary>
internal sealed record ProgressOp(string? Description, long Offset, string Boundary) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => System.Array.Empty<Operand?>();
}
