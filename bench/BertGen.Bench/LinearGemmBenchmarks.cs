using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The linear-layer GEMM y = x·Wᵀ + b (W pre-packed) at the BERT-base and MiniLM shapes of
/// <see cref="GemmShape.Bert"/>, on 1 and 2 threads, reported as GFLOP/s and % of the machine's peak.
/// </summary>
[Config(typeof(Config))]
public class LinearGemmBenchmarks
{
    private LinearGemmFixture? _fixture;
    private ComputePool? _pool;

    /// <summary>The layer shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.Bert[0];

    /// <summary>Threads (the caller plus workers).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The shapes.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.Bert;

    /// <summary>Allocates, fills and packs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _fixture = new LinearGemmFixture(Shape);
        _pool = Threads > 1 ? new ComputePool(Threads) : null;
    }

    /// <summary>One forward linear layer with its bias.</summary>
    [Benchmark]
    public void Linear() => _fixture!.Run(_pool);

    /// <summary>Frees everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _fixture?.Dispose();
        _pool?.Dispose();
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(GflopsColumn.Gflops, GflopsColumn.PercentOfPeak);
        }
    }
}
