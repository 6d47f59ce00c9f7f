using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BertGen.Runtime.Checkpoints;
using Xunit;

namespace BertGen.Distributed.Tests;

/// <summary>
/// <c>mpirun -np 2 bertgen pretrain|finetune</c> against <c>bertgen … --accumulate 2</c> in one process: the same global
/// batch, the same examples, masks and dropout (bert-tiny trains with dropout 0.1), so the same losses and parameters
/// up to summation order (<see cref="Comparison"/>); and against <c>bertgen … --replicas 2</c>, bit for bit.
/// </summary>
public sealed class CliDataParallelTests
{
    private const int Steps = 10;

    [Fact]
    public void Pretrain_TwoRanks_EqualOneProcessAccumulatingTwoMicroBatches()
    {
        using var folder = new TemporaryFolder();
        RunResult twoRanks = MpiRun.Ranks(2, MpiRun.Cli, Pretrain(folder["ranks"])).AssertSucceeded();
        MpiRun.Alone(MpiRun.Cli, [.. Pretrain(folder["alone"]), "--accumulate", "2"]).AssertSucceeded();

        // Rank 0 alone reports: one results table, one set of files, nothing from rank 1.
        Assert.Single(twoRanks.Output.Split('\n'), l => l.Contains("held-out", StringComparison.Ordinal));
        Assert.DoesNotContain("rank 1", twoRanks.Error, StringComparison.Ordinal);
        AssertSameRun(folder["alone"], folder["ranks"], Steps);

        // --replicas 2: the same two replicas as threads of one process hold exactly what the two processes hold
        // (every sum is of two floats, which commutes), and report alike.
        RunResult replicas = MpiRun.Alone(MpiRun.Cli, [.. Pretrain(folder["replicas"]), "--replicas", "2"]).AssertSucceeded();
        Assert.Single(replicas.Output.Split('\n'), l => l.Contains("held-out", StringComparison.Ordinal));
        Assert.Contains("2 replicas × 1 compute thread", replicas.Output + replicas.Error, StringComparison.Ordinal);
        AssertSameCheckpoint(folder["ranks"], folder["replicas"], Steps);
    }

    // The last checkpoint's parameters and AdamW moments, bit for bit.
    private static void AssertSameCheckpoint(string processes, string replicas, int step)
    {
        string last = $"checkpoint-{step:D9}";
        foreach (string file in new[] { "model.safetensors", "optimizer.exp_avg.safetensors", "optimizer.exp_avg_sq.safetensors" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(processes, last, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(replicas, last, file))), $"{file}: --replicas 2 differs from mpirun -np 2");
        }
    }

    [Fact]
    public void Finetune_TwoRanks_EqualOneProcessAccumulatingTwoMicroBatches()
    {
        using var folder = new TemporaryFolder();
        MpiRun.Ranks(2, MpiRun.Cli, Finetune(folder["ranks"])).AssertSucceeded();
        MpiRun.Alone(MpiRun.Cli, [.. Finetune(folder["alone"]), "--accumulate", "2"]).AssertSucceeded();
        AssertSameRun(folder["alone"], folder["ranks"], 6);
        MpiRun.Alone(MpiRun.Cli, [.. Finetune(folder["replicas"]), "--replicas", "2"]).AssertSucceeded();
        AssertSameCheckpoint(folder["ranks"], folder["replicas"], 6);
    }

    [Fact]
    public void KilledRank_EndsTheJobWithOneLineError_AndResumeFinishesTheRun()
    {
        using var folder = new TemporaryFolder();
        string run = folder["run"];
        string[] arguments = [.. Pretrain(run, steps: 40), "--checkpoint-every", "2"];
        RunResult killed = MpiRun.Ranks(2, MpiRun.Cli, arguments, whileRunning: _ =>
        {
            MpiRun.WaitFor(() => Directory.Exists(Path.Combine(run, "checkpoint-000000004")), "the checkpoint of step 4");
            using var rank1 = MpiRun.FindRank(1, run);
            Assert.NotNull(rank1);
            rank1.Kill(); // SIGKILL: no chance to say goodbye
        });

        Assert.NotEqual(0, killed.ExitCode);
        Assert.True(killed.Elapsed < TimeSpan.FromMinutes(2), $"the job took {killed.Elapsed} to end");
        string error = Assert.Single(killed.ErrorLines, l => l.Contains("error", StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("bertgen: error: ", error, StringComparison.Ordinal);
        Assert.Contains("rank 0", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", killed.Error, StringComparison.Ordinal);

        // Whatever was on disk is whole: every listed checkpoint verifies, none was left half-written under a real name.
        var store = new CheckpointStore(run, keepLast: 2);
        Assert.NotEmpty(store.List());
        foreach ((long step, string path) in store.List())
        {
            TrainerState state = CheckpointStore.ReadState(path);
            Assert.Equal(step, state.Step);
            Assert.Equal(2, state.WorldSize);
        }

        RunResult resumed = MpiRun.Ranks(2, MpiRun.Cli, [.. arguments, "--resume"]).AssertSucceeded();
        Assert.Contains("resumed at step", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(40, CheckpointStore.ReadState(store.Latest()!).Step);
    }

    [Fact]
    public void StoppedJob_IsSaidInOneLineByRankZero()
    {
        // Ctrl-C on mpirun (which ends every rank with SIGTERM), and rank 0 alone terminated (mpirun then ends the
        // other): every rank used to say that mpirun had stopped it, one line each.
        using var folder = new TemporaryFolder();
        AssertStoppedInOneLine(StopDuringRun(folder["ctrl-c"], (mpirun, _) => MpiRun.Signal(mpirun.Id, MpiRun.SigInt)), "rank 0");
        AssertStoppedInOneLine(StopDuringRun(folder["term-0"], (_, run) =>
        {
            using var rank0 = MpiRun.FindRank(0, run);
            Assert.NotNull(rank0);
            MpiRun.Signal(rank0.Id, MpiRun.SigTerm);
        }), "rank 0");
    }

    [Fact]
    public void CtrlCOnAnotherRankAlone_IsSaidByRankZeroAsAnInterruptedRun()
    {
        // SIGINT to rank 1 alone: every rank stops at the step's end, with a checkpoint, as agreed; rank 0 printed only
        // the summary and exited 130, a run that looked finished though it had stopped short of its steps.
        using var folder = new TemporaryFolder();
        string run = folder["int-1"];
        RunResult stopped = StopDuringRun(run, (_, r) =>
        {
            using var rank1 = MpiRun.FindRank(1, r);
            Assert.NotNull(rank1);
            MpiRun.Signal(rank1.Id, MpiRun.SigInt);
        });
        Assert.Equal(130, stopped.ExitCode);
        string line = Assert.Single(stopped.ErrorLines, l => l.Contains("bertgen:", StringComparison.Ordinal));
        Assert.Matches(@"^bertgen: error: interrupted at step [0-9]+ of 400; checkpoint saved in '.*'; continue with --resume$", line);
        Assert.DoesNotContain("   at ", stopped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RankZeroKilledWithoutAWord_TheOtherRankSaysTheJobStopped()
    {
        // Rank 0 cannot say it (SIGKILL): rank 1 does, or nobody would tell that the job stopped and --resume continues it.
        using var folder = new TemporaryFolder();
        AssertStoppedInOneLine(StopDuringRun(folder["run"], (_, run) =>
        {
            using var rank0 = MpiRun.FindRank(0, run);
            Assert.NotNull(rank0);
            rank0.Kill();
        }), "rank 1");
    }

    [Fact]
    public void RankZeroAliveButSilent_TheOtherRankSaysTheStopBeforeMpirunKillsIt()
    {
        // mpirun ends a rank with SIGTERM and, a second later (odls_base_sigkill_timeout), SIGKILL. Rank 0 alive but unable
        // to answer (its machine gone from the network; here stopped) neither speaks nor closes its end: rank 1 waited two
        // seconds for its word, was killed mid-wait, and no line said the job stopped. Here the test plays mpirun's part.
        using var folder = new TemporaryFolder();
        RunResult stopped = StopDuringRun(folder["run"], (_, run) =>
        {
            using var rank0 = MpiRun.FindRank(0, run);
            using var rank1 = MpiRun.FindRank(1, run);
            Assert.NotNull(rank0);
            Assert.NotNull(rank1);
            MpiRun.Signal(rank0.Id, MpiRun.SigStop);
            MpiRun.Signal(rank1.Id, MpiRun.SigTerm);
            if (!rank1.WaitForExit(TimeSpan.FromSeconds(1)))
            {
                rank1.Kill();
            }

            MpiRun.Signal(rank0.Id, MpiRun.SigCont);
        });

        Assert.Contains(stopped.ErrorLines, l => l.StartsWith("bertgen: error: rank 1 on ", StringComparison.Ordinal)
            && l.EndsWith(": stopped by mpirun (another process of the job ended, or the job was cancelled); continue with --resume", StringComparison.Ordinal));
    }

    [Fact]
    public void RankOtherThanZeroStoppedAlone_IsSaidInOneLineByThatRank()
    {
        // Rank 1 ended alone (here a SIGTERM of its own; its own error ends it the same way) and said so; mpirun then
        // stopped rank 0, which added its own line that mpirun had stopped it. Rank 1 knows why: its line is the job's.
        using var folder = new TemporaryFolder();
        AssertStoppedInOneLine(StopDuringRun(folder["run"], (_, run) =>
        {
            using var rank1 = MpiRun.FindRank(1, run);
            Assert.NotNull(rank1);
            MpiRun.Signal(rank1.Id, MpiRun.SigTerm);
        }), "rank 1");
    }

    [Fact]
    public void StopBeforeTheFirstCheckpoint_SaysThereIsNothingToResume()
    {
        // Ctrl-C on mpirun before any checkpoint: the line said to continue with --resume, which found nothing to continue.
        using var folder = new TemporaryFolder();
        string run = folder["run"];
        RunResult stopped = MpiRun.Ranks(2, MpiRun.Cli, [.. Pretrain(run, steps: 400), "--quiet"], whileRunning: mpirun =>
        {
            MpiRun.WaitFor(() => TrainingRowsIn(run) >= 2, "the second training step");
            MpiRun.Signal(mpirun.Id, MpiRun.SigInt);
        });

        Assert.NotEqual(0, stopped.ExitCode);
        string line = Assert.Single(stopped.ErrorLines, l => l.Contains("bertgen:", StringComparison.Ordinal));
        Assert.StartsWith("bertgen: error: rank 0 on ", line, StringComparison.Ordinal);
        Assert.EndsWith(": stopped by mpirun (another process of the job ended, or the job was cancelled); no checkpoint was saved yet: run it again to start over", line, StringComparison.Ordinal);
        Assert.Empty(new CheckpointStore(run, keepLast: 2).List());
    }

    // The training rows metrics.csv holds so far (0 before rank 0 has written it).
    private static int TrainingRowsIn(string run)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(Path.Combine(run, "metrics.csv"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return reader.ReadToEnd().Split('\n').Count(l => l.StartsWith("train,", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    // A pretraining job stopped by `stop` once its checkpoint of step 4 is written.
    private static RunResult StopDuringRun(string run, Action<System.Diagnostics.Process, string> stop) =>
        MpiRun.Ranks(2, MpiRun.Cli, [.. Pretrain(run, steps: 400), "--checkpoint-every", "2", "--quiet"], whileRunning: mpirun =>
        {
            MpiRun.WaitFor(() => Directory.Exists(Path.Combine(run, "checkpoint-000000004")), "the checkpoint of step 4");
            stop(mpirun, run);
        });

    // Exactly one line of bertgen's (Open MPI may add its own when a peer vanishes mid-copy), from the expected rank.
    private static void AssertStoppedInOneLine(RunResult stopped, string rank)
    {
        Assert.NotEqual(0, stopped.ExitCode);
        string line = Assert.Single(stopped.ErrorLines, l => l.Contains("bertgen:", StringComparison.Ordinal));
        Assert.StartsWith($"bertgen: error: {rank} on ", line, StringComparison.Ordinal);
        Assert.EndsWith(": stopped by mpirun (another process of the job ended, or the job was cancelled); continue with --resume", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stopped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeWithAnotherGlobalBatch_IsRefusedNamingTheFix()
    {
        using var folder = new TemporaryFolder();
        string run = folder["run"];
        MpiRun.Ranks(2, MpiRun.Cli, Pretrain(run, steps: 2)).AssertSucceeded();

        // Refused before the corpus is read: its error alone, not the schedule's extension and the corpus line first.
        RunResult refused = MpiRun.Alone(MpiRun.Cli, [.. Pretrain(run, steps: 4), "--resume"]);
        Assert.Equal(2, refused.ExitCode);
        string line = Assert.Single(refused.ErrorLines);
        Assert.StartsWith("bertgen: error:", line, StringComparison.Ordinal);
        Assert.Equal("", refused.Output);
        Assert.Contains("2 ranks (processes or replicas) × 1", line, StringComparison.Ordinal);
        Assert.Contains("resume with 2 micro-batch(es) of 8 sequences per step", line, StringComparison.Ordinal);
        Assert.Contains("--accumulate 2", line, StringComparison.Ordinal);

        // A new job on the folder (no --resume) is refused by rank 0 alone, relayed: one line, not one per rank.
        RunResult occupied = MpiRun.Ranks(2, MpiRun.Cli, Pretrain(run, steps: 4));
        Assert.NotEqual(0, occupied.ExitCode);
        string only = Assert.Single(occupied.ErrorLines, l => l.Contains("bertgen: error:", StringComparison.Ordinal));
        Assert.Contains("already holds checkpoints", only, StringComparison.Ordinal);

        // The same global batch on one process continues the run.
        RunResult continued = MpiRun.Alone(MpiRun.Cli, [.. Pretrain(run, steps: 4), "--resume", "--accumulate", "2"]).AssertSucceeded();
        Assert.Contains("continued by 1 × 2", continued.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeOnOtherDataOfAsManyInstances_IsRefusedInOneLine()
    {
        using var folder = new TemporaryFolder();
        string run = folder["run"];
        MpiRun.Ranks(2, MpiRun.Cli, Pretrain(run, steps: 2)).AssertSucceeded();

        // The corpus with "the" and "and" swapped: as many instances, other text. Rank 0 refuses it and relays the
        // refusal, so the job ends with that one line, not one more from rank 1 saying mpirun stopped it.
        string corpus = MpiRun.DataFile("kjv-12-documents.txt");
        string swapped = folder["swapped.txt"];
        File.WriteAllText(swapped, Regex.Replace(File.ReadAllText(corpus), @"\b(the|and)\b", m => m.Value == "the" ? "and" : "the"));
        RunResult refused = MpiRun.Ranks(2, MpiRun.Cli, [.. Pretrain(run, steps: 4).Select(a => a == corpus ? swapped : a), "--resume", "--quiet"]);
        Assert.Equal(1, refused.ExitCode);
        string line = Assert.Single(refused.ErrorLines);
        Assert.StartsWith($"bertgen: error: the resumed run was trained on other data: '{swapped}' gives the run's ", line, StringComparison.Ordinal);
        Assert.EndsWith(" instances, but with different content; resume with the same corpus and options", line, StringComparison.Ordinal);

        // The run's own corpus continues it.
        MpiRun.Ranks(2, MpiRun.Cli, [.. Pretrain(run, steps: 4), "--resume", "--quiet"]).AssertSucceeded();
    }

    [Fact]
    public void DataErrorOnEveryRank_EndsTheJobWithRankZerosOneLine()
    {
        using var folder = new TemporaryFolder();

        // Found by the job's own check of the examples, after every rank built its model: rank 1 used to get there first,
        // print its line and end the job, and rank 0 added that mpirun had stopped it (and left its folder behind).
        string oneLabel = OneLabel(folder["one-label.tsv"]);
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Finetune(folder["run"], oneLabel)), folder["run"],
            $"bertgen: error: {oneLabel}: all 80 examples are labelled 'OT'; a classifier learns nothing from one label: give examples of at least two");

        // Found by the command's check of the files, before any model exists.
        string missing = folder["missing.txt"];
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Pretrain(folder["run"], missing)), folder["run"],
            $"bertgen: error: --corpus file '{missing}' does not exist");

        // Found by the corpus reader, inside the job.
        string empty = folder["empty.txt"];
        File.WriteAllText(empty, "\n\n");
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Pretrain(folder["run"], empty)), folder["run"],
            $"bertgen: error: {empty} has no sentences: only blank lines, or text the tokenizer keeps nothing of");
    }

    [Fact]
    public void DataErrorOnOneRankOnly_EndsTheJobWithThatRanksOneLine()
    {
        using var folder = new TemporaryFolder();
        string missing = folder["missing.tsv"];

        // A file missing on rank 1's machine: rank 0 has nothing to say but rank 1's reason, naming it.
        RunResult rankOne = MpiRun.EachRank(MpiRun.Cli, Finetune(folder["run"]), Finetune(folder["run"], missing));
        AssertOneLine(rankOne, folder["run"], "bertgen: error: rank 1 on ");
        Assert.EndsWith($": --train file '{missing}' does not exist", rankOne.ErrorLines[0], StringComparison.Ordinal);

        // Rank 1's copy has one label (found inside the job, while rank 0 trains on its good copy's examples).
        string oneLabel = OneLabel(folder["one-label.tsv"]);
        RunResult inJob = MpiRun.EachRank(MpiRun.Cli, Finetune(folder["run"]), Finetune(folder["run"], oneLabel));
        AssertOneLine(inJob, folder["run"], "bertgen: error: rank 1 on ");
        Assert.EndsWith($": {oneLabel}: all 80 examples are labelled 'OT'; a classifier learns nothing from one label: give examples of at least two", inJob.ErrorLines[0], StringComparison.Ordinal);

        // Missing on rank 0's machine only: rank 0's own line, as if it ran alone.
        AssertOneLine(MpiRun.EachRank(MpiRun.Cli, Finetune(folder["run"], missing), Finetune(folder["run"])), folder["run"],
            $"bertgen: error: --train file '{missing}' does not exist");
    }

    /// <summary>
    /// Processes that do not run the same training (mpirun's <c>-np 1 A : -np 1 B</c>, or another bertgen build on one
    /// machine) made collectives of other sizes and numbers: rank 0 broadcast bert-tiny's parameters into bert-mini's
    /// buffer and the job died of "double free or corruption"; pretrain beside finetune waited forever; another --batch
    /// trained on overlapping examples without a word. Each is now one line naming what differs, exit 2.
    /// </summary>
    [Fact]
    public void ProcessesRunningAnotherModelCommandOrOption_AreRefusedInOneLine()
    {
        using var folder = new TemporaryFolder();
        string[] tiny = [.. Pretrain(folder["run"]), "--quiet"];

        RunResult model = MpiRun.EachRank(MpiRun.Cli, tiny, [.. tiny, "--model", "bert-mini"]); // bert-tiny is the default
        Assert.Equal(2, model.ExitCode);
        string line = Assert.Single(model.ErrorLines, l => l.Contains("bertgen:", StringComparison.Ordinal));
        Assert.Matches(@"^bertgen: error: rank 1 on .+: runs the model bert-mini \([\d,]+ parameters, 4 layers of 256, .+\) where rank 0 has bert-tiny \([\d,]+ parameters, 2 layers of 128, .+\): "
            + "every process of an mpirun job must run the same command with the same options on the same compiled model", line);

        RunResult command = MpiRun.EachRank(MpiRun.Cli, tiny, Finetune(folder["run"]));
        Assert.Equal(2, command.ExitCode);
        Assert.StartsWith("bertgen: error: rank 1 on ", Assert.Single(command.ErrorLines, l => l.Contains("bertgen:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(": runs the command finetune where rank 0 has pretrain: every process", command.ErrorLines[0], StringComparison.Ordinal);

        // Per-machine options may differ: the folder (rank 0's is the run's) and the threads.
        string[] ownMachine = With(With(tiny, "--threads", "2"), "--checkpoints", folder["elsewhere"]);
        RunResult options = MpiRun.EachRank(MpiRun.Cli, tiny, With(ownMachine, "--batch", "32"));
        Assert.Equal(2, options.ExitCode);
        Assert.EndsWith(": runs --batch 32 where rank 0 has 8: every process of an mpirun job must run the same command with the same options on the same compiled model "
            + "(the same bertgen build on every machine); only data file paths, --checkpoints and --threads may differ", Assert.Single(options.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));

        // A flag is said as given or not (it read '--resume False where rank 0 has True').
        RunResult flag = MpiRun.EachRank(MpiRun.Cli, [.. tiny, "--resume"], tiny);
        Assert.Equal(2, flag.ExitCode);
        Assert.Contains(": runs without --resume where rank 0 has it: every process of an mpirun job", Assert.Single(flag.ErrorLines), StringComparison.Ordinal);

        MpiRun.EachRank(MpiRun.Cli, tiny, ownMachine).AssertSucceeded();
    }

    [Fact]
    public void ProcessOfAnotherBertgenBuild_IsRefusedInOneLine()
    {
        // Another commit's bertgen on one machine (the model described alike) may make other collectives than rank 0's:
        // the agreement compared the model's description, not the build. Here the other build is this one with another
        // version (what --version prints, with its commit) written into a copy of bertgen.dll.
        using var folder = new TemporaryFolder();
        string version = MpiRun.Alone(MpiRun.Cli, ["--version"]).AssertSucceeded().Output.Trim();
        string other = version[..^1] + (version[^1] == '1' ? '2' : '1');
        string otherCli = CopyWithVersion(folder["other-build"], version, other);
        string[] tiny = [.. Pretrain(folder["run"]), "--quiet"];

        RunResult refused = MpiRun.EachRank((MpiRun.Cli, tiny), (otherCli, tiny));
        Assert.Equal(2, refused.ExitCode);
        Assert.EndsWith($": runs bertgen {other} where rank 0 has {version}: every process of an mpirun job must run the same command with the same options on the "
            + "same compiled model (the same bertgen build on every machine); only data file paths, --checkpoints and --threads may differ", Assert.Single(refused.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    // A copy of the CLI's build folder (links to its files) whose bertgen.dll carries `other` as its informational version
    // instead of `version`, of the same length: a string in the assembly's metadata, after its one-byte length.
    private static string CopyWithVersion(string target, string version, string other)
    {
        Directory.CreateDirectory(target);
        foreach (string entry in Directory.EnumerateFileSystemEntries(AppContext.BaseDirectory))
        {
            string name = Path.GetFileName(entry);
            if (name != "bertgen.dll")
            {
                File.CreateSymbolicLink(Path.Combine(target, name), entry);
            }
        }

        byte[] assembly = File.ReadAllBytes(MpiRun.Cli);
        byte[] from = [(byte)version.Length, .. System.Text.Encoding.UTF8.GetBytes(version)];
        int at = assembly.AsSpan().IndexOf(from);
        Assert.True(at >= 0 && assembly.AsSpan(at + 1).IndexOf(from) < 0, $"'{version}' is not once in bertgen.dll");
        System.Text.Encoding.UTF8.GetBytes(other).CopyTo(assembly, at + 1);
        string cli = Path.Combine(target, "bertgen.dll");
        File.WriteAllBytes(cli, assembly);
        Assert.Equal(other, MpiRun.Alone(cli, ["--version"]).AssertSucceeded().Output.Trim());
        return cli;
    }

    /// <summary>
    /// A process of an MPMD job (<c>-np 1 A : -np 1 B</c>) whose options alone fail a check (an uncompiled --batch, a
    /// negative --warmup, an empty --checkpoints) failed it before joining, and its usage error, taken for the one every
    /// rank holds and rank 0 prints, was not printed: the job ended with exit 2 and no word. Now the checks are a step of
    /// every rank: that rank's one line, exit 2.
    /// </summary>
    [Fact]
    public void ProcessFailingAnOptionsCheckAlone_EndsTheJobWithItsOneLine()
    {
        using var folder = new TemporaryFolder();
        string[] tiny = [.. Pretrain(folder["run"]), "--quiet"];
        string[] finetune = Finetune(folder["run"]);
        foreach ((string[] rankZero, string[] rankOne, string expected) in new (string[], string[], string)[]
        {
            (tiny, With(tiny, "--batch", "16"), ": --batch 16 --sequence 128 is not a compiled shape of 'bert-tiny'; compiled: "),
            (finetune, [.. finetune, "--warmup", "-1"], ": --warmup must be 0 or more, not -1"),
            (tiny, With(tiny, "--checkpoints", " "), ": --checkpoints is empty: give the folder for the run's checkpoints"),
        })
        {
            RunResult result = MpiRun.EachRank(MpiRun.Cli, rankZero, rankOne);
            Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}\nstderr:\n{result.Error}");
            string line = Assert.Single(result.ErrorLines);
            Assert.StartsWith("bertgen: error: rank 1 on ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.False(Directory.Exists(folder["run"]));
        }
    }

    /// <summary>
    /// A command line of an MPMD job (<c>-np 1 A : -np 1 B</c>) that does not parse fails before joining. Its usage error
    /// was taken for the one every rank holds, which rank 0 prints; rank 0's command line had none, so the job ended with
    /// exit 2 and no word. The first rank of that command line now says it; rank 0 says its own.
    /// </summary>
    [Fact]
    public void CommandLineThatDoesNotParse_OnAnotherRankOnly_IsSaidByThatRank()
    {
        using var folder = new TemporaryFolder();
        string[] tiny = [.. Pretrain(folder["run"]), "--quiet"];
        RunResult result = MpiRun.EachRank(MpiRun.Cli, tiny, [.. tiny, "--bach", "8"]);
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}\nstderr:\n{result.Error}");
        string line = Assert.Single(result.ErrorLines, l => l.StartsWith("bertgen:", StringComparison.Ordinal));
        Assert.StartsWith("bertgen: error: rank 1: ", line, StringComparison.Ordinal);
        Assert.Contains("'--bach'", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));

        // Rank 0's own does not parse: its line, as alone.
        RunResult rankZero = MpiRun.EachRank(MpiRun.Cli, [.. tiny, "--bach", "8"], tiny);
        Assert.Equal(2, rankZero.ExitCode);
        Assert.StartsWith("bertgen: error: ", Assert.Single(rankZero.ErrorLines, l => l.StartsWith("bertgen:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("rank ", rankZero.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsWrittenWithSpaces_AreTheSameLabels()
    {
        // --labels is a list: 'OT, NT' on one machine and 'OT,NT' on another name the same classes (it was refused as
        // '--labels OT, NT where rank 0 has OT,NT'); other names are still refused.
        using var folder = new TemporaryFolder();
        string[] finetune = [.. Finetune(folder["run"]), "--labels", "OT,NT"];
        MpiRun.EachRank(MpiRun.Cli, finetune, With(finetune, "--labels", "OT, NT")).AssertSucceeded();

        RunResult other = MpiRun.EachRank(MpiRun.Cli, With(finetune, "--checkpoints", folder["other"]), With(With(finetune, "--checkpoints", folder["other"]), "--labels", "NT,OT"));
        Assert.Equal(2, other.ExitCode);
        Assert.Contains(": runs --labels NT,OT where rank 0 has OT,NT: every process", Assert.Single(other.ErrorLines), StringComparison.Ordinal);
    }

    // The arguments with `option`'s value replaced.
    private static string[] With(string[] arguments, string option, string value) =>
        arguments.Select((a, i) => i > 0 && arguments[i - 1] == option ? value : a).ToArray();

    [Fact]
    public void ErrorOfRankZerosOwnWork_EndsTheJobWithRankZerosOneLine()
    {
        // Rank 0 alone takes the run's folder, checks its output files and loads --init, while rank 1 waited in the job's
        // first collective: the job printed rank 0's line and then rank 1's that mpirun had stopped it.
        using var folder = new TemporaryFolder();

        // The folder locked by another run (held here as a run holds it).
        string locked = folder["locked"];
        Directory.CreateDirectory(locked);
        using (new FileStream(Path.Combine(locked, ".bertgen.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Finetune(locked)),
                $"bertgen: error: checkpoint folder '{locked}' is in use by another training run (it holds .bertgen.lock)");
        }

        // metrics.csv a folder, loss.png a read-only file: neither can be replaced when the run ends.
        string metricsFolder = folder["metrics-folder"];
        Directory.CreateDirectory(Path.Combine(metricsFolder, "metrics.csv"));
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Finetune(metricsFolder)), $"bertgen: error: cannot write '{Path.Combine(metricsFolder, "metrics.csv")}': it is a folder");
        string readOnlyPlot = folder["read-only-plot"];
        Directory.CreateDirectory(readOnlyPlot);
        File.WriteAllBytes(Path.Combine(readOnlyPlot, "loss.png"), []);
        File.SetAttributes(Path.Combine(readOnlyPlot, "loss.png"), FileAttributes.ReadOnly);
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Finetune(readOnlyPlot)), $"bertgen: error: cannot write '{Path.Combine(readOnlyPlot, "loss.png")}': the file there is read-only");

        // Another model's encoder (all-MiniLM-L6-v2 has 6 layers of 384, bert-tiny 2 of 128); the folder is not left behind.
        AssertOneLine(MpiRun.Ranks(2, MpiRun.Cli, Finetune(folder["run"], init: "minilm")), folder["run"],
            "bertgen: error: --init minilm (all-MiniLM-L6-v2) does not fit 'bert-tiny-classifier': ");
    }

    [Fact]
    public void InitWeights_AreNeededOnRankZerosMachineOnly()
    {
        // Rank 0 loads --init and broadcasts the parameters: a rank whose machine lacks the file was refused, though it
        // never read it.
        using var folder = new TemporaryFolder();
        MpiRun.Alone(MpiRun.Cli, Finetune(folder["first"])).AssertSucceeded();
        string missing = folder["missing"];
        MpiRun.EachRank(MpiRun.Cli, Finetune(folder["run"], init: folder["first"]), Finetune(folder["run"], init: missing)).AssertSucceeded();

        // Missing on rank 0's machine: its own line, as if it ran alone.
        AssertOneLine(MpiRun.EachRank(MpiRun.Cli, Finetune(folder["again"], init: missing), Finetune(folder["again"], init: folder["first"])), folder["again"],
            $"bertgen: error: --init '{missing}' does not exist");
    }

    // The job failed with exit 1 and exactly one line starting with the expected text, nothing from the other rank (no
    // "stopped by mpirun"), and left no run folder behind.
    private static void AssertOneLine(RunResult result, string checkpoints, string expected)
    {
        AssertOneLine(result, expected);
        Assert.False(Directory.Exists(checkpoints), $"'{checkpoints}' was left behind");
    }

    // The job failed with exit 1 and exactly one line starting with the expected text, nothing from the other rank.
    private static void AssertOneLine(RunResult result, string expected)
    {
        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}\nstderr:\n{result.Error}");
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
    }

    // The 80 training examples, all labelled OT.
    private static string OneLabel(string path)
    {
        File.WriteAllLines(path, File.ReadAllLines(MpiRun.DataFile("testament-train-80.tsv")).Select(line => "OT" + line[line.IndexOf('\t')..]));
        return path;
    }

    [Fact]
    public void UnreachableHostInTheHostfile_EndsAtOnceWithAnError()
    {
        using var folder = new TemporaryFolder();
        string hostfile = folder["hosts"];
        File.WriteAllText(hostfile, "bertgen-no-such-host slots=1\nbertgen-no-such-host-2 slots=1\n");
        RunResult result = MpiRun.Mpirun(["--hostfile", hostfile, "-np", "2", "dotnet", MpiRun.Cli, .. Pretrain(folder["run"])]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromMinutes(1), $"mpirun took {result.Elapsed}");
        Assert.False(Directory.Exists(folder["run"]));
    }

    // Without --quiet the runs log to stderr (not a terminal here: plain lines), which some tests read.
    private static string[] Pretrain(string checkpoints, int steps = Steps) =>
        ["pretrain", "--corpus", MpiRun.DataFile("kjv-12-documents.txt"), "--batch", "8", "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--eval-every", "5", "--eval-batches", "2", "--warmup", "2", "--threads", "1", "--checkpoints", checkpoints];

    // Quiet, on another corpus.
    private static string[] Pretrain(string checkpoints, string corpus) =>
        [.. Pretrain(checkpoints).Select(a => a == MpiRun.DataFile("kjv-12-documents.txt") ? corpus : a), "--quiet"];

    private static string[] Finetune(string checkpoints, string? train = null, string init = "none") =>
        ["finetune", "--model", "bert-tiny-classifier", "--init", init, "--train", train ?? MpiRun.DataFile("testament-train-80.tsv"), "--eval", MpiRun.DataFile("testament-dev-24.tsv"),
         "--batch", "16", "--sequence", "64", "--steps", "6", "--eval-every", "3", "--threads", "1", "--quiet", "--checkpoints", checkpoints];

    // Every step's loss and gradient norm, every evaluation, and the final parameters and AdamW moments.
    private static void AssertSameRun(string expected, string actual, int steps)
    {
        List<(long Step, double Loss, double GradientNorm)> one = Comparison.TrainingRows(Path.Combine(expected, "metrics.csv"));
        List<(long Step, double Loss, double GradientNorm)> two = Comparison.TrainingRows(Path.Combine(actual, "metrics.csv"));
        Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), two.Select(r => r.Step));
        Assert.Equal(one.Select(r => r.Step), two.Select(r => r.Step));
        for (int i = 0; i < one.Count; i++)
        {
            Comparison.AssertRelative(one[i].Loss, two[i].Loss, $"loss at step {one[i].Step}");
            Comparison.AssertRelative(one[i].GradientNorm, two[i].GradientNorm, $"gradient norm at step {one[i].Step}");
        }

        List<(long Step, double Loss)> evalOne = Comparison.EvaluationRows(Path.Combine(expected, "metrics.csv"));
        List<(long Step, double Loss)> evalTwo = Comparison.EvaluationRows(Path.Combine(actual, "metrics.csv"));
        Assert.Equal(evalOne.Select(r => r.Step), evalTwo.Select(r => r.Step));
        for (int i = 0; i < evalOne.Count; i++)
        {
            Comparison.AssertRelative(evalOne[i].Loss, evalTwo[i].Loss, $"held-out loss at step {evalOne[i].Step}");
        }

        string last = $"checkpoint-{steps:D9}";
        foreach (string file in new[] { CheckpointStore.ModelFile, CheckpointStore.FirstMomentFile })
        {
            Comparison.AssertSameParameters(Path.Combine(expected, last, file), Path.Combine(actual, last, file));
        }

        Assert.Equal(2, CheckpointStore.ReadState(Path.Combine(actual, last)).WorldSize);
        Assert.Equal(2, CheckpointStore.ReadState(Path.Combine(expected, last)).AccumulationSteps);
    }
}
