using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// How the gradient buffer is cut into all-reduce buckets as the backward reports layers final: every float reduced
/// exactly once, nothing started before the backward finished it, buckets from the end of the buffer, the first one
/// small, and the same buckets for the same reports (MPI needs every process to start the same collectives).
/// </summary>
public sealed class GradientReductionTests
{
    [Fact]
    public void OverlappedBuckets_CoverTheBufferOnce_StartOnlyOnFinalGradients()
    {
        using var gradients = new AlignedBuffer(1_000_000);
        var group = new RecordingGroup();
        var settings = new DataParallelSettings { BucketMegabytes = 0.4, FirstBucketMegabytes = 0.04 }; // 100,000 and 10,000 floats
        using var reduction = new GradientReduction(group, gradients, settings);
        long[] reports = [950_000, 700_000, 690_000, 400_000, 120_000, 0];

        IGradientProgress progress = reduction.BeginLastMicroBatch()!;
        Assert.Same(reduction, progress);
        var finalFrom = new List<long>();
        foreach (long offset in reports)
        {
            progress.CompletedFrom(offset);
            finalFrom.Add(offset);
            foreach ((long from, long _) in group.Started.Skip(group.Checked))
            {
                Assert.True(from >= offset, $"a bucket from {from} started while only [{offset}, …) was final");
            }

            group.Checked = group.Started.Count;
        }

        reduction.Complete();
        Assert.True(group.Waited);
        Assert.Equal((990_000L, 10_000L), group.Started[0]);
        Assert.All(group.Started.Skip(1).SkipLast(1), b => Assert.Equal(100_000L, b.Count));
        long expectedEnd = gradients.Length;
        foreach ((long from, long count) in group.Started)
        {
            Assert.Equal(expectedEnd, from + count);
            expectedEnd = from;
        }

        Assert.Equal(0, expectedEnd);

        // A second step with the same reports starts the same buckets.
        var again = new RecordingGroup();
        using var second = new GradientReduction(again, gradients, settings);
        IGradientProgress secondProgress = second.BeginLastMicroBatch()!;
        foreach (long offset in reports)
        {
            secondProgress.CompletedFrom(offset);
        }

        second.Complete();
        Assert.Equal(group.Started, again.Started);
    }

    [Fact]
    public void BackwardThatReportsNothing_IsStillReducedWhole()
    {
        using var gradients = new AlignedBuffer(12_345);
        var group = new RecordingGroup();
        using var reduction = new GradientReduction(group, gradients, new DataParallelSettings { BucketMegabytes = 0.01, FirstBucketMegabytes = 0.01 });
        reduction.BeginLastMicroBatch();
        reduction.Complete();
        Assert.Equal(gradients.Length, group.Started.Sum(b => b.Count));
    }

    [Fact]
    public void WithoutOverlap_OneAllReduce_AndZeroSharding_PartsOfSixteenFloats()
    {
        using var gradients = new AlignedBuffer(100_003);
        var group = new RecordingGroup();
        using var plain = new GradientReduction(group, gradients, new DataParallelSettings { OverlapReduction = false });
        Assert.Null(plain.BeginLastMicroBatch());
        plain.Complete();
        Assert.Equal([(0L, 100_003L)], group.AllReduced);

        using var sharded = new GradientReduction(group, gradients, new DataParallelSettings { ShardOptimizerState = true });
        Assert.Null(sharded.BeginLastMicroBatch());
        sharded.Complete();
        int[] parts = sharded.PartCounts!;
        Assert.Equal(gradients.Length, parts.Sum());
        Assert.Equal(0, parts[0] % 16);
        Assert.Equal(parts[0], sharded.PartOffset); // rank 1's part starts where rank 0's ends
        Assert.Equal(parts[1], sharded.PartGradients!.Length);
        Assert.Equal(1, group.ReduceScatters);
    }

    [Theory]
    [InlineData(false, true)] // ranks on several machines: the network moves buckets while the cores compute
    [InlineData(true, false)] // all on one machine: shared-memory sums are the computing cores' own copies
    public void OverlapByDefault_OnlyWhenTheGroupSpansMachines(bool sharesOneMachine, bool overlaps)
    {
        using var gradients = new AlignedBuffer(1_000);
        var group = new RecordingGroup { SharesOneMachine = sharesOneMachine };
        using var reduction = new GradientReduction(group, gradients, new DataParallelSettings());
        Assert.Equal(overlaps, reduction.BeginLastMicroBatch() is not null);
        reduction.Complete();
        Assert.Equal(overlaps ? [] : [(0L, 1_000L)], group.AllReduced);

        using var forced = new GradientReduction(group, gradients, new DataParallelSettings { OverlapReduction = !overlaps });
        Assert.Equal(!overlaps, forced.BeginLastMicroBatch() is not null);
        forced.Complete();
    }

    /// <summary>Rank 1 of 2, recording what it was asked to reduce; sums are not computed.</summary>
    private sealed class RecordingGroup : IDataParallelGroup
    {
        public bool SharesOneMachine { get; init; }

        public List<(long From, long Count)> Started { get; } = new();

        public List<(long From, long Count)> AllReduced { get; } = new();

        public int Checked { get; set; }

        public bool Waited { get; private set; }

        public int ReduceScatters { get; private set; }

        public int Rank => 1;

        public int Size => 2;

        public void StartAllReduceSum(AlignedBuffer buffer, long offset, long count) => Started.Add((offset, count));

        public bool TestStarted() => false; // never done: the progress thread keeps testing until Complete

        public void WaitStarted() => Waited = true;

        public void AllReduceSum(AlignedBuffer buffer, long offset, long count) => AllReduced.Add((offset, count));

        public void ReduceScatterSum(AlignedBuffer source, AlignedBuffer part, ReadOnlySpan<int> counts) => ReduceScatters++;

        public void Broadcast(Span<byte> data, int root) => throw new NotSupportedException();

        public void Broadcast(AlignedBuffer buffer, long offset, long count, int root) => throw new NotSupportedException();

        public void AllReduceSum(Span<double> values) => throw new NotSupportedException();

        public void AllGather(AlignedBuffer buffer, ReadOnlySpan<int> counts) => throw new NotSupportedException();

        public void Gather(AlignedBuffer part, AlignedBuffer? whole, ReadOnlySpan<int> counts, int root) => throw new NotSupportedException();

        public void Scatter(AlignedBuffer? whole, AlignedBuffer part, ReadOnlySpan<int> counts, int root) => throw new NotSupportedException();

        public void Barrier() => throw new NotSupportedException();

        public void Abort(int exitCode) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
