using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using BertGen.Text;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// The trainer, its options, the batch sources and the label reader called as a careless program calls them: after
/// Dispose, with nulls past <c>required</c>, with a path that is not a checkpoint, with batches that do not fit. Each
/// was a NullReferenceException, an IndexOutOfRangeException, a misleading message, or an error thrown after the data
/// had moved (or the model's parameters had been overwritten); now a clear exception, before anything changes.
/// </summary>
public sealed class LibraryMisuseTests
{
    private static TrainerOptions Options(string? checkpoints = null) => new()
    {
        Steps = 3,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 3),
        CheckpointDirectory = checkpoints,
    };

    private static BagOfEmbeddingsClassifier Model() =>
        new(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);

    [Fact]
    public void ADisposedTrainerRefusesEveryCallBeforeItTouchesDataModelOrDisk()
    {
        // Run took the next batch from the source before the freed optimiser refused; Evaluate made a new step and
        // evaluated; Resume loaded the checkpoint's parameters into the model before refusing.
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using (var first = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(Path.Combine(folder.Path, "run"))))
        {
            first.Run();
        }

        model.InitializeParameters(seed: 9);
        float[] parameters = model.Parameters.AsSpan().ToArray();
        var source = new SyntheticClassificationSource(8, seed: 5);
        byte[] position = source.SaveState();
        string other = Path.Combine(folder.Path, "other");
        var trainer = new Trainer(model, source, Options(other) with { Steps = 6, Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 3) }, new SyntheticEvaluationSource(8, 16, seed: 1));
        trainer.Dispose();
        trainer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => trainer.Run());
        Assert.Throws<ObjectDisposedException>(() => trainer.TrainStep());
        Assert.Throws<ObjectDisposedException>(() => trainer.Evaluate());
        Assert.Throws<ObjectDisposedException>(() => trainer.SaveCheckpoint());
        Assert.Throws<ObjectDisposedException>(() => trainer.ResumeFromLatest());
        Assert.Throws<ObjectDisposedException>(() => trainer.Resume(Path.Combine(folder.Path, "run", "checkpoint-000000003")));
        Assert.Equal(position, source.SaveState());
        Assert.Equal(parameters, model.Parameters.AsSpan().ToArray());
        Assert.False(Directory.Exists(other));
    }

    [Fact]
    public void AModelOfZerosIsRefusedAtItsFirstStep()
    {
        // A program that forgot InitializeParameters() trained 300 steps at chance (loss ln 2) without a word.
        using BagOfEmbeddingsClassifier model = Model();
        model.Parameters.AsSpan().Clear();
        model.PrepareWeights();
        using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options());
        Assert.Equal(
            $"model '{model.Name}' has every parameter 0: initialise them (InitializeParameters) or load weights, then call PrepareWeights(), before training (a model of zeros trains to chance)",
            Assert.Throws<TrainingException>(() => trainer.Run()).Message);
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void AnOutOfRangeOptionIsNamed()
    {
        // All five were one line, "trainer needs steps >= 1, accumulation >= 1, … got 4, 1, 0, 2, 0", leaving the reader
        // to count which was wrong.
        using BagOfEmbeddingsClassifier model = Model();
        var source = new SyntheticClassificationSource(8, seed: 5);
        string Refusal(TrainerOptions options) => Assert.Throws<TrainingException>(() => new Trainer(model, source, options)).Message;
        Assert.Equal("TrainerOptions.Steps is 0: it takes 1 or more (optimiser steps to take)", Refusal(Options() with { Steps = 0 }));
        Assert.Equal("TrainerOptions.AccumulationSteps is 0: it takes 1 or more (micro-batches per step)", Refusal(Options() with { AccumulationSteps = 0 }));
        Assert.Equal("TrainerOptions.EvaluateEvery is -1: it takes 0 or more (steps between evaluations, 0 for none)", Refusal(Options() with { EvaluateEvery = -1 }));
        Assert.Equal("TrainerOptions.CheckpointEvery is -5: it takes 0 or more (steps between checkpoints, 0 for none)", Refusal(Options() with { CheckpointEvery = -5 }));
        Assert.Equal("TrainerOptions.KeepCheckpoints is 0: it takes 1 or more (newest checkpoints kept)", Refusal(Options() with { KeepCheckpoints = 0 }));

        // Intervals with nothing to act on wrote no checkpoint and ran no evaluation, without a word.
        Assert.Equal(
            "TrainerOptions.CheckpointEvery is 2, but there is no CheckpointDirectory to write them to: give one, or leave CheckpointEvery 0",
            Refusal(Options() with { CheckpointEvery = 2, CheckpointDirectory = null }));
        Assert.Equal(
            "TrainerOptions.EvaluateEvery is 50, but the trainer was given no evaluation source: pass one (evaluation:), or leave EvaluateEvery 0",
            Refusal(Options() with { EvaluateEvery = 50 }));
    }

    [Fact]
    public void NullRequiredOptionsAreNamed()
    {
        using BagOfEmbeddingsClassifier model = Model();
        var source = new SyntheticClassificationSource(8, seed: 5);
        Assert.Equal("TrainerOptions.Schedule is null: a trainer needs one", Assert.Throws<TrainingException>(() => new Trainer(model, source, Options() with { Schedule = null! })).Message);
        Assert.Equal("TrainerOptions.Optimizer is null: a trainer needs one", Assert.Throws<TrainingException>(() => new Trainer(model, source, Options() with { Optimizer = null! })).Message);
        Assert.Equal("TrainerOptions.DataParallel is null: a trainer needs one", Assert.Throws<TrainingException>(() => new Trainer(model, source, Options() with { DataParallel = null! })).Message);
    }

    [Fact]
    public void AResumeFromWhatIsNotACheckpointSaysWhatItIs()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        string run = Path.Combine(folder.Path, "run");
        using (var first = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(run)))
        {
            first.Run();
        }

        using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options());

        // The weights file a program loads from was "checkpoint '…/model.safetensors' does not exist".
        string weights = Path.Combine(run, "checkpoint-000000003", CheckpointStore.ModelFile);
        Assert.Equal($"checkpoint '{weights}' is a file, not a checkpoint folder; give the folder that holds it", Assert.Throws<CheckpointException>(() => trainer.Resume(weights)).Message);

        // The run's folder (the CheckpointDirectory) was "has no trainer_state.json".
        Assert.StartsWith($"checkpoint '{run}' is a folder of checkpoints, not one: give one of the checkpoint-* folders in it", Assert.Throws<CheckpointException>(() => trainer.Resume(run)).Message, StringComparison.Ordinal);
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void ABatchSourceRefusesABatchThatCannotHoldItsExamplesBeforeItMoves()
    {
        // The stream moved first and the copy failed after: the examples of that batch were lost to the run.
        var tokenizer = BertWordPieceTokenizer.BertBaseUncased();
        SequenceClassificationDataset data = SequenceClassificationDataset.Create([new("a", "hello"), new("b", "goodbye"), new("a", "hi")], tokenizer, ["a", "b"], 16);
        var source = new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(data, batchSize: 1, seed: 1));
        byte[] position = source.SaveState();
        Assert.Equal("batch", Assert.Throws<ArgumentNullException>(() => source.Next(null!)).ParamName);
        TrainingException refused = Assert.Throws<TrainingException>(() => source.Next(new TrainingBatch { InputIds = new int[16], AttentionMask = new int[16], TokenTypeIds = new int[8], ClassLabels = new int[1] }));
        Assert.Equal("a training batch of 16 tokens and 1 labels cannot hold a classification batch of B=1, S=16", refused.Message);
        Assert.Equal(position, source.SaveState());

        var evaluation = new SequenceClassificationEvaluationSource(data, batchSize: 2);
        Assert.Equal("batch", Assert.Throws<ArgumentNullException>(() => evaluation.Fill(0, null!)).ParamName);
    }

    [Fact]
    public void APretrainingEvaluationBatchOutsideTheSetIsNamed()
    {
        // It was an IndexOutOfRangeException.
        var vocabulary = BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" + string.Join("\n", Enumerable.Range(0, 50).Select(i => "w" + i)) + "\n", "synthetic");
        var random = new SeededRandom(3);
        var documents = Enumerable.Range(0, 4).Select(_ => (IReadOnlyList<int[]>)Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 8).Select(_ => 5 + random.NextInt(50)).ToArray()).ToList()).ToList();
        var options = new PretrainingOptions { MaxSeqLength = 16, MaxPredictionsPerSeq = 3, DupeFactor = 1, Seed = 7 };
        var evaluation = new PretrainingEvaluationSource(new PretrainingBatchStream(PretrainingCorpus.FromTokenIds(documents), vocabulary, options, batchSize: 2), batchCount: 1);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => evaluation.Fill(1, evaluation.CreateBatch())).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentNullException>(() => evaluation.Fill(0, null!)).ParamName);
    }

    [Fact]
    public void LabelNamesAreReadOnlyFromAWeightsFileThatNamesClasses()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();

        // An empty id2label was an empty list, which `ReadLabelNames(path) ?? MyClassifier.Labels` took over the spec's names.
        string empty = Path.Combine(folder.Path, "empty.safetensors");
        ParameterSaver.SaveSafetensors(empty, model.ParameterTable, model.Parameters.AsSpan(), new Dictionary<string, string> { [CheckpointLabels.MetadataKey] = "{}" });
        Assert.Equal($"'{empty}' has a id2label that names no class", Assert.Throws<WeightFileException>(() => ParameterLoader.ReadLabelNames(empty)).Message);

        // Already right: what is not a weights file is named as such.
        string text = Path.Combine(folder.Path, "labels.txt");
        File.WriteAllText(text, "neg\npos\n");
        Assert.Equal($"safetensors file '{folder.Path}' is a folder, not a file", Assert.Throws<WeightFileException>(() => ParameterLoader.ReadLabelNames(folder.Path)).Message);
        Assert.Equal($"safetensors file '{Path.Combine(folder.Path, "absent")}' does not exist", Assert.Throws<WeightFileException>(() => ParameterLoader.ReadLabelNames(Path.Combine(folder.Path, "absent"))).Message);
        Assert.Throws<WeightFileException>(() => ParameterLoader.ReadLabelNames(text));
    }

    [Fact]
    public void ACheckpointFolderThatIsAFileIsRefusedBeforeTraining()
    {
        // The first checkpoint found it, after CheckpointEvery steps: "The file '…' already exists" (an IOException).
        using var folder = new TemporaryDirectory();
        string file = folder.File("train.tsv");
        File.WriteAllText(file, "pos\ta joy\n");
        using BagOfEmbeddingsClassifier model = Model();
        var source = new SyntheticClassificationSource(8, seed: 5);
        byte[] position = source.SaveState();
        Assert.Equal($"checkpoint folder '{file}' is a file, not a folder", Assert.Throws<CheckpointException>(() => new Trainer(model, source, Options(file))).Message);

        // An empty name was "The value cannot be an empty string. (Parameter 'root')", naming no option of the caller's.
        foreach (string empty in new[] { "", " " })
        {
            Assert.Equal("TrainerOptions.CheckpointDirectory is empty: give a folder for the checkpoints, or null for none",
                Assert.Throws<TrainingException>(() => new Trainer(model, source, Options(empty))).Message);
        }
        Assert.Equal(position, source.SaveState());
        Assert.Equal("pos\ta joy\n", File.ReadAllText(file));
    }

    [Fact]
    public void AMetricsFileInAFolderNotYetMadeIsWrittenThereAndAFolderIsRefused()
    {
        // A program putting its metrics beside its checkpoints (a folder the trainer makes at its first checkpoint) got
        // "Could not find a part of the path"; a folder given as the file was "Access to the path … is denied".
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "runs", "mine", "metrics.csv");
        using (new CsvMetricsSink(path))
        {
        }

        Assert.Equal(CsvMetricsSink.Header + "\n", File.ReadAllText(path));
        string runs = Path.Combine(folder.Path, "runs");
        Assert.Equal($"metrics file '{runs}' is a folder, not a file", Assert.Throws<TrainingException>(() => new CsvMetricsSink(runs)).Message);
        string file = Path.Combine(runs, "mine", "metrics.csv");
        Assert.Equal($"metrics file '{file}/m.csv' cannot be made: '{file}' is a file, not a folder", Assert.Throws<TrainingException>(() => new CsvMetricsSink(Path.Combine(file, "m.csv"))).Message);
    }

    [Fact]
    public void WeightsSavedIntoAFolderNotYetMadeNameTheFolderNotAHiddenFile()
    {
        // "Could not find a part of the path '…/.model.safetensors.9adf….tmp'": the temporary file the writer renames into
        // place, a name the program never gave.
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        string missing = Path.Combine(folder.Path, "runs");
        string path = Path.Combine(missing, "model.safetensors");
        DirectoryNotFoundException refused = Assert.Throws<DirectoryNotFoundException>(
            () => ParameterSaver.SaveSafetensors(path, model.ParameterTable, model.Parameters.AsSpan()));
        Assert.Equal($"cannot write '{path}': folder '{missing}' does not exist", refused.Message);
        Assert.False(Directory.Exists(missing));
    }
}
