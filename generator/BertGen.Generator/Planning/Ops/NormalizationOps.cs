using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>
/// y = LayerNorm(x)·γ + β over rows of <paramref name="Width"/>, with <paramref name="Module"/>'s weight and bias.
/// Inference runs the model's row kernel in place (<paramref name="Input"/> = <paramref name="Output"/>, nothing
/// saved); training keeps x̂ and 1/σ for the backward (the runtime kernel, rows split over the pool).
/// </summary>
internal sealed record LayerNormOp(string? Description, Operand Input, Operand Output, Operand? SavedXhat, Operand? SavedRstd, int Rows, int Width, string Module)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Input, Output, SavedXhat, SavedRstd };
}

/// <summary>Backward of <see cref="LayerNormOp"/>: dγ, dβ added into the gradients, dx written from dy, x̂ and 1/σ.</summary>
internal sealed record LayerNormBackwardOp(string? Description, Operand Dy, Operand Xhat, Operand Rstd, string Module, Operand Dx, int Rows, int Width)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Dy, Xhat, Rstd, Dx };
}

/// <summary>
/// The elementwise activation of a training step: <c>target = f(pre)</c> forward, <c>target *= f'(pre)</c> backward.
/// (The forward pass fuses it into the GEMM epilogue instead.)
/// </summary>
internal sealed record ActivationOp(string? Description, bool Backward, string Activation, Operand Pre, Operand Target, long Count)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Pre, Target };
}

/// <summary>grad *= 1 − output²: the backward of output = tanh(pre), from the saved output (the pooler).</summary>
internal sealed record TanhBackwardOp(string? Description, Operand Output, Operand Gradient, long Count) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Output, Gradient };
}
