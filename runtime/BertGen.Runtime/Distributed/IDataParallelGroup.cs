using System;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// The processes that train one model together, data-parallel: each runs the same steps on its own slice of every
/// batch, and the gradients are summed across them. <see cref="Training.Trainer"/> needs only these collectives;
/// <see cref="OpenMpiGroup"/> implements them on Open MPI. Every member is collective: all processes call it, in the
/// same order, with the same sizes. Calls come from one thread at a time.
/// </summary>
public interface IDataParallelGroup : IDisposable
{
    /// <summary>This process's index, 0 … <see cref="Size"/> − 1; rank 0 writes checkpoints and reports.</summary>
    int Rank { get; }

    /// <summary>Processes in the group (the world size).</summary>
    int Size { get; }

    /// <summary>
    /// True when every process of the group runs on this one machine: their sums then go through shared memory,
    /// copied by the same cores that compute, so overlapping them with the backward gains nothing.
    /// </summary>
    bool SharesOneMachine => false;

    /// <summary>Copies <paramref name="data"/> of <paramref name="root"/> into every other process's <paramref name="data"/>.</summary>
    void Broadcast(Span<byte> data, int root);

    /// <summary>Copies floats [offset, offset + count) of <paramref name="root"/>'s buffer into everyone's.</summary>
    void Broadcast(AlignedBuffer buffer, long offset, long count, int root);

    /// <summary>Replaces <paramref name="values"/> with their element-wise sum over the group.</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Replaces floats [offset, offset + count) with their element-wise sum over the group, in place.</summary>
    void AllReduceSum(AlignedBuffer buffer, long offset, long count);

    /// <summary>
    /// Starts summing floats [offset, offset + count) over the group in place and returns at once; the range must not
    /// be touched until <see cref="WaitStarted"/> returns. Started sums complete in the order they were started.
    /// </summary>
    void StartAllReduceSum(AlignedBuffer buffer, long offset, long count);

    /// <summary>Lets started sums progress without blocking; true when all of them have completed.</summary>
    bool TestStarted();

    /// <summary>Blocks until every started sum has completed.</summary>
    void WaitStarted();

    /// <summary>
    /// Sums <paramref name="source"/> over the group and leaves each process only its part: rank r receives the
    /// floats of the sum that lie in part r (parts laid end to end from offset 0, <paramref name="counts"/>[r] floats
    /// each) in <paramref name="part"/>[0 … counts[r]).
    /// </summary>
    void ReduceScatterSum(AlignedBuffer source, AlignedBuffer part, ReadOnlySpan<int> counts);

    /// <summary>In place: every process's part r of <paramref name="buffer"/> (laid out as in <see cref="ReduceScatterSum"/>) becomes rank r's.</summary>
    void AllGather(AlignedBuffer buffer, ReadOnlySpan<int> counts);

    /// <summary>Collects every rank's <paramref name="part"/>[0 … counts[r]) into <paramref name="whole"/> (used on <paramref name="root"/> only).</summary>
    void Gather(AlignedBuffer part, AlignedBuffer? whole, ReadOnlySpan<int> counts, int root);

    /// <summary>Hands rank r the part r of <paramref name="whole"/> (read on <paramref name="root"/> only) in its <paramref name="part"/>.</summary>
    void Scatter(AlignedBuffer? whole, AlignedBuffer part, ReadOnlySpan<int> counts, int root);

    /// <summary>Returns when every process has called it.</summary>
    void Barrier();

    /// <summary>Ends every process of the job with <paramref name="exitCode"/> (after an error on this one); does not return.</summary>
    void Abort(int exitCode);
}
