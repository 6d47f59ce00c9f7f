using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using BertGen.Runtime.Checkpoints;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// Damaged inputs that once gave a silent wrong answer, an internal error or an unclear one (issue 15), each built from
/// the failing input: now one line naming the input, or the right answer.
/// </summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class HostileInputTests(TrainingRunsFixture runs)
{
    [Fact]
    public void ADamagedNewestCheckpointIsRefusedNamingTheIntactOneBeforeIt()
    {
        // A run with checkpoints 3 and 4, whose newest then has one flipped bit in its weights.
        string run = runs.File("damaged-newest");
        TrainingCommandTests.CopyFolder(runs.PretrainRun, run);
        Assert.Equal(0, Cli.Run([.. runs.PretrainArguments(run, 4), "--resume", "--quiet"]).ExitCode);
        string newest = Path.Combine(run, "checkpoint-000000004", "model.safetensors");
        byte[] bytes = File.ReadAllBytes(newest);
        bytes[^100] ^= 0x01;
        File.WriteAllBytes(newest, bytes);
        string older = Path.Combine(run, "checkpoint-000000003");

        // fill-mask checked no checksum and used the damaged weights silently.
        string line = Cli.Run("fill-mask", "-c", run, "let there be [MASK]").AssertOneLineError(1);
        Assert.Contains("(step 4) is damaged: checkpoint file '", line, StringComparison.Ordinal);
        Assert.EndsWith($"the older '{older}' (step 3) is intact: give it with --checkpoint", line, StringComparison.Ordinal);
        Assert.Contains("is corrupted: its SHA-256 differs", Cli.Run("fill-mask", "-c", newest, "let there be [MASK]").AssertOneLineError(1), StringComparison.Ordinal);
        Assert.Equal(0, Cli.Run("fill-mask", "-c", older, "let there be [MASK]").ExitCode);

        // --resume refused without offering the older checkpoint; now it names it, and --resume-older uses it.
        line = Cli.Run([.. runs.PretrainArguments(run, 5), "--resume", "--quiet"]).AssertOneLineError(1);
        Assert.EndsWith($"the older checkpoint '{older}' (step 3) is intact: add --resume-older to continue from it", line, StringComparison.Ordinal);
        CliResult resumed = Cli.Run([.. runs.PretrainArguments(run, 5), "--resume-older"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains(resumed.ErrorLines, l => l.StartsWith("bertgen: the newest checkpoint (step 4) is damaged (", StringComparison.Ordinal) && l.EndsWith("); deleted 1 damaged checkpoint(s) after step 3; resuming from step 3", StringComparison.Ordinal));
        Assert.Contains("bertgen: resumed at step 3", resumed.ErrorLines);

        // The metrics went back to step 3 before the run went on: every training step once, one evaluation per step.
        var rows = TrainingRunsFixture.ReadMetrics(Path.Combine(run, "metrics.csv"));
        Assert.Equal(["1", "2", "3", "4", "5"], rows.Where(r => r["kind"] == "train").Select(r => r["step"]));
        Assert.Equal(["0", "3", "5"], rows.Where(r => r["kind"] == "eval").Select(r => r["step"]));
        Assert.Null(CheckpointIntegrity.FindDamage(Path.Combine(run, "checkpoint-000000005")));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoint-000000004")));
    }

    [Fact]
    public void AnEditedTrainerStateIsDamage()
    {
        // Issue 15: step 4 → 5 in trainer_state.json skipped a step; classify used whatever the folder held.
        string run = runs.File("edited-state");
        TrainingCommandTests.CopyFolder(runs.FinetuneRun, run);
        string state = Path.Combine(run, "checkpoint-000000002", CheckpointStore.StateFile);
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"learningRate\": ", "\"learningRate\": 1e308, \"was\": ", StringComparison.Ordinal));

        string line = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", run, "Jesus wept.").AssertOneLineError(1);
        Assert.Contains("trainer_state.json' is corrupted: its SHA-256 differs from the one in trainer_state.json.sha256", line, StringComparison.Ordinal);
        Assert.Contains("no checkpoint in", Cli.Run([.. runs.FinetuneArguments(run, steps: 3), "--init", "none", "--resume", "--quiet"]).AssertOneLineError(1), StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedAtLoadEvenForJsonOutput()
    {
        // Issue 15: one NaN in an unused word-embedding row gave "[PAD] NaN" predictions (tied decoder), and with
        // --format json "internal error (ArgumentException): .NET number values such as positive and negative infinity…".
        string weights = runs.File("nan.safetensors");
        File.Copy(Path.Combine(runs.PretrainRun, "checkpoint-000000003", CheckpointStore.ModelFile), weights);
        byte[] bytes = File.ReadAllBytes(weights);
        long header = BitConverter.ToInt64(bytes, 0);
        string json = Encoding.UTF8.GetString(bytes, 8, (int)header);
        using JsonDocument document = JsonDocument.Parse(json);
        long start = document.RootElement.GetProperty("bert.embeddings.word_embeddings.weight").GetProperty("data_offsets")[0].GetInt64();
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, 8 + header + start + (4 * 128 * 29999));
        File.WriteAllBytes(weights, bytes);

        string line = Cli.Run("fill-mask", "-c", weights, "--format", "json", "let there be [MASK]").AssertOneLineError(1);
        Assert.EndsWith("tensor 'bert.embeddings.word_embeddings.weight' holds NaN at [29999, 0]: weights must be finite numbers", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondRunOnAFolderInUseIsRefusedAtOnce()
    {
        string folder = runs.File("locked");
        using (CheckpointFolderLock.Acquire(folder))
        {
            string line = Cli.Run([.. runs.PretrainArguments(folder, 1), "--quiet"]).AssertOneLineError(1);
            Assert.Equal($"bertgen: error: checkpoint folder '{folder}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder", line);
        }

        Assert.Equal([Path.Combine(folder, CheckpointFolderLock.LockFile)], Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void AFolderInUseIsNamedAsTheUserTypedIt()
    {
        // Under the working directory, given relative: the lock's refusal showed the absolute path, every other line the given one.
        string run = "bertgen-locked-" + Guid.NewGuid().ToString("N");
        try
        {
            using (CheckpointFolderLock.Acquire(Path.GetFullPath(run)))
            {
                string line = Cli.Run([.. runs.PretrainArguments(run, 1), "--quiet"]).AssertOneLineError(1);
                Assert.Equal($"bertgen: error: checkpoint folder '{run}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder", line);
            }
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void TrainingRefusesAVocabularyOfAnotherSize()
    {
        // Issue 15: a 6-token vocabulary trained the 30,522-row model on [UNK]s with exit 0 (embed and fill-mask refused).
        string vocabulary = runs.File("six-tokens.txt");
        File.WriteAllText(vocabulary, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n");

        string pretrain = Cli.Run([.. runs.PretrainArguments(runs.File("never-vocab"), 1), "--vocab", vocabulary, "--quiet"]).AssertOneLineError(1);
        string finetune = Cli.Run([.. runs.FinetuneArguments(runs.File("never-vocab"), steps: 1), "--init", "none", "--vocab", vocabulary, "--quiet"]).AssertOneLineError(1);

        Assert.Equal($"bertgen: error: the vocabulary '{vocabulary}' has 6 tokens but model 'bert-tiny' has 30522", pretrain);
        Assert.Equal($"bertgen: error: the vocabulary '{vocabulary}' has 6 tokens but model 'bert-tiny-classifier' has 30522", finetune);
        Assert.False(Directory.Exists(runs.File("never-vocab")));
    }

    [Fact]
    public void DamagedCorpusAndLabelFilesAreNamedWithTheirLine()
    {
        byte[] corpus = Gzip(File.ReadAllBytes(runs.Corpus));
        string cut = runs.File("cut-corpus.txt.gz");
        File.WriteAllBytes(cut, corpus[..(corpus.Length * 7 / 10)]);
        string padded = runs.File("padded-corpus.txt.gz");
        File.WriteAllBytes(padded, [.. corpus, .. "trailing garbage\n"u8]);
        string badLabels = runs.File("bad-utf8.tsv");
        File.WriteAllBytes(badLabels, [.. File.ReadAllBytes(runs.Train).Take(200), 0xFF, .. "\n"u8]);

        Assert.EndsWith("is truncated or has bytes after its end: its last 8 bytes are not the checksum and length of the data it holds",
            Cli.Run("pretrain", "--corpus", cut, "--checkpoints", runs.File("never-corpus"), "--quiet").AssertOneLineError(1), StringComparison.Ordinal);
        Assert.Contains("is truncated or has bytes after its end",
            Cli.Run("pretrain", "--corpus", padded, "--checkpoints", runs.File("never-corpus"), "--quiet").AssertOneLineError(1), StringComparison.Ordinal);
        Assert.Matches(@"bad-utf8\.tsv line \d+: invalid UTF-8 at byte \d+ \(0xFF\)$",
            Cli.Run([.. runs.FinetuneArguments(runs.File("never-labels"), train: badLabels), "--init", "none", "--quiet"]).AssertOneLineError(1));
    }

    [Fact]
    public void EscapeCodesFromTheVocabularyNeverReachTheTerminal()
    {
        // Issue 15: fill-mask printed vocabulary tokens raw, so a token holding ESC [2J cleared the screen.
        CliResult json = Cli.Run("fill-mask", "-c", runs.PretrainRun, "-k", "1", "--format", "json", "let there be [MASK]");
        using JsonDocument parsed = JsonDocument.Parse(json.OutputLines[0]);
        int top = parsed.RootElement.GetProperty("masks")[0].GetProperty("predictions")[0].GetProperty("id").GetInt32();
        string[] tokens = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "bert-base-uncased-vocab.txt"));
        tokens[top] = "\u001b[2Jboom\u009b";
        string vocabulary = runs.File("escape-vocab.txt");
        File.WriteAllText(vocabulary, string.Join('\n', tokens) + "\n");

        CliResult table = Cli.Run("fill-mask", "-c", runs.PretrainRun, "-k", "1", "--vocab", vocabulary, "let there be [MASK]");

        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("\\u001B[2Jboom\\u009B", table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', table.Output);
        Assert.DoesNotContain('\u009b', table.Output);
    }

    [Fact]
    public void AFolderGivenAsAFileSaysSo()
    {
        string folder = runs.File("a-folder.safetensors");
        Directory.CreateDirectory(folder);

        Assert.EndsWith("is a folder, not a file", Cli.Run("embed", "--file", folder).AssertOneLineError(1), StringComparison.Ordinal);
        Assert.EndsWith("is a folder, not a file", Cli.Run("embed", "--vocab", folder, "x").AssertOneLineError(1), StringComparison.Ordinal);
        Assert.EndsWith("is a folder, not a file", Cli.Run("embed", "--model", "minilm-l6", "--weights", folder, "x").AssertOneLineError(1), StringComparison.Ordinal);
        Assert.EndsWith("is a folder, not a file", Cli.Run("pretrain", "--corpus", folder, "--checkpoints", runs.File("never-folder"), "--quiet").AssertOneLineError(1), StringComparison.Ordinal);
    }

    [Fact]
    public void ARunFoldersCheckpointsAreShownAsTheFolderWasGiven()
    {
        // Under the working directory, so paths show relative; the listing of the run's checkpoints gave them absolute.
        string run = "bertgen-shown-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(run, "checkpoint-000000001"));
        try
        {
            string line = Cli.Run("fill-mask", "-c", run, "a [MASK]").AssertOneLineError(1);

            Assert.Equal($"bertgen: error: no checkpoint in '{run}' is intact; the newest (step 1): checkpoint '{Path.Combine(run, "checkpoint-000000001")}' has no trainer_state.json", line);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void AFolderWhereARunWritesAFileIsRefusedBeforeTraining()
    {
        // loss.png a folder: the run trained, checkpointed, then failed with "access to the path … is denied".
        string run = runs.File("plot-is-a-folder");
        Directory.CreateDirectory(Path.Combine(run, "loss.png"));
        string line = Cli.Run([.. runs.PretrainArguments(run, 1), "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: cannot write '{Path.Combine(run, "loss.png")}': it is a folder", line);
        Assert.Empty(Directory.GetDirectories(run, "checkpoint-*"));

        // The lock file a folder: refused as "access denied" too.
        string locked = runs.File("lock-is-a-folder");
        Directory.CreateDirectory(Path.Combine(locked, ".bertgen.lock"));
        line = Cli.Run([.. runs.PretrainArguments(locked, 1), "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: checkpoint folder '{locked}' holds a folder named .bertgen.lock where a run keeps its lock file; remove it or choose another folder", line);
    }

    [Fact]
    public void ACheckpointsOptimizerStateIsNotTakenForItsWeights()
    {
        // AdamW's m and v files hold the model's tensor names and shapes: given as weights (tab completion offers them
        // beside model.safetensors), fill-mask, classify and embed loaded them without a word and answered noise.
        string pretrain = Path.Combine(runs.PretrainRun, "checkpoint-000000003");
        string line = Cli.Run("fill-mask", "-c", Path.Combine(pretrain, CheckpointStore.SecondMomentFile), "let there be [MASK]").AssertOneLineError(2);
        Assert.Equal($"bertgen: error: --checkpoint '{Path.Combine(pretrain, CheckpointStore.SecondMomentFile)}' is a checkpoint's optimizer state (AdamW's second moments), not its weights; give the checkpoint folder or its model.safetensors", line);

        string finetune = Path.Combine(runs.FinetuneRun, "checkpoint-000000002", CheckpointStore.FirstMomentFile);
        Assert.Contains("(AdamW's first moments), not its weights", Cli.Run("classify", "-c", finetune, "Jesus wept.").AssertOneLineError(2), StringComparison.Ordinal);
        Assert.StartsWith("bertgen: error: --weights '", Cli.Run("embed", "--model", "bert-tiny", "--weights", Path.Combine(pretrain, CheckpointStore.FirstMomentFile), "x").AssertOneLineError(2), StringComparison.Ordinal);

        // Under another name too: the checkpoint marks them in their metadata (a renamed copy answered 0.0000 for every token).
        string renamed = runs.File("renamed-moments.safetensors");
        File.Copy(Path.Combine(pretrain, CheckpointStore.SecondMomentFile), renamed, overwrite: true);
        Assert.Equal($"bertgen: error: --checkpoint '{renamed}' is a checkpoint's optimizer state (AdamW's second moments), not its weights; give the checkpoint folder or its model.safetensors",
            Cli.Run("fill-mask", "-c", renamed, "let there be [MASK]").AssertOneLineError(2));
        Assert.Equal(0, Cli.Run("fill-mask", "-c", Path.Combine(pretrain, CheckpointStore.ModelFile), "let there be [MASK]").ExitCode);
    }

    [Fact]
    public void APathIsNotReadAsTheModelNamedByItsLastPart()
    {
        // Was: --model ./somewhere/bert-tiny trained the compiled bert-tiny, 'inspect ./models/minilm' showed minilm-l6,
        // and 'embed --model ./all-MiniLM-L6-v2-folder/minilm' said the compiled model had no weights.
        string folder = runs.File(Path.Combine("downloads", "bert-tiny"));
        Directory.CreateDirectory(folder);
        string run = runs.File("path-as-model");
        Assert.Equal(
            $"bertgen: error: unknown model '{folder}': no compiled model of that name; compiled: bert-tiny, bert-mini, bert-small, bert-base, minilm-l6, bert-tiny-classifier, minilm-l6-classifier",
            Cli.Run([.. runs.PretrainArguments(run, 1), "--model", folder, "--quiet"]).AssertOneLineError(2));
        Assert.False(Directory.Exists(run));
        Cli.Run("inspect", "./bert-tiny/").AssertOneLineError(2);

        string minilm = runs.File(Path.Combine("downloads", "minilm"));
        Directory.CreateDirectory(minilm);
        Assert.Equal(
            $"bertgen: error: --model '{minilm}' is a folder, not a model's name; a HuggingFace model folder is given with --model-dir",
            Cli.Run("embed", "--model", minilm, "x").AssertOneLineError(2));
    }

    [Fact]
    public void ACheckpointFolderUnderAFileSaysWhichFile()
    {
        // Was "could not find a part of the path '…/train.tsv/run'".
        string run = Path.Combine(runs.Train, "run");
        string line = Cli.Run([.. runs.FinetuneArguments(run), "--init", "none", "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: cannot create checkpoint folder '{run}': '{runs.Train}' is a file, not a folder", line);
    }

    [Fact]
    public void AnEmptyCheckpointFolderOrNoEvaluationBatchesAreUsageErrorsNamingTheOption()
    {
        // Was "--warmup must be 0 or more and --eval-batches at least 1" whichever of the two was wrong.
        Assert.Equal("bertgen: error: --eval-batches must be at least 1, not 0", Cli.Run("pretrain", "--eval-batches", "0").AssertOneLineError(2));

        // An unset shell variable (--checkpoints "$RUN") was "internal error (ArgumentException)".
        Assert.Equal("bertgen: error: --checkpoints is empty: give the folder for the run's checkpoints", Cli.Run("pretrain", "--checkpoints", "").AssertOneLineError(2));
        Assert.Equal("bertgen: error: --checkpoints is empty: give the folder for the run's checkpoints", Cli.Run([.. runs.FinetuneArguments(" ")]).AssertOneLineError(2));
    }

    [Fact]
    public void ResumingPastTheRequestedStepsIsAUsageError()
    {
        string run = runs.File("past-steps");
        TrainingCommandTests.CopyFolder(runs.PretrainRun, run);

        string line = Cli.Run([.. runs.PretrainArguments(run, 2), "--resume", "--quiet"]).AssertOneLineError(2);

        Assert.Equal("bertgen: error: the checkpoint to resume is at step 3, past --steps 2: give --steps 3 or more", line);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
