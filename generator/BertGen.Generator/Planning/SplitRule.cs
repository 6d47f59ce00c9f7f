namespace BertGen.Generator.Planning;

/// <summary>
/// Which calls of a planned step are split over the model's pool. Decided here, once, at build time: the emitters
/// only print the decision.
/// </summary>
internal static class SplitRule
{
    /// <summary>
    /// Whether an M×N×K product goes to the pool: when the runtime would split it (it decides how, by panels or
    /// by rows, from the shape). One threshold, the runtime's, mirrored in <see cref="RuntimeContract"/>.
    /// </summary>
    public static bool Gemm(long m, long n, long k) => checked(2 * m * n * k) >= RuntimeContract.MinimumFlopsToSplit;
}
