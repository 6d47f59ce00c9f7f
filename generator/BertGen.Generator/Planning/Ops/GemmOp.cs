using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>The runtime driver a GEMM calls (<c>Gemm.Linear</c>, <c>Gemm.Multiply</c>, …): where its B comes from.</summary>
internal enum GemmForm
{
    /// <summary>C = A·B with B a packed linear weight (y = x·Wᵀ).</summary>
    Linear,

    /// <summary>
    /// C = A·B with B an int8-packed linear weight: A quantised per row into <see cref="GemmOp.Pack"/> on the fly, int32
    /// sums, dequantised before the epilogue (<c>Int8Kernels.Linear</c>).
    /// </summary>
    QuantizedLinear,

    /// <summary>C = A·B with B stored [K,N], packed on the fly (P·V, dX = dY·W).</summary>
    Multiply,

    /// <summary>C = Aᵀ·B with A stored [K,M] (dW += dYᵀ·X, dV = Pᵀ·dC).</summary>
    MultiplyTransposedA,

    /// <summary>C = A·Bᵀ with B stored [N,K] (scores Q·Kᵀ).</summary>
    MultiplyTransposedB,
}

/// <summary>What the GEMM does with the product before it lands in C (the runtime's <c>GemmEpilogue</c>).</summary>
/// <param name="Alpha">Scale of the product, or null for 1.</param>
/// <param name="Bias">Per-column bias, or null.</param>
/// <param name="Activation">The runtime activation's name after the bias, or null.</param>
/// <param name="Residual">Residual [M,N] added last, or null.</param>
/// <param name="ResidualStride">Its leading dimension.</param>
/// <param name="Accumulate">C += product instead of C = product.</param>
internal sealed record GemmEpilogueSpec(double? Alpha, Operand? Bias, string? Activation, Operand? Residual, long ResidualStride, bool Accumulate)
{
    public static readonly GemmEpilogueSpec None = new(null, null, null, null, 0, false);

    public static readonly GemmEpilogueSpec AccumulateIntoC = None with { Accumulate = true };

    /// <summary>
    /// A gradient's first write in the backward: C = product when the step replaces the gradients
    /// (<c>replaceGradients</c>), C += product when it adds into them.
    /// </summary>
    public static readonly GemmEpilogueSpec FirstGradientWrite = AccumulateIntoC with { StoresWhenReplacing = true };

    /// <summary>Set on <see cref="FirstGradientWrite"/>: the accumulation is skipped when the step replaces the gradients.</summary>
    public bool StoresWhenReplacing { get; init; }

    public static GemmEpilogueSpec WithBias(Operand bias, string? activation = null) => None with { Bias = bias, Activation = activation };
}

/// <summary>
/// One GEMM, C[M,N] = epilogue(A·B) in one of the runtime's forms, with its leading dimensions and whether it is
/// split over the pool (<see cref="SplitRule"/>). <paramref name="Pack"/> is the scratch the forms that pack B on
/// the fly need (for <see cref="GemmForm.QuantizedLinear"/>, the quantised rows of A); null for <see cref="GemmForm.Linear"/>.
/// </summary>
internal sealed record GemmOp(
    string? Description,
    GemmForm Form,
    int M,
    int N,
    int K,
    Operand A,
    long Lda,
    Operand B,
    long Ldb,
    Operand C,
    long Ldc,
    Operand? Pack,
    GemmEpilogueSpec Epilogue,
    bool Parallel) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { A, B, C, Pack, Epilogue.Bias, Epilogue.Residual };
}
