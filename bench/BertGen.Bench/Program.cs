using BenchmarkDotNet.Running;

namespace BertGen.Bench;

/// <summary>
/// <c>dotnet run -c Release -- quick [Avx512|Avx2|Scalar]</c> prints the GFLOP/s table in seconds;
/// anything else goes to BenchmarkDotNet (e.g. <c>-- --filter *LinearGemm*</c>).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "quick")
        {
            QuickTable.Run(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
