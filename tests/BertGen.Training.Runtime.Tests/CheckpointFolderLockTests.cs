using System;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>One writer per checkpoint folder (issue 15: two runs on one folder deleted each other's temporary folders and both died).</summary>
public sealed class CheckpointFolderLockTests
{
    [Fact]
    public void ASecondWriterIsRefusedAtOnceUntilTheFirstReleases()
    {
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "run");

        using (CheckpointFolderLock first = CheckpointFolderLock.Acquire(runs))
        {
            CheckpointException error = Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(runs));
            Assert.Equal($"checkpoint folder '{runs}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder", error.Message);
            Assert.Equal(runs, first.Folder);
        }

        using CheckpointFolderLock again = CheckpointFolderLock.Acquire(runs);
        Assert.True(File.Exists(Path.Combine(runs, CheckpointFolderLock.LockFile)));
    }

    [Fact]
    public void TheLockFileSaysWhoHoldsIt()
    {
        using var folder = new TemporaryDirectory();
        using (CheckpointFolderLock.Acquire(folder.Path))
        {
        }

        Assert.StartsWith($"bertgen training run: process {Environment.ProcessId} on ", File.ReadAllText(Path.Combine(folder.Path, CheckpointFolderLock.LockFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void AFreshRunIsRefusedAFolderHoldingCheckpoints_AndCanStillResumeBeforeItsFirstStep()
    {
        // A program run again without ResumeFromLatest() trained afresh and its first save (step 2) deleted the earlier
        // run's checkpoints of later steps, without a word: the CLI refuses such a folder without --resume.
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "runs");
        using BagOfEmbeddingsClassifier model = CheckpointedRuns.Model();
        TrainerOptions Options(long steps) => CheckpointedRuns.Options(runs, steps, every: 2);

        using (var earlier = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(6)))
        {
            earlier.Run();
        }

        string[] held = ["checkpoint-000000002", "checkpoint-000000004", "checkpoint-000000006"];
        string refusal = $"checkpoint folder '{runs}' already holds checkpoints (newest: step 6), which a new run's saves would delete or mix with: call ResumeFromLatest() to continue that run, or give another CheckpointDirectory";
        using (var again = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(8)))
        {
            Assert.Equal(refusal, Assert.Throws<CheckpointException>(() => again.Run()).Message);
            Assert.Equal(refusal, Assert.Throws<CheckpointException>(() => again.SaveCheckpoint()).Message);
            Assert.Equal(0, again.Step);
            Assert.Equal(held, Directory.GetDirectories(runs).Select(Path.GetFileName).Order());

            // Refused, the trainer holds nothing: it can continue the run it found.
            Assert.True(again.ResumeFromLatest());
            Assert.Equal(6, again.Step);
            again.Run();
        }

        // Steps taken, a resume would throw them away: it replaced them without a word.
        using (var stepped = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(10)))
        {
            Assert.True(stepped.ResumeFromLatest());
            stepped.TrainStep();
            Assert.Equal(
                "this trainer has taken 1 step(s) already, which a resume would throw away: resume before the first step, or build a new trainer to resume",
                Assert.Throws<TrainingException>(() => stepped.ResumeFromLatest()).Message);
            Assert.Equal(9, stepped.Step);
        }

        Assert.Equal(["checkpoint-000000004", "checkpoint-000000006", "checkpoint-000000008"], Directory.GetDirectories(runs).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ATrainerHoldsItsCheckpointFolderUntilDisposed_AndSharesTheLockOfARunThatHoldsItAlready()
    {
        // Only the CLI locked the folder: two programs' trainers on one folder both trained, deleting each other's
        // temporary checkpoint folders.
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "runs");
        string inUse = $"checkpoint folder '{runs}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder";
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);
        var options = new TrainerOptions
        {
            Steps = 2,
            Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 2),
            CheckpointDirectory = runs,
        };
        Trainer Build() => new(model, new SyntheticClassificationSource(8, seed: 5), options);

        using (Trainer first = Build())
        {
            // Nothing on disk until the run starts: a trainer built and disposed leaves no folder.
            Assert.False(Directory.Exists(runs));
            first.TrainStep();
            Assert.Equal(inUse, Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(runs)).Message);
            using (Trainer second = Build())
            {
                Assert.Equal(inUse, Assert.Throws<CheckpointException>(() => second.ResumeFromLatest()).Message);
                Assert.Equal(inUse, Assert.Throws<CheckpointException>(() => second.Run()).Message);
                Assert.Equal(0, second.Step);
            }

            first.Run();
        }

        // Released: the next program's trainer, and within a run that holds the folder (the CLI's) one trainer at a time.
        using (Trainer next = Build())
        {
            Assert.True(next.ResumeFromLatest());
        }

        using (CheckpointFolderLock.Acquire(runs))
        {
            using (Trainer inside = Build())
            {
                Assert.True(inside.ResumeFromLatest());
                using Trainer another = Build();
                Assert.Equal(inUse, Assert.Throws<CheckpointException>(() => another.ResumeFromLatest()).Message);
            }

            using (Trainer after = Build())
            {
                Assert.True(after.ResumeFromLatest());
            }
        }

        Assert.Equal(["checkpoint-000000002"], Directory.GetDirectories(runs).Select(Path.GetFileName));
    }

    [Fact]
    public void ReplicasLockTheirFolderOnRankZero_AndARefusalReachesEveryRank()
    {
        // A data-parallel group took no lock: its rank 0 wrote beside another program's run. Refused on rank 0 alone, the
        // other ranks would wait in the step's collectives for ever.
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "runs");
        string inUse = $"checkpoint folder '{runs}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder";
        var options = new TrainerOptions
        {
            Steps = 2,
            Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 2),
            CheckpointDirectory = runs,
        };
        BagOfEmbeddingsClassifier Model() => new(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);

        // What each rank's Run threw, "none" for a rank that trained.
        string[] TrainTwoReplicas()
        {
            var refusals = new[] { "none", "none" };
            InProcessReplicas.Run(2, group =>
            {
                using BagOfEmbeddingsClassifier model = Model();
                using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options, group: group);
                try
                {
                    trainer.Run();
                }
                catch (CheckpointException e)
                {
                    refusals[group.Rank] = e.Message;
                }

                return 0;
            });
            return refusals;
        }

        using (BagOfEmbeddingsClassifier model = Model())
        using (var holder = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), options))
        {
            holder.TrainStep();
            Assert.Equal([inUse, inUse], TrainTwoReplicas());
        }

        Assert.Equal(["none", "none"], TrainTwoReplicas());
        Assert.Equal(["checkpoint-000000002"], Directory.GetDirectories(runs).Select(Path.GetFileName));

        // While the group trains, its rank 0 holds the folder.
        InProcessReplicas.Run(2, group =>
        {
            using BagOfEmbeddingsClassifier model = Model();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5),
                options with { Steps = 3, Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 3) }, group: group);
            trainer.ResumeFromLatest();
            trainer.TrainStep();
            if (group.Rank == 0)
            {
                Assert.Equal(inUse, Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(runs)).Message);
            }

            return 0;
        });
    }

    [Fact]
    public void AFileIsNotAFolder()
    {
        using var folder = new TemporaryDirectory();
        string file = Path.Combine(folder.Path, "runs");
        File.WriteAllText(file, "not a folder");

        Assert.Equal($"checkpoint folder '{file}' is a file, not a folder", Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(file)).Message);
    }
}
