using System;
using System.Linq;
using System.Threading.Tasks;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// Replicas trained by threads of one process (<see cref="InProcessReplicas"/>): each collective against its
/// definition on three replicas and ranges that do not divide evenly, a trainer of two replicas against one accumulating
/// two micro-batches, and a failing replica ending the others instead of leaving them waiting.
/// </summary>
public sealed class InProcessReplicasTests
{
    private const int Replicas = 3;
    private const int Length = 1001;

    // Rank r's float i: small integers, so every sum below is exact in float and the expectation is plain arithmetic.
    private static float Value(int rank, long i) => rank * 1000 + i % 997;

    private static AlignedBuffer Filled(int rank)
    {
        var buffer = new AlignedBuffer(Length);
        Span<float> values = buffer.AsSpan();
        for (int i = 0; i < Length; i++)
        {
            values[i] = Value(rank, i);
        }

        return buffer;
    }

    [Fact]
    public void AllReduceSum_SumsTheRangeOnEveryReplica_AndLeavesTheRestAlone()
    {
        float[][] after = RunOnEach(group =>
        {
            using AlignedBuffer buffer = Filled(group.Rank);
            group.AllReduceSum(buffer, offset: 3, count: 997);
            return buffer.AsSpan().ToArray();
        });

        for (int rank = 0; rank < Replicas; rank++)
        {
            for (int i = 0; i < Length; i++)
            {
                float expected = i is >= 3 and < 1000 ? Enumerable.Range(0, Replicas).Sum(r => Value(r, i)) : Value(rank, i);
                Assert.Equal(expected, after[rank][i]);
            }
        }
    }

    [Fact]
    public void BroadcastAndDoubleSums_GiveEveryReplicaTheSameValues()
    {
        (float[] Floats, byte[] Bytes, double[] Sums)[] after = RunOnEach(group =>
        {
            using AlignedBuffer buffer = Filled(group.Rank);
            group.Broadcast(buffer, offset: 10, count: 500, root: 2);
            byte[] bytes = [(byte)group.Rank, (byte)(group.Rank + 10), 7];
            group.Broadcast(bytes, root: 1);
            double[] sums = [group.Rank, 0.5 * group.Rank, 1];
            group.AllReduceSum(sums);
            group.Barrier();
            return (buffer.AsSpan().ToArray(), bytes, sums);
        });

        for (int rank = 0; rank < Replicas; rank++)
        {
            for (int i = 0; i < Length; i++)
            {
                Assert.Equal(i is >= 10 and < 510 ? Value(2, i) : Value(rank, i), after[rank].Floats[i]);
            }

            Assert.Equal(new byte[] { 1, 11, 7 }, after[rank].Bytes);
            Assert.Equal(new[] { 3.0, 1.5, 3.0 }, after[rank].Sums);
        }
    }

    [Fact]
    public void ShardedCollectives_ReduceScatterAllGatherGatherScatter_MatchTheirDefinitions()
    {
        int[] counts = [333, 334, 334]; // the whole 1001 floats in parts of unequal length
        int[] starts = [0, 333, 667];
        (float[] Part, float[] Gathered, float[]? Whole, float[] Scattered)[] after = RunOnEach(group =>
        {
            using AlignedBuffer source = Filled(group.Rank);
            using var part = new AlignedBuffer(counts[group.Rank]);
            group.ReduceScatterSum(source, part, counts);
            float[] reduced = part.AsSpan().ToArray();

            // Each replica writes its reduced part into its own copy, then gathers the others' parts into it.
            using var buffer = new AlignedBuffer(Length);
            part.AsSpan().CopyTo(buffer.Slice(starts[group.Rank], counts[group.Rank]));
            group.AllGather(buffer, counts);

            using AlignedBuffer? whole = group.Rank == 1 ? new AlignedBuffer(Length) : null;
            group.Gather(part, whole, counts, root: 1);

            using var scattered = new AlignedBuffer(counts[group.Rank]);
            using AlignedBuffer? toScatter = group.Rank == 0 ? Filled(rank: 5) : null;
            group.Scatter(toScatter, scattered, counts, root: 0);
            return (reduced, buffer.AsSpan().ToArray(), whole?.AsSpan().ToArray(), scattered.AsSpan().ToArray());
        });

        float[] total = Enumerable.Range(0, Length).Select(i => (float)Enumerable.Range(0, Replicas).Sum(r => Value(r, i))).ToArray();
        for (int rank = 0; rank < Replicas; rank++)
        {
            Assert.Equal(total.Skip(starts[rank]).Take(counts[rank]), after[rank].Part);
            Assert.Equal(total, after[rank].Gathered);
            Assert.Equal(Enumerable.Range(starts[rank], counts[rank]).Select(i => Value(5, i)), after[rank].Scattered);
        }

        Assert.Equal(total, after[1].Whole);
        Assert.Null(after[0].Whole);
    }

    [Fact]
    public void CollectiveOfDifferentSizes_IsAnErrorNamingBoth()
    {
        DataParallelException error = Assert.Throws<DataParallelException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            using var buffer = new AlignedBuffer(100);
            group.AllReduceSum(buffer, 0, group.Rank == 0 ? 100 : 64);
            return 0;
        })));
        Assert.Contains("100", error.Message, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicasMakingDifferentCollectives_OrNamingAnotherRoot_FailInsteadOfReadingTheWrongBuffers()
    {
        // Scatter from a root that differs between replicas made a non-root read through the other's null address.
        DataParallelException roots = Assert.Throws<DataParallelException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            int[] counts = [50, 50];
            using var whole = new AlignedBuffer(100);
            using var part = new AlignedBuffer(50);
            group.Scatter(whole, part, counts, root: group.Rank);
            return 0;
        })));
        Assert.Contains("Scatter from root 0", roots.Message, StringComparison.Ordinal);
        Assert.Contains("Scatter from root 1", roots.Message, StringComparison.Ordinal);

        // Two collectives of the same size are not the same call.
        DataParallelException calls = Assert.Throws<DataParallelException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            using var buffer = new AlignedBuffer(64);
            if (group.Rank == 0)
            {
                group.AllReduceSum(buffer, 0, 64);
            }
            else
            {
                group.Broadcast(buffer, 0, 64, root: 0);
            }

            return 0;
        })));
        Assert.Contains("AllReduceSum", calls.Message, StringComparison.Ordinal);
        Assert.Contains("Broadcast from root 0", calls.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void FailingReplica_StopsTheOthers_AndItsOwnErrorIsThrown(int failing)
    {
        // The other replicas keep meeting at barriers (as a trainer meets at every step's sums): they must stop, not wait.
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Bounded(() => InProcessReplicas.Run(Replicas, group =>
        {
            for (int round = 0; ; round++)
            {
                if (group.Rank == failing && round == 3)
                {
                    throw new InvalidOperationException($"replica {failing} failed on its own");
                }

                group.Barrier();
            }

#pragma warning disable CS0162 // the loop ends by the exception
            return 0;
#pragma warning restore CS0162
        })));
        Assert.Equal($"replica {failing} failed on its own", error.Message);
    }

    [Fact]
    public void ReplicaWithAPartOfTheWrongLength_FailsBeforeTheOthersReadItsBuffers()
    {
        // Replica 1's part is one float short. Its error must come before it publishes its source: failing after,
        // it would free the source while unwinding (the `using`) as replica 0 still sums it, a read of freed memory
        // that ends the process. So replica 0 stops at the meeting and its own part is left as it was.
        float[] partOfReplica0 = [];
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            using AlignedBuffer source = Filled(group.Rank);
            using var part = new AlignedBuffer(500);
            try
            {
                group.ReduceScatterSum(source, part, [500, 501]);
            }
            finally
            {
                if (group.Rank == 0)
                {
                    partOfReplica0 = part.AsSpan().ToArray();
                }
            }

            return 0;
        })));
        Assert.Contains("501", error.Message, StringComparison.Ordinal);
        Assert.All(partOfReplica0, value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void CollectiveWithARootOutsideTheGroup_IsAnArgumentError(int root)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            using var buffer = new AlignedBuffer(16);
            group.Broadcast(buffer, 0, 16, root);
            return 0;
        })));
    }

    [Fact]
    public void ReplicaMakingACollectiveCallAfterAnotherReturned_FailsInsteadOfWaiting()
    {
        // Replica 1 meets once more than replica 0 (a program whose replicas disagree on their calls): nobody will
        // ever join it, and waiting would hang the process on Run's join.
        DataParallelException error = Assert.Throws<DataParallelException>(() => Bounded(() => InProcessReplicas.Run(2, group =>
        {
            group.Barrier();
            if (group.Rank == 1)
            {
                group.Barrier();
            }

            return 0;
        })));
        Assert.Contains("replica 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("replica 0 returned", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainerOfTwoReplicas_EqualsOneTrainerAccumulatingTwoMicroBatches()
    {
        // Dropout on: micro-batch g of a step runs on replica g mod 2 with the dropout seed of (seed, step, g), as in the
        // single trainer, so the two compute the same gradients and differ only in the order they are summed.
        TrainerOptions options = Options(steps: 12, warmup: 3);
        float[][] replicas = RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options, group: group);
            trainer.Run();
            return model.Parameters.AsSpan().ToArray();
        }, replicas: 2);

        using BagOfEmbeddingsClassifier alone = Model();
        using (var trainer = new Trainer(alone, new SyntheticClassificationSource(8, seed: 5), options with { AccumulationSteps = 2 }))
        {
            trainer.Run();
        }

        // Every replica applies the same update to the same parameters: bit for bit the same.
        Assert.Equal(replicas[0], replicas[1]);

        // Against one process: the same sum of two float gradients in another grouping (the second micro-batch added
        // inside the backward instead of after it), amplified by 12 AdamW steps; a lost or doubled micro-batch moves
        // parameters by ~the learning rate (0.05 here), far above the bound.
        float[] expected = alone.Parameters.AsSpan().ToArray();
        float largest = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - replicas[0][i]) <= 1e-5 * largest, $"parameter {i}: {replicas[0][i]:R} vs {expected[i]:R}");
        }

        using BagOfEmbeddingsClassifier untrained = Model();
        Assert.NotEqual(untrained.Parameters.AsSpan().ToArray(), expected); // it trained
    }

    [Fact]
    public void CheckpointOfReplicas_ResumedWithAnotherGlobalBatch_IsRefusedInTermsOfRanks()
    {
        // A checkpoint records its world size, not whether mpirun's processes or these threads made it: a --replicas
        // user told that it was written by "2 process(es)" would look for processes they never started.
        using var folder = new TemporaryDirectory();
        var options = new TrainerOptions
        {
            Steps = 2,
            Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 2),
            CheckpointDirectory = folder.Path,
        };
        RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options, group: group);
            trainer.Run();
            return 0;
        }, replicas: 2);

        CheckpointException refused = Assert.Throws<CheckpointException>(() => RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options with { AccumulationSteps = 2 }, group: group);
            return trainer.ResumeFromLatest();
        }, replicas: 2));
        Assert.Contains("written with 2 ranks (processes or replicas) × 1 accumulated", refused.Message, StringComparison.Ordinal);
        Assert.Contains("resume with 2 micro-batch(es) of 8 sequences per step (with 2 ranks (processes or replicas): bertgen --batch 8 --accumulate 1)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("process(es)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicasOverOtherData_AreRefusedBeforeAStep()
    {
        // Rank 1's source draws other examples (another seed: as another machine's file of the same name would hold):
        // every replica would take its micro-batches of a different stream, and the run would train on a mix without a word.
        TrainerOptions options = Options(steps: 2, warmup: 1);
        var error = Assert.Throws<TrainingException>(() => RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: group.Rank == 1 ? 6UL : 5UL), options, group: group);
            return 0;
        }, replicas: 3));
        Assert.Equal(
            "the training data of rank 1 is not rank 0's (another file, or one with other content, under the same name on its machine, or other data options): every process must read the same data",
            error.Message);

        // The same data on every replica starts.
        Assert.Equal([0, 0, 0], RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options, group: group);
            return 0;
        }, replicas: 3));
    }

    [Fact]
    public void ReplicasEvaluatingOtherHeldOutData_AreRefusedBeforeAStep()
    {
        // Each rank scores its share of the held-out batches and the shares are summed: rank 2's other examples (another
        // machine's file of the same name) made the reported accuracy a mix of two data sets without a word.
        TrainerOptions options = Options(steps: 2, warmup: 1);
        var error = Assert.Throws<TrainingException>(() => RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options,
                new SyntheticEvaluationSource(8, examples: 20, seed: group.Rank == 2 ? 8UL : 7UL), group: group);
            return 0;
        }, replicas: 3));
        Assert.Equal(
            "the held-out data of rank 2 is not rank 0's (held-out data given to some ranks only, another file, or one with other content, under the same name on its machine, or other data options): every process must evaluate on the same data",
            error.Message);

        // Held-out data on some ranks only (a library user's code): the others left waiting in a collective, for a minute
        // of this test and forever in a job.
        foreach (int without in new[] { 0, 1 })
        {
            error = Assert.Throws<TrainingException>(() => RunOnEach(group =>
            {
                using BagOfEmbeddingsClassifier model = Model();
                using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options,
                    group.Rank == without ? null : new SyntheticEvaluationSource(8, examples: 20, seed: 7), group: group);
                return 0;
            }, replicas: 3));
            Assert.StartsWith(without == 0 ? "the held-out data of ranks 1, 2 is not rank 0's (held-out data given to some ranks only"
                : "the held-out data of rank 1 is not rank 0's (held-out data given to some ranks only", error.Message, StringComparison.Ordinal);
        }

        // The same held-out data on every replica starts.
        Assert.Equal([0, 0, 0], RunOnEach(group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options, new SyntheticEvaluationSource(8, examples: 20, seed: 7), group: group);
            return 0;
        }, replicas: 3));
    }

    // Torch's AdamW at a learning rate of 0.05, seed 2024.
    private static TrainerOptions Options(int steps, int warmup) => new()
    {
        Steps = steps,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: warmup, totalSteps: steps),
        Optimizer = AdamWSettings.Torch,
        Seed = 2024,
    };

    private static BagOfEmbeddingsClassifier Model() =>
        new(SyntheticClassificationData.Vocab, hiddenSize: 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);

    // Runs `replica` on every replica and returns each one's result, by rank.
    private static T[] RunOnEach<T>(Func<IDataParallelGroup, T> replica, int replicas = Replicas)
    {
        var results = new T[replicas];
        Bounded(() => InProcessReplicas.Run(replicas, group =>
        {
            results[group.Rank] = replica(group);
            return 0;
        }));
        return results;
    }

    // A replica left waiting would hang the test run: fail it after a minute instead.
    private static void Bounded(Func<int> run)
    {
        Task<int> task = Task.Run(run);
        if (Task.WhenAny(task, Task.Delay(TimeSpan.FromMinutes(1))).GetAwaiter().GetResult() != task)
        {
            Assert.Fail("the replicas did not finish within a minute: one is left waiting");
        }

        task.GetAwaiter().GetResult(); // the replicas' error, as thrown
    }
}
