namespace BertGen.Runtime.Kernels;

/// <summary>
/// How a micro-kernel reads its A operand (the broadcast side), as a type so the JIT specialises the loop.
/// A is never packed: it is an activation already in cache, and reading it in place saves a pass.
/// </summary>
internal interface IOperandLayout
{
    /// <summary>
    /// False: A is row-major, element (r, k) at <c>a[r·lda + k]</c> (x in y = x·Wᵀ, dY in dX = dY·W).
    /// True: A is stored transposed, element (r, k) at <c>a[k·lda + r]</c> (dYᵀ in dW += dYᵀ·X).
    /// </summary>
    static abstract bool IsTransposed { get; }
}

/// <summary>A is row-major: element (r, k) at <c>a[r·lda + k]</c>.</summary>
internal readonly struct RowMajorA : IOperandLayout
{
    /// <inheritdoc/>
    public static bool IsTransposed => false;
}

/// <summary>A is stored transposed: element (r, k) at <c>a[k·lda + r]</c>.</summary>
internal readonly struct TransposedA : IOperandLayout
{
    /// <inheritdoc/>
    public static bool IsTransposed => true;
}
