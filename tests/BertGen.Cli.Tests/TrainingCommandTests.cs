using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using BertGen.Cli.Training;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>pretrain, finetune, fill-mask and classify end to end on the shared short runs.</summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class TrainingCommandTests(TrainingRunsFixture runs)
{
    [Fact]
    public void TheLossPlotIsWrittenWholeOrRefusedInOneLine()
    {
        using var folder = new TemporaryFolder();
        string metrics = Path.Combine(runs.PretrainRun, "metrics.csv");
        string png = folder.File("loss.png");
        LossPlot.Write(metrics, png, "pretraining bert-tiny", "mlm_loss", "mlm_accuracy", "MLM", "training loss (MLM + NSP)");
        TrainingRunsFixture.AssertPng(png);

        // A plot the file system refuses (here: a folder where the file goes) is one sentence naming it, and no
        // temporary file is left beside it (it was written in place, where a full disk left half a plot).
        string blocked = folder.File("blocked.png");
        Directory.CreateDirectory(blocked);
        CliFailureException refused = Assert.Throws<CliFailureException>(() =>
            LossPlot.Write(metrics, blocked, "pretraining bert-tiny", "mlm_loss", "mlm_accuracy", "MLM", "training loss (MLM + NSP)"));
        Assert.StartsWith($"cannot write '{ShownPath.Of(blocked)}'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["blocked.png", "loss.png"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PretrainWritesACheckpointMetricsAndALossPlot()
    {
        string checkpoint = Path.Combine(runs.PretrainRun, "checkpoint-000000003");
        Assert.True(File.Exists(Path.Combine(checkpoint, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(checkpoint, "trainer_state.json")));

        List<Dictionary<string, string>> rows = TrainingRunsFixture.ReadMetrics(Path.Combine(runs.PretrainRun, "metrics.csv"));
        Assert.Equal(["1", "2", "3"], rows.Where(r => r["kind"] == "train").Select(r => r["step"]));
        foreach (Dictionary<string, string> row in rows.Where(r => r["kind"] == "train"))
        {
            double loss = double.Parse(row["loss"], CultureInfo.InvariantCulture);
            Assert.InRange(loss, 1.0, 20.0);
        }

        // One held-out evaluation before and one after: the job reuses the trainer's final one.
        Assert.Equal(["0", "3"], rows.Where(r => r["kind"] == "eval").Select(r => r["step"]));
        TrainingRunsFixture.AssertPng(Path.Combine(runs.PretrainRun, "loss.png"));

        // The table: before at step 0 and after at step 3, each with MLM loss, MLM accuracy and NSP accuracy.
        string before = Assert.Single(runs.Pretrain.OutputLines, l => l.Contains("| before ", StringComparison.Ordinal));
        string after = Assert.Single(runs.Pretrain.OutputLines, l => l.Contains("| after ", StringComparison.Ordinal));
        Assert.Equal("0", Cells(before)[1]);
        Assert.Equal("3", Cells(after)[1]);
        Assert.EndsWith("%", Cells(after)[3], StringComparison.Ordinal);
        Assert.EndsWith("%", Cells(after)[4], StringComparison.Ordinal);
        Assert.Contains(runs.Pretrain.OutputLines, l => l.StartsWith("loss plot", StringComparison.Ordinal) && l.EndsWith("loss.png", StringComparison.Ordinal));

        // Not a terminal: plain progress lines, ending with the last step.
        Assert.Contains(runs.Pretrain.ErrorLines, l => l.StartsWith("bertgen: step 3/3: loss ", StringComparison.Ordinal));
        Assert.Contains(runs.Pretrain.ErrorLines, l => l.StartsWith("bertgen: corpus: 10 documents", StringComparison.Ordinal));
    }

    [Fact]
    public void ResumeContinuesFromTheNewestCheckpoint()
    {
        string copy = runs.File("resumed");
        CopyFolder(runs.PretrainRun, copy);

        CliResult result = Cli.Run([.. runs.PretrainArguments(copy, 5), "--resume", "--quiet"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        Assert.Equal("3", Cells(Assert.Single(result.OutputLines, l => l.Contains("before (resumed)", StringComparison.Ordinal)))[1]);
        Assert.Equal("5", Cells(Assert.Single(result.OutputLines, l => l.Contains("| after ", StringComparison.Ordinal)))[1]);
        Assert.True(Directory.Exists(Path.Combine(copy, "checkpoint-000000005")));

        // The log goes on where it stopped: one header, training steps 1…5 once each.
        string[] lines = File.ReadAllLines(Path.Combine(copy, "metrics.csv"));
        Assert.Single(lines, l => l.StartsWith("kind,", StringComparison.Ordinal));
        Assert.Equal(["1", "2", "3", "4", "5"], TrainingRunsFixture.ReadMetrics(Path.Combine(copy, "metrics.csv")).Where(r => r["kind"] == "train").Select(r => r["step"]));
        TrainingRunsFixture.AssertPng(Path.Combine(copy, "loss.png"));
    }

    [Fact]
    public void ResumeKeepsTheRunsScheduleUnlessStepsExtendsItAndSaysHow()
    {
        // The fixture's run: 3 steps, warmup 1, --lr 5e-4 (the default), so its schedule reaches 0 at step 3.
        string copy = runs.File("extended");
        CopyFolder(runs.PretrainRun, copy);
        string[] resume = ["pretrain", "--corpus", runs.Corpus, "--batch", "8", "--eval-batches", "1", "--checkpoints", copy, "--resume"];

        // --resume alone continues the recorded 3-step run (not the default --steps 300), which has ended.
        CliResult ended = Cli.Run(resume);
        Assert.True(ended.ExitCode == 0, ended.Error);
        Assert.Contains($"bertgen: the run in '{copy}' already ended at step 3; pass --steps N above 3 to extend it", ended.ErrorLines);
        Assert.Equal("3", Cells(Assert.Single(ended.OutputLines, l => l.Contains("| after ", StringComparison.Ordinal)))[1]);

        // An explicit --steps 5 extends the schedule to end at 5 and says so. HuggingFace's linear decay,
        // lr·(T − t)/(T − W) with T = 5, W = 1: step 4 (t = 3) gets 5e-4·2/4, step 5 (t = 4) 5e-4·1/4.
        CliResult extended = Cli.Run([.. resume, "--steps", "5"]);
        Assert.True(extended.ExitCode == 0, extended.Error);
        Assert.Contains("bertgen: extending the run's 3-step schedule to 5 steps: the learning rate of step 4 is 2.50e-04 (the 3-step schedule's is 0.00e+00) and falls linearly to 1.25e-04 at step 5, the last", extended.ErrorLines);
        Dictionary<string, double> rates = TrainingRunsFixture.ReadMetrics(Path.Combine(copy, "metrics.csv")).Where(r => r["kind"] == "train")
            .ToDictionary(r => r["step"], r => double.Parse(r["learning_rate"], CultureInfo.InvariantCulture));
        Assert.Equal(5e-4 * 2 / 4, rates["4"], 12);
        Assert.Equal(5e-4 * 1 / 4, rates["5"], 12);

        // Steps 1–3 kept the 3-step schedule: warmup to 5e-4 at t = 1, 5e-4·(3 − 2)/(3 − 1) at t = 2.
        Assert.Equal(0.0, rates["1"], 12);
        Assert.Equal(5e-4, rates["2"], 12);
        Assert.Equal(2.5e-4, rates["3"], 12);

        // A learning rate that contradicts the checkpoint is refused before anything runs.
        Assert.Contains("a resumed run keeps its learning rate", Cli.Run([.. resume, "--lr", "1e-3"]).AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void HeldOutShareSplitsACorpusWithoutBlankLines()
    {
        // A sentence-per-line file with no blank line is one document: cut into pieces for the held-out split.
        string corpus = runs.File("one-document.txt");
        File.WriteAllLines(corpus, File.ReadAllLines(runs.Corpus).Where(l => l.Length > 0));
        string folder = runs.File("one-document");

        // A share of 0.3 needs ⌈2 / 0.3⌉ = 7 pieces for its 2 documents; 0.3 · 7 rounds to those 2.
        CliResult result = Cli.Run("pretrain", "--corpus", corpus, "--held-out", "0.3", "--steps", "1", "--batch", "8", "--eval-batches", "1", "--warmup", "0", "--checkpoints", folder);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("bertgen: the corpus has 1 document (blank lines separate documents): cut into 7 pieces of consecutive sentences for the held-out split", result.ErrorLines);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("bertgen: corpus: 7 documents", StringComparison.Ordinal) && l.EndsWith(", 2 held-out documents", StringComparison.Ordinal));

        Assert.Contains("--held-out must be a share above 0 and at most 0.5, not 0.6", Cli.Run("pretrain", "--held-out", "0.6").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void ClassifyAndResumeUseTheLabelsTheRunWasFineTunedWith()
    {
        string train = runs.File("sentiment-train.tsv");
        string dev = runs.File("sentiment-dev.tsv");
        File.WriteAllLines(train, File.ReadAllLines(runs.Train).Select(Relabel));
        File.WriteAllLines(dev, File.ReadAllLines(runs.Dev).Select(Relabel));
        string folder = runs.File("sentiment");

        CliResult tuned = Cli.Run([.. runs.FinetuneArguments(folder, train: train, dev: dev), "--init", "none", "--labels", "neg,pos", "--quiet"]);
        Assert.True(tuned.ExitCode == 0, tuned.Error);

        // classify without --labels names the classes neg and pos, as the run did, not the spec's OT and NT.
        CliResult classified = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", folder, "I really enjoyed it");
        Assert.True(classified.ExitCode == 0, classified.Error);
        using JsonDocument line = JsonDocument.Parse(Assert.Single(classified.OutputLines));
        Assert.Equal(["neg", "pos"], line.RootElement.GetProperty("probabilities").EnumerateObject().Select(p => p.Name));
        Assert.Contains(line.RootElement.GetProperty("label").GetString(), new[] { "neg", "pos" });

        // A resumed run keeps them without --labels; other labels are refused.
        CliResult resumed = Cli.Run([.. runs.FinetuneArguments(folder, train: train, dev: dev, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume", "--quiet"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("is not what the resumed run was fine-tuned with (neg,pos)",
            Cli.Run([.. runs.FinetuneArguments(folder, train: train, dev: dev, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume", "--labels", "pos,neg"]).AssertOneLineError(2), StringComparison.Ordinal);

        static string Relabel(string example) => (example.StartsWith("OT\t", StringComparison.Ordinal) ? "neg" : "pos") + example[2..];
    }

    [Fact]
    public void ClassifyAndFillMaskLoadTheModelTheCheckpointRecords()
    {
        // Without --model, the checkpoint's state names the model: bert-tiny-classifier here, where classify's default
        // (minilm-l6-classifier, hidden 384) failed on the weights' shapes.
        CliResult recorded = Cli.Run("classify", "-c", runs.FinetuneRun, "Jesus wept.");
        Assert.True(recorded.ExitCode == 0, recorded.Error);
        Assert.Equal(Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", runs.FinetuneRun, "Jesus wept.").Output, recorded.Output);

        // Another --model is refused, naming the one the run trained.
        Assert.Contains("was trained as 'bert-tiny-classifier', not 'minilm-l6-classifier': leave out --model, or pass --model bert-tiny-classifier",
            Cli.Run("classify", "-m", "minilm-l6-classifier", "-c", runs.FinetuneRun, "x").AssertOneLineError(2), StringComparison.Ordinal);

        // fill-mask: the pretraining run's bert-tiny; a classifier's checkpoint has no masked-LM head to fill with.
        CliResult filled = Cli.Run("fill-mask", "-c", runs.PretrainRun, "and god said [MASK].");
        Assert.True(filled.ExitCode == 0, filled.Error);
        Assert.Equal(Cli.Run("fill-mask", "-m", "bert-tiny", "-c", runs.PretrainRun, "and god said [MASK].").Output, filled.Output);
        Assert.Contains("model 'bert-tiny-classifier' has the sequence_classification head; this needs the pretraining head",
            Cli.Run("fill-mask", "-c", runs.FinetuneRun, "and god said [MASK].").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void FinetuneResumeSaysWhereItResumed()
    {
        string copy = runs.File("finetune-resumed");
        CopyFolder(runs.FinetuneRun, copy);

        CliResult result = Cli.Run([.. runs.FinetuneArguments(copy, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"bertgen: resumed at step {TrainingRunsFixture.FinetuneSteps}", result.ErrorLines);
        Assert.True(Directory.Exists(Path.Combine(copy, "checkpoint-000000003")));
    }

    [Fact]
    public void CtrlCCheckpointsAndExits130WithOneLine()
    {
        string folder = runs.File("interrupted");

        // Pressed once the data is ready (the evaluation before training runs): the run checkpoints the step it is at.
        CliResult result = Cli.RunInterruptedAt("bertgen: held-out at step 0", [.. runs.PretrainArguments(folder, 4)]);

        Assert.Equal(130, result.ExitCode);
        string line = result.ErrorLines[^1];
        Assert.Single(result.ErrorLines, l => l.StartsWith("bertgen: error:", StringComparison.Ordinal));
        Assert.StartsWith("bertgen: error: interrupted at step 0 of 4; checkpoint saved in ", line, StringComparison.Ordinal);
        Assert.EndsWith("continue with --resume", line, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "checkpoint-000000000", "model.safetensors")));

        // The interrupted run resumes.
        CliResult resumed = Cli.Run([.. runs.PretrainArguments(folder, 1), "--resume", "--quiet"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.True(Directory.Exists(Path.Combine(folder, "checkpoint-000000001")));
    }

    /// <summary>
    /// Pressed while the corpus is still read and tokenised (here: before the work began), the stop waited for all of it and
    /// the evaluation before training, then checkpointed step 0. It ends the data preparation now: one line, no folder.
    /// </summary>
    [Fact]
    public void CtrlCBeforeTheDataIsReadyWritesNothingAndExits130WithOneLine()
    {
        string folder = runs.File("interrupted-while-reading");

        CliResult result = Cli.RunInterrupted([.. runs.PretrainArguments(folder, 4), "--quiet"]);

        Assert.Equal("bertgen: error: interrupted before training began; nothing was written; run it again to start over", result.AssertOneLineError(130));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void ResumeInAFolderWithoutACheckpoint_SaysSoInOneLineAndStartsAtStepZero()
    {
        // What a run stopped before its first checkpoint leaves (under mpirun, which ends it at once): rows, no checkpoint.
        // The line was a log line, which --quiet dropped: a script's --resume then trained from scratch without a word.
        string folder = runs.File("stopped-before-checkpoint");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "metrics.csv"), "kind,step\ntrain,1\ntrain,2\n");

        CliResult result = Cli.Run([.. runs.PretrainArguments(folder, 1), "--resume", "--quiet"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal($"bertgen: warning: nothing to resume in '{folder}': starting at step 0", Assert.Single(result.ErrorLines));
        Assert.True(Directory.Exists(Path.Combine(folder, "checkpoint-000000001")));
        Assert.DoesNotContain("train,2", File.ReadAllText(Path.Combine(folder, "metrics.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void ARunUnderTheWorkingFolderIsLoggedRelativeToIt()
    {
        // Captured output names the run's folder as the user types it back, in the log lines and errors as in the closing lines.
        string name = "bertgen-cli-tests-" + Guid.NewGuid().ToString("N");
        string folder = Path.Combine(Environment.CurrentDirectory, name);
        try
        {
            CliResult result = Cli.RunInterruptedAt("bertgen: held-out at step 0", runs.PretrainArguments(folder, 4));
            Assert.Equal(130, result.ExitCode);
            Assert.Contains($"bertgen: checkpoint of step 0: {Path.Combine(name, "checkpoint-000000000")}", result.ErrorLines);
            Assert.Equal($"bertgen: error: interrupted at step 0 of 4; checkpoint saved in '{name}'; continue with --resume", result.ErrorLines[^1]);
            Assert.Contains($"'{name}' already holds checkpoints", Cli.Run(runs.PretrainArguments(folder, 4)).AssertOneLineError(2), StringComparison.Ordinal);
            Assert.Contains($"checkpoint '{Path.Combine(name, "checkpoint-000000000")}' was written with 1 process × 1 accumulated",
                Cli.Run([.. runs.PretrainArguments(folder, 4), "--resume", "--accumulate", "2"]).AssertOneLineError(2), StringComparison.Ordinal);

            // The same 8 sequences a step as 8 micro-batches of 1: the fix names the batch size, which is what differs (it
            // named only --accumulate 1, which the run already had).
            Assert.EndsWith("this run has 1 × 8 of 1: resume with 1 micro-batch(es) of 8 sequences per step (with 1 process: bertgen --batch 8 --accumulate 1)",
                Cli.Run([.. runs.PretrainArguments(folder, 4, batch: 1), "--resume", "--accumulate", "8"]).AssertOneLineError(2), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FillMaskListsTheTopKTokensOfEachMaskMostLikelyFirst()
    {
        CliResult result = Cli.Run("fill-mask", "--checkpoint", runs.PretrainRun, "--top-k", "4", "--format", "json",
            "in the beginning god created the [MASK] and the [MASK].", "let there be [MASK]");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.OutputLines.Length);
        using JsonDocument first = JsonDocument.Parse(result.OutputLines[0]);
        JsonElement[] masks = first.RootElement.GetProperty("masks").EnumerateArray().ToArray();
        Assert.Equal(2, masks.Length);

        // [CLS] in the beginning god created the → the first mask is input position 7.
        Assert.Equal(7, masks[0].GetProperty("position").GetInt32());
        using JsonDocument second = JsonDocument.Parse(result.OutputLines[1]);
        Assert.Single(second.RootElement.GetProperty("masks").EnumerateArray());
        foreach (JsonElement mask in masks.Concat(second.RootElement.GetProperty("masks").EnumerateArray()))
        {
            double[] probabilities = mask.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("probability").GetDouble()).ToArray();
            Assert.Equal(4, probabilities.Length);
            Assert.All(probabilities, p => Assert.InRange(p, double.Epsilon, 1.0));
            Assert.True(probabilities.Sum() <= 1 + 1e-9);
            Assert.Equal(probabilities.OrderByDescending(p => p), probabilities);
            Assert.All(mask.GetProperty("predictions").EnumerateArray(), p => Assert.False(string.IsNullOrEmpty(p.GetProperty("token").GetString())));
        }
    }

    [Fact]
    public void FillMaskTableHasARowPerPrediction()
    {
        CliResult result = Cli.RunWithInput("and god said [MASK]\n", "fill-mask", "-c", Path.Combine(runs.PretrainRun, "checkpoint-000000003", "model.safetensors"), "-k", "3");

        Assert.True(result.ExitCode == 0, result.Error);
        string[] rows = result.OutputLines.Where(l => l.StartsWith('|') && !l.Contains("probability", StringComparison.Ordinal) && !l.Contains("---", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Equal(["1", "2", "3"], rows.Select(r => Cells(r)[2]));
    }

    [Fact]
    public void FinetuneFromScratchReportsHeldOutAccuracyAndTheBaseline()
    {
        string folder = runs.File("finetune-none");

        CliResult result = Cli.Run([.. runs.FinetuneArguments(folder), "--init", "none", "--quiet"]);

        Assert.True(result.ExitCode == 0, result.Error);
        AssertAccuracyTable(result);
        List<Dictionary<string, string>> rows = TrainingRunsFixture.ReadMetrics(Path.Combine(folder, "metrics.csv"));
        Assert.Equal(["1", "2"], rows.Where(r => r["kind"] == "train").Select(r => r["step"]));
        Assert.All(rows.Where(r => r["kind"] == "eval"), r => Assert.InRange(double.Parse(r["task_accuracy"], CultureInfo.InvariantCulture), 0.0, 1.0));
        TrainingRunsFixture.AssertPng(Path.Combine(folder, "loss.png"));
    }

    [Fact]
    public void FinetuneFromAPretrainedCheckpointLoadsItsEncoder()
    {
        AssertAccuracyTable(runs.Finetune);
        string loaded = Assert.Single(runs.Finetune.ErrorLines, l => l.StartsWith("bertgen: encoder loaded from ", StringComparison.Ordinal));

        // The encoder came from the checkpoint; the classifier head (and the pooler it lacks) from the seed.
        Assert.Contains("checkpoint-000000003", loaded, StringComparison.Ordinal);
        Assert.Contains("classifier.weight", loaded, StringComparison.Ordinal);
        Assert.DoesNotContain("encoder.layer", loaded, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(runs.FinetuneRun, "checkpoint-000000002", "model.safetensors")));

        // Resumed, the checkpoint replaces every parameter: --init's encoder is not loaded first, nor said to be.
        string copy = runs.File("finetune-resumed-with-init");
        CopyFolder(runs.FinetuneRun, copy);
        CliResult resumed = Cli.Run([.. runs.FinetuneArguments(copy, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", runs.PretrainRun, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.DoesNotContain(resumed.ErrorLines, l => l.StartsWith("bertgen: encoder loaded from ", StringComparison.Ordinal));
        Assert.Contains("resumed", resumed.Output + resumed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassifyWritesOneJsonLinePerTextWithTheArgmaxLabel()
    {
        string[] texts = ["And Jesus answered and said unto them", "In the beginning God created the heaven and the earth.", "Blessed are the meek"];

        CliResult result = Cli.Run(["classify", "--model", "bert-tiny-classifier", "--checkpoint", runs.FinetuneRun, .. texts]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(texts.Length, result.OutputLines.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            using JsonDocument line = JsonDocument.Parse(result.OutputLines[i]);
            Assert.Equal(["text", "label", "probabilities"], line.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(texts[i], line.RootElement.GetProperty("text").GetString());
            Dictionary<string, double> probabilities = line.RootElement.GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.Equal(["OT", "NT"], probabilities.Keys);
            Assert.Equal(1.0, probabilities.Values.Sum(), 9);
            Assert.Equal(probabilities.MaxBy(p => p.Value).Key, line.RootElement.GetProperty("label").GetString());
        }
    }

    [Fact]
    public void ClassifyGivesTheSameAnswerInAnyBatch()
    {
        // A text's probabilities must not depend on the other texts of its batch (or the padding rows).
        CliResult alone = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", runs.FinetuneRun, "Blessed are the meek");
        CliResult together = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", runs.FinetuneRun, "Thou shalt not kill", "Blessed are the meek");

        Assert.True(alone.ExitCode == 0 && together.ExitCode == 0, alone.Error + together.Error);
        using JsonDocument a = JsonDocument.Parse(alone.OutputLines[0]);
        using JsonDocument b = JsonDocument.Parse(together.OutputLines[1]);
        Assert.Equal(a.RootElement.GetProperty("text").GetString(), b.RootElement.GetProperty("text").GetString());
        Assert.Equal(a.RootElement.GetProperty("label").GetString(), b.RootElement.GetProperty("label").GetString());
        Assert.Equal(
            a.RootElement.GetProperty("probabilities").GetProperty("OT").GetDouble(),
            b.RootElement.GetProperty("probabilities").GetProperty("OT").GetDouble(),
            6);
    }

    [Fact]
    public void LiveProgressOnAnEightyColumnTerminal()
    {
        string folder = runs.File("finetune-live");

        CliResult result = Cli.RunOnTerminal(80, [.. runs.FinetuneArguments(folder, evaluateEvery: 1), "--init", "none"]);

        Assert.True(result.ExitCode == 0, result.Error);

        // Every redraw of the status line (\r, the line, erase-to-end) stays short of the last column, so it never
        // wraps and a carriage return always lands on its start.
        string[] redraws = result.Error.Split('\r').Where(s => s.EndsWith("\u001b[K", StringComparison.Ordinal) && s.Length > 3).Select(s => s[..^3]).ToArray();
        Assert.NotEmpty(redraws);
        Assert.All(redraws, r => Assert.True(r.Length <= 79, $"{r.Length} columns: {r}"));
        Assert.Contains(redraws, r => r.StartsWith($"step {TrainingRunsFixture.FinetuneSteps}/{TrainingRunsFixture.FinetuneSteps} ━", StringComparison.Ordinal) && r.Contains("· loss ", StringComparison.Ordinal));
        Assert.Contains(redraws, r => r.StartsWith("held-out evaluation at step 1: batch ", StringComparison.Ordinal));
        Assert.Contains(redraws, r => r.StartsWith("held-out evaluation before training: batch ", StringComparison.Ordinal));

        // What stays on the screen: the log lines, whole and in order, and nothing of the status line.
        var screen = new TerminalScreen(80, result.Error);
        string[] lines = screen.Lines;
        Assert.Contains("held-out at step 0: loss ", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("held-out at step 1: loss ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"held-out at step {TrainingRunsFixture.FinetuneSteps}: loss ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains('━') || l.Contains('─') || l.Contains(" · ", StringComparison.Ordinal));
        Assert.DoesNotContain("bertgen: step", result.Error, StringComparison.Ordinal);

        // The table on the terminal: rounded borders, within 80 columns.
        Assert.Contains(result.OutputLines, l => l.StartsWith('╭'));
        Assert.All(TerminalLayoutTests.Visible(result.Output).Where(l => l.Length > 0 && l[0] is '╭' or '│' or '├' or '╰'), l => Assert.True(l.Length <= 80, l));
    }

    private static void AssertAccuracyTable(CliResult result)
    {
        string[] before = Cells(Assert.Single(result.OutputLines, l => l.Contains("| before ", StringComparison.Ordinal)));
        string[] after = Cells(Assert.Single(result.OutputLines, l => l.Contains("| after ", StringComparison.Ordinal)));
        string[] majority = Cells(Assert.Single(result.OutputLines, l => l.Contains("majority class", StringComparison.Ordinal)));
        Assert.Equal("0", before[1]);
        Assert.Equal(TrainingRunsFixture.FinetuneSteps.ToString(CultureInfo.InvariantCulture), after[1]);
        Assert.InRange(Percent(after[3]), 0, 100);

        // The slices are balanced: always answering one label scores 50%.
        Assert.Equal("majority class (NT)", majority[0]);
        Assert.Equal(50.0, Percent(majority[3]));
    }

    private static double Percent(string cell) => double.Parse(cell.TrimEnd('%'), CultureInfo.InvariantCulture);

    /// <summary>The cells of a table row, trimmed.</summary>
    internal static string[] Cells(string row) => row.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray();

    internal static void CopyFolder(string from, string to)
    {
        foreach (string directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
