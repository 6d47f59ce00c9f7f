using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>The training and checkpoint commands' bad inputs: one line, the right exit code, nothing on stdout.</summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class TrainingErrorTests(TrainingRunsFixture runs)
{
    [Fact]
    public void MissingCheckpoint()
    {
        string line = Cli.Run("fill-mask", "--checkpoint", runs.File("absent"), "a [MASK]").AssertOneLineError(1);
        Assert.Contains("--checkpoint '", line, StringComparison.Ordinal);
        Assert.Contains("absent' does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointOptionIsRequired()
    {
        Assert.Contains("--checkpoint", Cli.Run("classify", "x").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderWithoutCheckpoints()
    {
        Directory.CreateDirectory(runs.File("empty-run"));
        string line = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", runs.File("empty-run"), "x").AssertOneLineError(1);
        Assert.Contains("holds neither model.safetensors nor checkpoint-* folders", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithoutTheMaskedLmHead()
    {
        string line = Cli.Run("fill-mask", "--model", "bert-tiny-classifier", "-c", runs.PretrainRun, "a [MASK]").AssertOneLineError(2);
        Assert.Contains("needs the pretraining head: bert-tiny", line, StringComparison.Ordinal);
    }

    [Fact]
    public void PretrainingAModelWithoutTheHead()
    {
        Assert.Contains("minilm-l6", Cli.Run("pretrain", "--model", "minilm-l6", "--checkpoints", runs.File("never")).AssertOneLineError(2), StringComparison.Ordinal);
        Assert.False(Directory.Exists(runs.File("never")));
    }

    [Fact]
    public void CheckpointOfAnotherHead()
    {
        // A pretraining checkpoint has cls.predictions.*, which a classifier does not: from a bare weights file, which
        // records no model (from its checkpoint folder the recorded bert-tiny is named first, see TrainingCommandTests).
        string bare = runs.File("pretrain-weights-for-classify.safetensors");
        File.Copy(Path.Combine(runs.PretrainRun, "checkpoint-000000003", "model.safetensors"), bare, overwrite: true);
        string line = Cli.Run("classify", "-m", "bert-tiny-classifier", "-c", bare, "x").AssertOneLineError(1);
        Assert.Contains("does not fit model 'bert-tiny-classifier'", line, StringComparison.Ordinal);
        Assert.Contains("cls.predictions", line, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointOfAnotherSize()
    {
        string bare = runs.File("pretrain-weights-for-mini.safetensors");
        File.Copy(Path.Combine(runs.PretrainRun, "checkpoint-000000003", "model.safetensors"), bare, overwrite: true);
        string line = Cli.Run("fill-mask", "-m", "bert-mini", "-c", bare, "a [MASK]").AssertOneLineError(1);
        Assert.Contains("does not fit model 'bert-mini'", line, StringComparison.Ordinal);
        Assert.Contains("was trained as 'bert-tiny', not 'bert-mini': leave out --model, or pass --model bert-tiny",
            Cli.Run("fill-mask", "-m", "bert-mini", "-c", runs.PretrainRun, "a [MASK]").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void NoMaskInTheText()
    {
        string line = Cli.Run("fill-mask", "-c", runs.PretrainRun, "a [MASK]", "nothing to fill").AssertOneLineError(1);
        Assert.Equal("bertgen: error: text 2 has no [MASK]: write [MASK] where a token should be predicted", line);
    }

    [Fact]
    public void TopKOutOfRange()
    {
        Assert.Contains("--top-k", Cli.Run("fill-mask", "-c", runs.PretrainRun, "-k", "0", "a [MASK]").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownLabelNamesItsFileAndLine()
    {
        string train = runs.File("bad-labels.tsv");
        File.WriteAllLines(train, ["OT\tIn the beginning", "NT\tJesus wept", "Apocrypha\tAnd Tobit said", "OT\tLet there be light"]);

        string line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-labels"), train), "--init", "none"]).AssertOneLineError(1);

        Assert.Equal($"bertgen: error: {train} line 3: label 'Apocrypha' is not one of the model's labels (OT, NT); see --labels", line);
    }

    /// <summary>
    /// Two label files joined with cat: the second one's byte order mark starts a line mid-file, so its label is
    /// '\uFEFFOT', which the error printed as 'OT', the very label the line beside it called one of the model's.
    /// </summary>
    [Fact]
    public void ALabelWithAnInvisibleCharacterIsShownWithIt()
    {
        string train = runs.File("joined-labels.tsv");
        File.WriteAllText(train, "\uFEFFOT\tIn the beginning\nNT\tJesus wept\n\uFEFFOT\tLet there be light\n");

        string line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-joined-labels"), train), "--init", "none"]).AssertOneLineError(1);

        Assert.Equal($"bertgen: error: {train} line 3: label '\\uFEFFOT' is not one of the model's labels (OT, NT); see --labels", line);
    }

    /// <summary>
    /// A text of only combining accents or zero-width spaces: the tokenizer keeps nothing of it, so it trained (and was
    /// scored) as [CLS] [SEP], which says nothing of its label. Refused in BlankText's wording, as embed refuses it.
    /// </summary>
    [Fact]
    public void ATextTheTokenizerKeepsNothingOfIsNamed()
    {
        // A batch of examples besides it: with fewer, the run stopped at "fewer than one batch" and never trained.
        string[] verses = [.. Enumerable.Range(0, 20).Select(i => $"{(i % 2 == 0 ? "OT" : "NT")}\tverse {i}")];
        string train = runs.File("blank-texts.tsv");
        File.WriteAllLines(train, [verses[0], verses[1], "OT\t\u0301\u0301", .. verses[2..]]);
        string line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-blank-texts"), train), "--init", "none", "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: {train} line 3: the text has nothing the tokenizer keeps (only accents, control or format characters)", line);

        File.WriteAllLines(train, [verses[0], "NT\tJesus wept\t\u200B\u200B", .. verses[1..]]);
        line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-blank-pairs"), train), "--init", "none", "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: {train} line 2: the second text is only invisible characters the tokenizer drops (control or format characters)", line);
    }

    [Fact]
    public void ATrainingFileOfOneLabelOrUnderABatchIsNamed()
    {
        // One label: the run trained a classifier that answers OT whatever it reads, and exited 0.
        string oneLabel = runs.File("one-label.tsv");
        File.WriteAllLines(oneLabel, Enumerable.Range(0, 20).Select(i => $"OT\tverse {i} of the old testament"));
        string line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-one-label"), oneLabel), "--init", "none", "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: {oneLabel}: all 20 examples are labelled 'OT'; a classifier learns nothing from one label: give examples of at least two", line);
        Assert.False(Directory.Exists(runs.File("never-one-label")));

        // Fewer examples than --batch: the batch stream's bare "batch size 16 is not in [1, 2]" named neither the file nor the option.
        string two = runs.File("two-examples.tsv");
        File.WriteAllLines(two, ["OT\tIn the beginning", "NT\tJesus wept"]);
        line = Cli.Run([.. runs.FinetuneArguments(runs.File("never-two"), two), "--init", "none", "--quiet"]).AssertOneLineError(1);
        Assert.Equal($"bertgen: error: {two} has 2 example(s), fewer than one batch of 16", line);
    }

    [Fact]
    public void LabelsOfTheWrongCount()
    {
        Assert.Contains("--labels must name 2 distinct labels", Cli.Run([.. runs.FinetuneArguments(runs.File("never")), "--labels", "A,B,C"]).AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void BatchThatIsNotCompiled()
    {
        string line = Cli.Run(runs.PretrainArguments(runs.File("never"), 2, batch: 7)).AssertOneLineError(2);
        Assert.Equal("bertgen: error: --batch 7 --sequence 128 is not a compiled shape of 'bert-tiny'; compiled: --batch 1 --sequence 128, --batch 8 --sequence 128, --batch 32 --sequence 128", line);
        Assert.Contains("--batch 16 --sequence 64", Cli.Run(runs.FinetuneArguments(runs.File("never"), batch: 32)).AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void FreshRunOverAnotherRunsCheckpoints()
    {
        string line = Cli.Run(runs.PretrainArguments(runs.PretrainRun, 3)).AssertOneLineError(2);
        Assert.Contains("already holds checkpoints (newest: step 3); pass --resume", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointGivenAsTheRunsFolder()
    {
        // With --resume it found nothing to resume in it and trained a fresh run inside the old checkpoint.
        string checkpoint = Path.Combine(runs.PretrainRun, "checkpoint-000000003");
        Assert.True(File.Exists(Path.Combine(checkpoint, "trainer_state.json")));
        string line = Cli.Run([.. runs.PretrainArguments(checkpoint, 6), "--resume"]).AssertOneLineError(2);
        Assert.Equal($"bertgen: error: --checkpoints '{checkpoint}' is a checkpoint, not a run's folder: give the folder that holds it ('{runs.PretrainRun}'), and --resume continues from its newest checkpoint", line);
        Assert.False(Directory.Exists(Path.Combine(checkpoint, "checkpoint-000000006")));
        Assert.Contains("is a checkpoint, not a run's folder", Cli.Run(runs.PretrainArguments(checkpoint, 6)).AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void DataParallelOptionsInAOneProcessRun_AreSaidToBeIgnored()
    {
        // They were accepted without a word, so --zero looked as if it had sharded something.
        CliResult result = Cli.Run([.. runs.PretrainArguments(runs.File("one-process-zero"), 1), "--quiet", "--zero", "--overlap", "on"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("bertgen: warning: --overlap, --zero apply to data-parallel training only (under mpirun or with --replicas N): ignored by this one-process run",
            Assert.Single(result.ErrorLines, l => l.Contains("warning", StringComparison.Ordinal)));
    }

    [Fact]
    public void RefusedResume_PrintsOnlyItsError()
    {
        // The fine-tuning run: one process, 2 steps of 16. Each resume below extends its schedule to 3 steps, which a run
        // that proceeds says first, and without --quiet: a refused one printed that note, the data-parallel line and
        // the data line before its error.
        string copy = runs.File("refused-resume");
        TrainingCommandTests.CopyFolder(runs.FinetuneRun, copy);
        string[] resume = [.. runs.FinetuneArguments(copy, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume"];

        // Another global batch: two replicas of 16 where the checkpoint's steps were one process's 16.
        string line = Cli.Run([.. resume, "--replicas", "2"]).AssertOneLineError(2);
        Assert.Contains("was written with 1 process × 1 accumulated micro-batch(es) of 16 sequences per step; this run has 2 × 1 of 16", line, StringComparison.Ordinal);
        // No --batch or --accumulate on 2 replicas gives 1 micro-batch a step: the line says so (it named the refused command).
        Assert.EndsWith("resume with 1 micro-batch(es) of 16 sequences per step (on a number of ranks that divides 1)", line, StringComparison.Ordinal);

        Assert.Equal("bertgen: error: --seed 7 is not the resumed run's 12345: a resumed run keeps its seed (leave --seed out)",
            Cli.Run([.. resume, "--seed", "7"]).AssertOneLineError(2));

        string[] otherModel = resume.Select(a => a == "bert-tiny-classifier" ? "minilm-l6-classifier" : a).ToArray();
        Assert.EndsWith("was trained as 'bert-tiny-classifier', not 'minilm-l6-classifier': resume it with --model bert-tiny-classifier",
            Cli.Run(otherModel).AssertOneLineError(2), StringComparison.Ordinal);

        // A pretraining run's folder given to finetune: its own command continues it, and --init fine-tunes from it (this
        // said "resume it with --model bert-tiny", which finetune refuses: bert-tiny has no classification head).
        string pretraining = runs.File("pretrain-run-given-to-finetune");
        TrainingCommandTests.CopyFolder(runs.PretrainRun, pretraining);
        string[] finetunePretraining = [.. runs.FinetuneArguments(pretraining, steps: 10), "--init", "none", "--resume"];
        string shown = Assert.Single(Directory.GetDirectories(pretraining, "checkpoint-*").Order().TakeLast(1));
        Assert.Equal($"bertgen: error: checkpoint '{shown}' is a pretrain run of 'bert-tiny': continue it with bertgen pretrain --model bert-tiny --resume, "
            + $"or fine-tune from it in another folder with --init '{shown}' --checkpoints DIR",
            Cli.Run(finetunePretraining).AssertOneLineError(2));

        // Nothing was touched: the same resume with the run's own numbers proceeds, and says how its schedule changes.
        CliResult resumed = Cli.Run(resume);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.StartsWith($"bertgen: extending the run's {TrainingRunsFixture.FinetuneSteps}-step schedule to 3 steps", resumed.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeOnOtherDataOfAsManyExamples_IsRefusedNamingWhatDiffers()
    {
        // The run's training file with one label flipped: as many lines, so a resume checked by the count alone went on
        // training on other examples without a word.
        string finetune = runs.File("resume-other-examples");
        TrainingCommandTests.CopyFolder(runs.FinetuneRun, finetune);
        string[] lines = File.ReadAllLines(runs.Train);
        string[] flipped = [(lines[0].StartsWith("OT\t", StringComparison.Ordinal) ? "NT" : "OT") + lines[0][2..], .. lines[1..]];
        string relabelled = runs.File("relabelled.tsv");
        File.WriteAllLines(relabelled, flipped);
        string line = Cli.Run([.. runs.FinetuneArguments(finetune, train: relabelled, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume", "--quiet"])
            .AssertOneLineError(1);
        Assert.Equal($"bertgen: error: the resumed run was trained on other data: '{relabelled}' holds the run's {lines.Length} examples, but with different content; "
            + "resume with the same training file and options", line);

        // A line fewer is refused by the count, in the same words.
        string shorter = runs.File("shorter.tsv");
        File.WriteAllLines(shorter, lines[1..]);
        Assert.Equal($"bertgen: error: the resumed run was trained on other data: '{shorter}' holds {lines.Length - 1} examples, not the run's {lines.Length}; "
            + "resume with the same training file and options",
            Cli.Run([.. runs.FinetuneArguments(finetune, train: shorter, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume", "--quiet"]).AssertOneLineError(1));

        // The run's corpus with "the" and "and" swapped: each one word piece, so the same sentence lengths, pairs and
        // number of instances, of other text.
        string pretrain = runs.File("resume-other-corpus");
        TrainingCommandTests.CopyFolder(runs.PretrainRun, pretrain);
        string swapped = runs.File("swapped-corpus.txt");
        File.WriteAllText(swapped, Regex.Replace(File.ReadAllText(runs.Corpus), @"\b(the|and)\b", m => m.Value == "the" ? "and" : "the"));
        string[] arguments = [.. runs.PretrainArguments(pretrain, TrainingRunsFixture.PretrainSteps + 1).Select(a => a == runs.Corpus ? swapped : a), "--resume", "--quiet"];
        Assert.Matches($"^bertgen: error: the resumed run was trained on other data: '{Regex.Escape(swapped)}' gives the run's [0-9,]+ instances, but with different content; "
            + "resume with the same corpus and options$", Cli.Run(arguments).AssertOneLineError(1));

        // Nothing was touched: the run's own file resumes.
        CliResult resumed = Cli.Run([.. runs.FinetuneArguments(finetune, steps: TrainingRunsFixture.FinetuneSteps + 1), "--init", "none", "--resume", "--quiet"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
    }

    [Fact]
    public void InitEncoderOfAnotherShape()
    {
        // all-MiniLM-L6-v2's encoder is 384 wide; bert-tiny-classifier's is 128.
        string folder = runs.File("never-minilm");
        string line = Cli.Run([.. runs.FinetuneArguments(folder), "--init", "minilm", "--quiet"]).AssertOneLineError(1);
        Assert.StartsWith("bertgen: error: --init minilm (all-MiniLM-L6-v2) does not fit 'bert-tiny-classifier': ", line, StringComparison.Ordinal);

        // The failed run left no folder behind.
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void MissingCorpus()
    {
        string line = Cli.Run("pretrain", "--corpus", runs.File("absent.txt"), "--checkpoints", runs.File("never")).AssertOneLineError(1);
        Assert.Contains("--corpus file '", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorpusUnderABatchIsNamedWithTheWayOut()
    {
        // It was "batch size 32 is not in [1, 10] (the number of instances the corpus gives)": no file, no way out.
        string corpus = runs.File("small-corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 4).SelectMany(d => new[] { $"Document {d} opens here.", $"Document {d} closes here.", "" }));

        string line = Cli.Run([.. runs.PretrainArguments(runs.File("never-small"), 1, batch: 32).Select(a => a == runs.Corpus ? corpus : a), "--quiet"]).AssertOneLineError(1);

        Assert.StartsWith($"bertgen: error: '{corpus}' gives ", line, StringComparison.Ordinal);
        Assert.EndsWith(" instance(s) of up to 128 tokens, fewer than one batch of 32: use a smaller batch or a larger corpus", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorpusWithoutSentencesIsNamed()
    {
        // Blank lines and control characters only: it was "a held-out split needs at least 4 documents …; the corpus has 0".
        string corpus = runs.File("no-sentences.txt");
        File.WriteAllText(corpus, "\n\n\u0001\u0002\n\n");

        string line = Cli.Run([.. runs.PretrainArguments(runs.File("never-no-sentences"), 1).Select(a => a == runs.Corpus ? corpus : a), "--quiet"]).AssertOneLineError(1);

        Assert.Equal($"bertgen: error: {corpus} has no sentences: only blank lines, or text the tokenizer keeps nothing of", line);
    }

    [Fact]
    public void NonPositiveSteps()
    {
        Assert.Contains("--steps must be at least 1", Cli.Run([.. runs.PretrainArguments(runs.File("never"), 0)]).AssertOneLineError(2), StringComparison.Ordinal);
    }
}
