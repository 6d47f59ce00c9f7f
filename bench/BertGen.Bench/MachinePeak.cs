namespace BertGen.Bench;

/// <summary>
/// This machine's fp32 FMA ceiling (REFERENCE.md §8: 12–16 independent Vector512 FMA chains, medians of 15
/// runs on the 2-core AMD EPYC Zen 5 VM): the denominator of every "% of peak" the benchmarks print.
/// </summary>
public static class MachinePeak
{
    /// <summary>Vector512 FMA peak on one core, GFLOP/s.</summary>
    public const double OneCoreGflops = 220;

    /// <summary>Vector512 FMA peak on two cores, GFLOP/s.</summary>
    public const double TwoCoreGflops = 410;

    /// <summary>The peak for <paramref name="threads"/> threads.</summary>
    public static double For(int threads) => threads >= 2 ? TwoCoreGflops : OneCoreGflops;
}
