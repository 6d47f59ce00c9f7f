using System.ComponentModel;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Which instruction set a GEMM runs on. <see cref="Auto"/> picks the widest the machine has; the others
/// force a path so tests can check every path on an AVX-512 machine and benchmarks can compare them.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum GemmPath
{
    /// <summary>The widest accelerated path: AVX-512, else AVX2+FMA, else scalar.</summary>
    Auto,

    /// <summary><c>Vector512</c> micro-kernel (AVX-512F).</summary>
    Avx512,

    /// <summary><c>Vector256</c> micro-kernel (AVX2 + FMA3).</summary>
    Avx2,

    /// <summary>Portable scalar code, no intrinsics.</summary>
    Scalar,
}
