using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// One int8 GEMM call: lives on the dispatching thread's stack and is handed to every <see cref="ComputePool"/>
/// thread by pointer, so a dispatch allocates nothing.
/// </summary>
internal unsafe struct Int8GemmProblem
{
    public int M;
    public int N;
    public int K;
    public float* X;
    public nint Ldx;
    public byte* Packed;
    public float* Y;
    public nint Ldy;
    public GemmEpilogue Epilogue;
    public byte* Scratch;
    public Int8Path Path;
    public bool ByPanels;
}
