using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>How a dropout writes its result.</summary>
internal enum DropoutForm
{
    /// <summary>x = dropout(x), in place; also the backward (the same mask on a gradient).</summary>
    Apply,

    /// <summary>x = dropout(x) + residual: the hidden dropout before a residual add.</summary>
    ApplyAndAdd,

    /// <summary>destination = dropout(x), x kept.</summary>
    ApplyTo,
}

/// <summary>Which of the spec's dropout probabilities applies (both 0 outside Train mode).</summary>
internal enum DropoutRate
{
    Hidden,
    Attention,
}

/// <summary>
/// A counter-based dropout: element i of <paramref name="Site"/> is kept by a pure function of (step seed, site, i),
/// so the backward regenerates the forward's mask (<see cref="DropoutSites"/>). <paramref name="Other"/> is the
/// residual of <see cref="DropoutForm.ApplyAndAdd"/> or the destination of <see cref="DropoutForm.ApplyTo"/>.
/// </summary>
internal sealed record DropoutOp(string? Description, DropoutForm Form, Operand X, Operand? Other, long Count, DropoutRate Rate, int Site, bool Parallel)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { X, Other };
}
