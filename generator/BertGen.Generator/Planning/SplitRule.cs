namespace BertGen.Generator.Planning;

/// <summary>
/// Which calls of a planned step are split over the model's pool. Decided here, once, at build time: the emitters
/// only print the decision.
/// </summary>
internal static class SplitRule
{
    /// <summary>
    /// Below this many FLOPs a GEMM runs on the calling thread: the pool's hand-off (a few µs) would cost
    /// more than the second core saves. About 10 µs of single-core work.
    /// </summary>
    public const long ParallelGemmFlops = 2_000_000;

    /// <summary>Whether an M×N×K product goes to the pool.</summary>
    public static bool Gemm(long m, long n, long k) => checked(2 * m * n * k) >= ParallelGemmFlops;
}
