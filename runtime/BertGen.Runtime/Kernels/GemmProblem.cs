using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Kernels;

/// <summary>Where a GEMM's B operand comes from.</summary>
internal enum BSource
{
    /// <summary>Already packed (a pre-packed weight).</summary>
    Packed,

    /// <summary>Stored <c>[N,K]</c>: packed with <see cref="PanelPacker.PackTransposed"/>.</summary>
    RowsAreColumns,

    /// <summary>Stored <c>[K,N]</c>: packed with <see cref="PanelPacker.PackDirect"/>.</summary>
    RowsAreK,
}

/// <summary>
/// One GEMM call's description: lives on the dispatching thread's stack and is handed to every
/// <see cref="ComputePool"/> thread by pointer, so a dispatch allocates nothing.
/// </summary>
internal unsafe struct GemmProblem
{
    public int M;
    public int N;
    public int K;
    public float* A;
    public nint Lda;
    public bool ATransposed;
    public float* Packed;
    public float* BSourcePointer;
    public nint Ldb;
    public BSource Source;
    public float* C;
    public nint Ldc;
    public GemmEpilogue Epilogue;
    public GemmPath Path;
    public bool ByPanels;

    public GemmProblem(int m, int n, int k, float* a, nint lda, bool aTransposed, float* packed, float* bSource, nint ldb,
        BSource source, float* c, nint ldc, GemmEpilogue epilogue, GemmPath path)
    {
        M = m;
        N = n;
        K = k;
        A = a;
        Lda = lda;
        ATransposed = aTransposed;
        Packed = packed;
        BSourcePointer = bSource;
        Ldb = ldb;
        Source = source;
        C = c;
        Ldc = ldc;
        Epilogue = epilogue;
        Path = path;
        ByPanels = true;
    }
}
