using BenchmarkDotNet.Attributes;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The cost of a dispatch on the compute pool with empty parts: the worker usually has not claimed its part
/// by the time the caller has finished its own, so the caller runs both and this measures the bookkeeping
/// (publish, claim, count down). The cross-core hand-off itself is measured by <see cref="HandoffProbe"/>
/// in the quick mode, with parts long enough that the worker takes its own.
/// </summary>
[MemoryDiagnoser]
public unsafe class PoolHandoffBenchmarks
{
    private ComputePool? _pool;

    /// <summary>Starts a 2-thread pool.</summary>
    [GlobalSetup]
    public void Setup() => _pool = new ComputePool(2);

    /// <summary>A 1-part dispatch: runs inline on the caller.</summary>
    [Benchmark(Baseline = true)]
    public void OnePartDispatch() => _pool!.Run(&Nothing, null, 1);

    /// <summary>The empty function as a 2-part dispatch.</summary>
    [Benchmark]
    public void TwoPartDispatch() => _pool!.Run(&Nothing, null, 2);

    /// <summary>Stops the pool.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pool?.Dispose();

    private static void Nothing(void* context, int part, int parts)
    {
    }
}
