using System;
using BertGen.Cli.Training;
using BertGen.Runtime.Distributed;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// The lifeline between the ranks of an mpirun job, opened by replicas of one process over loopback TCP: the word that
/// a rank has said why the job ends, which keeps the others from saying it again (the whole jobs are in
/// tests/BertGen.Distributed.Tests).
/// </summary>
public sealed class RankZeroLifelineTests
{
    // A word that is said returns Heard at once; the bound only ends a test that fails, and is long because CI's machine
    // is loaded (other test processes, other test classes' threads).
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void RankZerosWordRightAfterOpening_ReachesEveryRank()
    {
        // Rank 0's accept thread took the connections a few milliseconds after Open returned (seconds on CI's loaded
        // machine, where this failed once): a word rank 0 sent in between (a job stopped as training began) reached no
        // one, and every rank added its own line. Rank 0 now takes them before Open returns.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var heard = new bool[3];
            InProcessReplicas.Run(3, group =>
            {
                using RankZeroLifeline lifeline = RankZeroLifeline.Open(group, "localhost");
                if (group.Rank == 0)
                {
                    lifeline.Spoke();
                }
                else
                {
                    heard[group.Rank] = lifeline.Heard(Wait);
                }

                group.Barrier(); // rank 0's end stays open until the others have listened
                return 0;
            });
            Assert.True(heard[1] && heard[2], $"attempt {attempt}: rank 1 heard rank 0: {heard[1]}, rank 2: {heard[2]}");
        }
    }

    [Fact]
    public void AnotherRanksWord_ReachesRankZero_AndOnlyRankZero()
    {
        // A rank that ended alone and said why tells rank 0, which stays silent then (and passes the word on).
        RankZeroLifeline[] lifelines = Open(3);
        try
        {
            Assert.False(lifelines[0].Heard(TimeSpan.FromMilliseconds(50)), "rank 0 heard a word nobody said");
            lifelines[2].Spoke();
            Assert.True(lifelines[0].Heard(Wait), "rank 0 did not hear rank 2");
            Assert.False(lifelines[1].Heard(TimeSpan.FromMilliseconds(50)), "rank 1 heard rank 2's word, which goes to rank 0");
        }
        finally
        {
            Array.ForEach(lifelines, l => l.Dispose());
        }
    }

    [Fact]
    public void ARankGoneWithoutAWord_IsNotHeard()
    {
        // Killed or crashed: its connection closes without the byte, and the rank at the other end must say the stop.
        RankZeroLifeline[] lifelines = Open(2);
        try
        {
            lifelines[0].Dispose();
            Assert.False(lifelines[1].Heard(Wait), "rank 1 took rank 0's closed connection for its word");
        }
        finally
        {
            Array.ForEach(lifelines, l => l.Dispose());
        }
    }

    // Every rank's lifeline of a group of `ranks` replicas on loopback.
    private static RankZeroLifeline[] Open(int ranks)
    {
        var lifelines = new RankZeroLifeline[ranks];
        InProcessReplicas.Run(ranks, group =>
        {
            lifelines[group.Rank] = RankZeroLifeline.Open(group, "localhost");
            return 0;
        });
        return lifelines;
    }
}
