using System;
using System.IO;
using System.Linq;
using Xunit;

namespace BertGen.Distributed.Tests;

/// <summary>
/// A user's own program (BertGen.Distributed.Driver: OpenMpiGroup + Trainer + the pretraining pipeline, dynamic
/// masking, dropout 0.1, a bucket size small enough that the overlapped reduction cuts many buckets) under mpirun:
/// what every rank holds at the end, ZeRO-1 against plain data-parallel, exact resume, and the same program's two
/// replicas in one process (<c>InProcessReplicas</c>) against its two processes.
/// </summary>
public sealed class LibraryDataParallelTests
{
    [Theory]
    [InlineData("overlap")]
    [InlineData("no-overlap")]
    [InlineData("zero")]
    public void AfterTenSteps_EveryRankHoldsBitIdenticalParameters_EqualToOneProcess(string mode)
    {
        using var folder = new TemporaryFolder();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["ranks"], 10, 10, mode)).AssertSucceeded();
        MpiRun.Alone(MpiRun.Driver, Arguments(folder["alone"], 10, 10, "accumulate=2")).AssertSucceeded();

        byte[] rank0 = File.ReadAllBytes(Path.Combine(folder["ranks"], "rank-0.params"));
        byte[] rank1 = File.ReadAllBytes(Path.Combine(folder["ranks"], "rank-1.params"));
        Assert.True(rank0.AsSpan().SequenceEqual(rank1), "rank 0 and rank 1 hold different parameters");
        Assert.Equal(File.ReadAllLines(Path.Combine(folder["ranks"], "rank-0.losses")), File.ReadAllLines(Path.Combine(folder["ranks"], "rank-1.losses")));
        Comparison.AssertClose("parameters", Comparison.ReadFloats(Path.Combine(folder["alone"], "rank-0.params")), Comparison.ReadFloats(Path.Combine(folder["ranks"], "rank-0.params")));

        // Two replicas on threads of one process, one compute thread each: every sum of gradients is of two floats,
        // which commutes, so whatever order Open MPI's collectives add them in, both replicas hold exactly the
        // parameters the two processes hold. The reported loss and norm are sums the compute pool splits by its thread
        // count (two per process here, one per replica), so they agree to rounding.
        MpiRun.Alone(MpiRun.Driver, Arguments(folder["replicas"], 10, 10, mode, "replicas=2")).AssertSucceeded();
        foreach (string file in new[] { "rank-0.params", "rank-1.params" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(folder["ranks"], file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder["replicas"], file))), $"{file}: the replicas differ from the processes");
        }

        string[] processLosses = File.ReadAllLines(Path.Combine(folder["ranks"], "rank-0.losses"));
        string[] replicaLosses = File.ReadAllLines(Path.Combine(folder["replicas"], "rank-0.losses"));
        Assert.Equal(processLosses.Length, replicaLosses.Length);
        foreach ((string expected, string actual) in processLosses.Zip(replicaLosses))
        {
            double[] e = expected.Split(" ").Select(Number).ToArray(), a = actual.Split(" ").Select(Number).ToArray();
            Assert.Equal(e[0], a[0]);
            Comparison.AssertRelative(e[1], a[1], $"loss of step {e[0]}");
            Comparison.AssertRelative(e[2], a[2], $"gradient norm of step {e[0]}");
        }
    }

    [Fact]
    public void ShardedOptimiserState_MatchesPlainDataParallel()
    {
        using var folder = new TemporaryFolder();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["plain"], 10, 10, "no-overlap")).AssertSucceeded();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["zero"], 10, 10, "zero")).AssertSucceeded();

        // The same reduced gradients and the same updates; only the norm's Σg² is summed in parts.
        Comparison.AssertClose("ZeRO-1 vs plain", Comparison.ReadFloats(Path.Combine(folder["plain"], "rank-0.params")), Comparison.ReadFloats(Path.Combine(folder["zero"], "rank-0.params")), relative: 1e-6, floor: 1e-7);
    }

    [Theory]
    [InlineData("overlap")]
    [InlineData("zero")]
    public void StopAtStepFiveAndResume_EqualsAnUnbrokenRunBitForBit(string mode)
    {
        using var folder = new TemporaryFolder();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["unbroken"], 10, 10, mode)).AssertSucceeded();
        string checkpoints = "checkpoints=" + folder["checkpoints"];
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["first"], 5, 10, mode, checkpoints)).AssertSucceeded();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["resumed"], 10, 10, mode, checkpoints, "resume")).AssertSucceeded();

        byte[] unbroken = File.ReadAllBytes(Path.Combine(folder["unbroken"], "rank-1.params"));
        Assert.True(unbroken.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder["resumed"], "rank-1.params"))), "the resumed run differs from the unbroken one");
        Assert.Equal(File.ReadAllLines(Path.Combine(folder["unbroken"], "rank-0.losses")).Skip(5), File.ReadAllLines(Path.Combine(folder["resumed"], "rank-0.losses")));
    }

    [Fact]
    public void TwoRanksCheckpoint_ContinuedByOneProcessWithTheSameGlobalBatch()
    {
        using var folder = new TemporaryFolder();
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["unbroken"], 10, 10)).AssertSucceeded();
        string checkpoints = "checkpoints=" + folder["checkpoints"];
        MpiRun.Ranks(2, MpiRun.Driver, Arguments(folder["first"], 5, 10, checkpoints)).AssertSucceeded();
        MpiRun.Alone(MpiRun.Driver, Arguments(folder["resumed"], 10, 10, checkpoints, "resume", "accumulate=2")).AssertSucceeded();
        Comparison.AssertClose("one process after two", Comparison.ReadFloats(Path.Combine(folder["unbroken"], "rank-0.params")), Comparison.ReadFloats(Path.Combine(folder["resumed"], "rank-0.params")));
    }

    private static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Arguments(string output, int steps, int horizon, params string[] options) =>
        [MpiRun.DataFile("kjv-12-documents.txt"), MpiRun.Vocabulary, output, steps.ToString(System.Globalization.CultureInfo.InvariantCulture), horizon.ToString(System.Globalization.CultureInfo.InvariantCulture),
         .. options.Where(o => o != "overlap")];
}
