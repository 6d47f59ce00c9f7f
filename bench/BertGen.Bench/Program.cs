using System;
using BenchmarkDotNet.Running;
using BertGen.Runtime.Kernels.Int8;

namespace BertGen.Bench;

/// <summary>
/// <c>dotnet run -c Release -- quick [Avx512|Avx2|Scalar]</c> prints the GFLOP/s table in seconds (and the int8
/// section); <c>-- attention [1] [2]</c> today's attention against the fused kernels; <c>-- int8 [AvxVnni|Avx2|Scalar]</c> the int8 section alone; anything else goes to BenchmarkDotNet
/// (e.g. <c>-- --filter *LinearGemm*</c>).
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

        if (args.Length > 0 && args[0] == "attention")
        {
            AttentionQuickTable.Run(args.Length > 1 ? Array.ConvertAll(args[1..], int.Parse) : [1, 2]);
            return;
        }

        if (args.Length > 0 && args[0] == "attention-loop")
        {
            AttentionQuickTable.Loop(args);
            return;
        }

        if (args.Length > 0 && args[0] == "int8")
        {
            using var pool = new Runtime.Threading.ComputePool(2);
            Int8Path path = args.Length > 1 ? Enum.Parse<Int8Path>(args[1], ignoreCase: true) : Int8Path.Auto;
            Console.WriteLine($"{Environment.ProcessorCount} cores");
            Int8QuickTable.Run(pool, path);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
