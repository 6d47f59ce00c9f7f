using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;

namespace BertGen.Bench;

/// <summary>
/// One BERT-base shape (768→768, 128 tokens) on each forced path and with each epilogue activation, single
/// thread: what AVX-512 buys over AVX2 here, and what a fused GELU costs.
/// </summary>
[Config(typeof(Config))]
public class GemmPathBenchmarks
{
    private LinearGemmFixture? _fixture;

    /// <summary>The shape (fixed; a parameter so the GFLOP/s column can read it).</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.Bert[1];

    /// <summary>The instruction-set path.</summary>
    [Params(GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar)]
    public GemmPath Path { get; set; }

    /// <summary>The fused activation.</summary>
    [Params(Activation.None, Activation.GeluErf)]
    public Activation Activation { get; set; }

    /// <summary>The one shape.</summary>
    public static GemmShape[] Shapes => [GemmShape.Bert[1]];

    /// <summary>Allocates, fills and packs.</summary>
    [GlobalSetup]
    public void Setup() => _fixture = new LinearGemmFixture(Shape);

    /// <summary>One linear layer with bias and the activation.</summary>
    [Benchmark]
    public void Linear() => _fixture!.Run(null, Path, Activation);

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup() => _fixture?.Dispose();

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(GflopsColumn.Gflops, GflopsColumn.PercentOfPeak);
        }
    }
}
