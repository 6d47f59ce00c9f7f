using System;
using System.Runtime.CompilerServices;
using BertGen.Runtime.Distributed;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// <see cref="CollectiveStep"/> over replicas in one process, which make the same collective calls as the processes of
/// an mpirun job: what a failing rank throws.
/// </summary>
public sealed class CollectiveStepTests
{
    [Fact]
    public void ARanksOwnErrorKeepsTheStackItWasThrownWith()
    {
        // Rethrown with `throw error`, a bug in a rank's data reading showed only CollectiveStep.Run in its stack trace,
        // which --verbose prints to find it.
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() =>
            InProcessReplicas.Run(2, group => CollectiveStep.Run(group, ReadTheData)));
        Assert.Equal("a bug in reading the data", error.Message);
        Assert.Contains(nameof(ReadTheData), error.StackTrace, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReadTheData() => throw new InvalidOperationException("a bug in reading the data");
}
