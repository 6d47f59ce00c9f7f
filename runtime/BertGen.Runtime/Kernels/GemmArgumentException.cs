using System;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// A GEMM, packing or epilogue call got arguments that cannot describe a valid product (a non-positive
/// size, a leading dimension shorter than a row, a null operand, an epilogue combination that has no
/// meaning). Thrown before any memory is touched, so a bad call never produces a silently wrong result.
/// </summary>
internal sealed class GemmArgumentException : ArgumentException
{
    /// <summary>Creates the exception with a one-line description of the problem.</summary>
    public GemmArgumentException(string message)
        : base(message)
    {
    }
}
