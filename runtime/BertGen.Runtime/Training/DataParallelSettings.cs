namespace BertGen.Runtime.Training;

/// <summary>
/// How a <see cref="Trainer"/> given an <see cref="Distributed.IDataParallelGroup"/> shares the work. Ignored without one.
/// </summary>
public sealed record DataParallelSettings
{
    /// <summary>
    /// Reduce gradient buckets while the backward still runs (as each layer's gradients become final) instead of all
    /// at once after it; off: one blocking all-reduce of the whole buffer after it. Null (the default) decides by the
    /// group: on when its processes span machines (the network moves the buckets while the cores compute), off when
    /// they all share one machine (shared-memory sums are copies by the computing cores themselves: overlapped, they
    /// measured slower, bench/README.md).
    /// </summary>
    public bool? OverlapReduction { get; init; }

    /// <summary>
    /// With overlap: a background thread lets the buckets in flight progress about every millisecond (MPI moves a
    /// non-blocking collective only inside MPI calls); off, they progress only where the backward reports a layer done.
    /// </summary>
    public bool ProgressThread { get; init; } = true;

    /// <summary>Size of a gradient bucket reduced at once, in MB (10⁶ bytes); PyTorch DDP's default is 25.</summary>
    public double BucketMegabytes { get; init; } = 25;

    /// <summary>The first bucket (the heads and last layer, done first) is smaller, so reducing starts early; DDP uses 1.</summary>
    public double FirstBucketMegabytes { get; init; } = 1;

    /// <summary>
    /// ZeRO stage 1: gradients are reduce-scattered, each process keeps AdamW's m and v for its 1/N of the parameters
    /// only and updates that part, and the parameters are all-gathered: optimiser memory per process falls by N.
    /// Reduction then happens after the backward (no overlap).
    /// </summary>
    public bool ShardOptimizerState { get; init; }

    /// <summary>Every this many steps, check that every process holds bit-identical parameters (0: never).</summary>
    public long VerifyEvery { get; init; }

    /// <summary>Throws <see cref="TrainingException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (!(BucketMegabytes > 0) || !(FirstBucketMegabytes > 0) || double.IsInfinity(BucketMegabytes) || double.IsInfinity(FirstBucketMegabytes) || VerifyEvery < 0)
        {
            throw new TrainingException($"data-parallel buckets must be positive sizes in MB and the verify interval >= 0; got {BucketMegabytes}, {FirstBucketMegabytes}, {VerifyEvery}");
        }
    }
}
