using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using BertGen.Models;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Text;
using BertGen.Training;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// <see cref="TextClassifier"/>, <see cref="SentenceEmbedder"/> and the <see cref="Trainer"/> over compiled models, called
/// as a careless program calls them: null elements, label names that cannot tell classes apart, calls after Dispose,
/// calls from two threads at once, an evaluation batch the model was not compiled for. Each was a
/// NullReferenceException, a silently wrong answer, or a failure after the work was done; now a clear exception first.
/// </summary>
public sealed class LibraryMisuseTests
{
    private static readonly BertWordPieceTokenizer Tokenizer = BertWordPieceTokenizer.BertBaseUncased();

    [Fact]
    public void ANullTextIsNamedByItsPlaceInTheList()
    {
        // A null text was "Value cannot be null. (Parameter 'text')", a null encoded input a NullReferenceException.
        using BertTinyClassifier model = Classifier();
        using var classifier = new TextClassifier(model, Tokenizer, BertTinyClassifier.Labels);
        Assert.StartsWith("texts[1] is null", Assert.Throws<ArgumentNullException>(() => classifier.Classify(["Jesus wept.", null!])).Message, StringComparison.Ordinal);
        Assert.StartsWith("the first text of pairs[0] is null", Assert.Throws<ArgumentNullException>(() => classifier.Classify([(null!, "He was sad.")])).Message, StringComparison.Ordinal);
        Assert.StartsWith("the second text of pairs[0] is null", Assert.Throws<ArgumentNullException>(() => classifier.Classify([("Jesus wept.", null!)])).Message, StringComparison.Ordinal);
        Assert.StartsWith("inputs[0] is null", Assert.Throws<ArgumentNullException>(() => classifier.Classify(new EncodedInput[] { null! })).Message, StringComparison.Ordinal);
        Assert.Equal("InputIds", Assert.Throws<ArgumentNullException>(() => new EncodedInput(null!, [0], false)).ParamName);

        using var encoder = Encoder();
        using var embedder = new SentenceEmbedder(encoder, PoolingMode.Mean);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => embedder.Embed(null!)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => embedder.EmbedTokens(null!)).ParamName);
        Assert.StartsWith("inputs[0] is null", Assert.Throws<ArgumentNullException>(() => embedder.Embed([null!])).Message, StringComparison.Ordinal);
        Assert.Equal("InputIds", Assert.Throws<ArgumentNullException>(() => new TokenizedInput(null!, [])).ParamName);
        Assert.Equal("inputIds", Assert.Throws<ArgumentNullException>(() => TokenizedInput.Single(null!)).ParamName);
    }

    [Theory]
    [InlineData(new[] { "OT", "OT" }, "'OT', 'OT'")]
    [InlineData(new[] { "OT", "" }, "'OT', ''")]
    [InlineData(new[] { "OT", null }, "'OT', ''")]
    public void LabelNamesThatCannotTellTheClassesApartAreRefused(string[] labels, string quoted)
    {
        // Accepted, they answered "OT" for either class, or a null label.
        using BertTinyClassifier model = Classifier();
        ArgumentException refused = Assert.Throws<ArgumentException>(() => new TextClassifier(model, Tokenizer, labels));
        Assert.Equal($"label names must be distinct and non-empty; got [{quoted}] (Parameter 'labels')", refused.Message);
    }

    [Fact]
    public void APoolingModeOutsideTheEnumIsRefused()
    {
        // Anything but Cls pooled as the mean, without a word.
        using var encoder = Encoder();
        Assert.Equal("pooling", Assert.Throws<ArgumentOutOfRangeException>(() => new SentenceEmbedder(encoder, (PoolingMode)7)).ParamName);
    }

    [Fact]
    public void ADisposedClassifierOrEmbedderRefusesCalls()
    {
        // Both made new forward passes and answered, leaking the passes' arenas until the finaliser.
        using BertTinyClassifier model = Classifier();
        var classifier = new TextClassifier(model, Tokenizer, BertTinyClassifier.Labels);
        classifier.Dispose();
        classifier.Dispose();
        Assert.Throws<ObjectDisposedException>(() => classifier.Classify(["Jesus wept."]));
        Assert.Throws<ObjectDisposedException>(() => classifier.Classify([("Jesus wept.", "He was sad.")]));
        Assert.Throws<ObjectDisposedException>(() => classifier.Classify([Tokenizer.Encode("Jesus wept.", 64)]));

        using var encoder = Encoder();
        var embedder = new SentenceEmbedder(encoder, PoolingMode.Mean);
        embedder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => embedder.Embed([TokenizedInput.Single([101, 102])]));
        Assert.Throws<ObjectDisposedException>(() => embedder.EmbedTokens([TokenizedInput.Single([101, 102])]));
    }

    [Fact]
    public void CallsFromTwoThreadsAtOnceAreRefusedNotAnsweredWithAnotherBatchsLogits()
    {
        // One classifier shares its forward passes' arenas between calls: two threads wrote their batches into the same
        // arena, and some answers were other texts' logits (or the model's pool refused one of them mid-batch).
        using BertTinyClassifier model = Classifier();
        using var classifier = new TextClassifier(model, Tokenizer, BertTinyClassifier.Labels);
        string[] texts = Enumerable.Range(0, 20).Select(i => $"And the {i} sons of Jacob went down into Egypt to buy corn.").ToArray();
        float[][] alone = classifier.Classify(texts).Select(a => a.Logits).ToArray();
        var wrong = new ConcurrentBag<string>();
        var refusals = new ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int call = 0; call < 40; call++)
            {
                try
                {
                    TextClassification[] answers = classifier.Classify(texts);
                    for (int i = 0; i < texts.Length; i++)
                    {
                        if (!answers[i].Logits.SequenceEqual(alone[i]))
                        {
                            wrong.Add($"texts[{i}]");
                        }
                    }
                }
                catch (InvalidOperationException e)
                {
                    refusals.Add(e.Message);
                }
            }
        });

        Assert.Empty(wrong);
        Assert.All(refusals, m => Assert.Equal("another call is running on these forward passes: a TextClassifier or SentenceEmbedder runs one call at a time; give each thread its own, over a model of its own (a model's compute pool runs one pass at a time)", m));
    }

    [Fact]
    public void ACallWhileAnotherRunsIsRefusedBeforeItWrites()
    {
        // One forward pass called from two threads: the model's pool refused the second call at its first dispatch, after
        // it had written its mask and embeddings into the arena the first call computed in, which then returned a state
        // of neither input (a newcomer's walk saw 25 such calls in 3 s). The pass now refuses a call while one of its own
        // runs, before it writes anything: here one is held open, as a call under way on another thread holds it.
        using BertTiny model = Encoder();
        using IForwardPass pass = model.CreateForwardPass(1, 128);
        int[] ids = Enumerable.Range(0, 128).Select(t => 1000 + t).ToArray(), other = Enumerable.Range(0, 128).Select(t => 5000 + (7 * t)).ToArray();
        int[] mask = Enumerable.Repeat(1, 128).ToArray(), types = new int[128];
        pass.Run(ids, mask, types);
        float[] expected = pass.LastHiddenState.ToArray();

        var calls = (OneCallAtATime)pass.GetType().GetField("_calls", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(pass)!;
        using (calls.Enter())
        {
            InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => pass.Run(other, mask, types));
            Assert.Equal(
                "BertTiny's fp32 forward pass 1×128 is computing a call on another thread: a pass or step computes one call at a time in its own buffers; give each "
                + "thread its own (CreateForwardPass, CreateTrainingStep), and threads that compute at the same time each their own model (a model's ComputePool runs one call at a time)",
                refused.Message);
            Assert.Equal(expected, pass.LastHiddenState.ToArray());
        }

        // The call over, the pass computes again.
        pass.Run(other, mask, types);
        Assert.NotEqual(expected, pass.LastHiddenState.ToArray());
    }

    [Fact]
    public void ADisposeDuringACallFreesThePassesWhenTheCallEnds()
    {
        // Dispose freed the passes under a running call (another thread's, here while the call reads its first answer):
        // the call's next read was an ObjectDisposedException, and a kernel mid-pass wrote into released memory.
        using BertTinyClassifier model = Classifier();
        TokenizedInput[] inputs = Enumerable.Range(0, 20).Select(i => Tokenizer.Encode($"And the {i} sons of Jacob went down into Egypt.", 64).ToTokenizedInput()).ToArray();
        int labels = BertTinyClassifier.Labels.Count;
        var expected = new float[inputs.Length][];
        using (var alone = new BatchRunner(model))
        {
            alone.Run(inputs, (index, pass, row) => expected[index] = pass.SequenceLogits.Slice(row * labels, labels).ToArray());
        }

        var runner = new BatchRunner(model);
        var logits = new float[inputs.Length][];
        IForwardPass? used = null;
        int answered = 0;
        runner.Run(inputs, (index, pass, row) =>
        {
            if (answered++ == 0)
            {
                Task.Run(runner.Dispose).Wait();
            }

            used = pass;
            logits[index] = pass.SequenceLogits.Slice(row * labels, labels).ToArray();
        });

        Assert.Equal(expected, logits);
        Assert.Throws<ObjectDisposedException>(() => used!.SequenceLogits.Length); // freed as the call ended
        Assert.Throws<ObjectDisposedException>(() => runner.Run(inputs, (_, _, _) => { }));
        runner.Dispose();
    }

    [Fact]
    public void AnEvaluationSourceOfAnUncompiledShapeIsRefusedWhenTheTrainerIsBuilt()
    {
        // It was first asked at the first evaluation: without EvaluateEvery, the end of the run, which then failed after
        // its last step without writing the final checkpoint.
        using var folder = new TemporaryFolder();
        var examples = Enumerable.Range(0, 32).Select(i => new LabelledText(i % 2 == 0 ? "OT" : "NT", $"verse {i} of the book")).ToList();
        var data = SequenceClassificationDataset.Create(examples, Tokenizer, BertTinyClassifier.Labels, 64);
        using var model = new BertTinyClassifier();
        model.InitializeParameters(seed: 1);
        model.PrepareWeights();
        var options = new TrainerOptions { Steps = 2, Schedule = new LinearWarmupDecaySchedule(1e-3, 1, 2), CheckpointDirectory = folder.Path };
        TrainingException refused = Assert.Throws<TrainingException>(() => new Trainer(
            model,
            new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(data, batchSize: 16, seed: 1)),
            options,
            new SequenceClassificationEvaluationSource(data, batchSize: 8)));
        Assert.Equal("the evaluation source's batches are 8 × 64 tokens, and BertTinyClassifier has no training step of that shape (compiled: 16 × 64): give the source one of them (its batchSize and SequenceClassificationDataset.Create's sequenceLength)", refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void AJobRunAgainKeepsTheFoldersCheckpoints_AndAResumedOneExtendsWithItsWarmup()
    {
        // Run again without Resume, a job's first save deleted the earlier run's later checkpoints without a word; resumed
        // with more Steps, its default warmup (a tenth of them) moved and the trainer refused the changed schedule; resumed
        // on a folder holding nothing, it said nothing.
        using var folder = new TemporaryFolder();
        string train = Path.Combine(folder.Path, "train.tsv"), heldOut = Path.Combine(folder.Path, "dev.tsv"), runs = Path.Combine(folder.Path, "runs");
        File.WriteAllLines(train, Enumerable.Range(0, 32).Select(i => $"{(i % 2 == 0 ? "OT" : "NT")}\tverse {i} of the book"));
        File.WriteAllLines(heldOut, Enumerable.Range(0, 8).Select(i => $"{(i % 2 == 0 ? "OT" : "NT")}\tanother verse {i}"));
        SequenceClassificationJobOptions Options(long steps, bool resume, string checkpoints) => new()
        {
            TrainPath = train,
            EvaluationPath = heldOut,
            Labels = BertTinyClassifier.Labels,
            Steps = steps,
            CheckpointDirectory = checkpoints,
            CheckpointEvery = 10,
            Resume = resume,
        };
        string metrics = Path.Combine(folder.Path, "metrics.csv");
        JobResult Run(SequenceClassificationJobOptions options, List<string>? log = null)
        {
            using var model = new BertTinyClassifier();
            model.InitializeParameters(seed: 1);
            model.PrepareWeights();
            using var sink = new CsvMetricsSink(metrics);
            return SequenceClassificationJob.Run(model, options, sink, log: log is null ? null : log.Add);
        }

        Assert.Equal(20, Run(Options(20, resume: false, runs)).Steps);
        CheckpointException refused = Assert.Throws<CheckpointException>(() => Run(Options(20, resume: false, runs)));
        Assert.StartsWith($"checkpoint folder '{runs}' already holds checkpoints (newest: step 20)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["checkpoint-000000010", "checkpoint-000000020"], Directory.GetDirectories(runs).Select(Path.GetFileName).Order());

        JobResult extended = Run(Options(30, resume: true, runs));
        Assert.True(extended.Resumed);
        Assert.Equal(30, extended.Steps);

        // One metrics file over the three: the refused run added no row (it was refused before its first evaluation), the
        // extension none twice (the job's sink is told of the resume), and its evaluation at step 20 replaced the first's.
        string[][] rows = File.ReadAllLines(metrics).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(Enumerable.Range(1, 30).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Where(r => r[0] == "train").Select(r => r[1]));
        Assert.Equal(["0", "20", "30"], rows.Where(r => r[0] == "eval").Select(r => r[1]));

        var log = new List<string>();
        Assert.Equal(5, Run(Options(5, resume: true, Path.Combine(folder.Path, "misspelt")), log).Steps);
        Assert.Contains($"nothing to resume: '{Path.Combine(folder.Path, "misspelt")}' holds no checkpoint; starting at step 0", log);
    }

    [Fact]
    public void APretrainingSourceOfAnUncompiledShapeNamesTheSettingsThatShapeIt()
    {
        // PretrainingOptions.MaxSeqLength defaults to 128 whatever the model was compiled for, and the refusal said only
        // "give the source one of them", without saying where a pretraining source's sequence length is set.
        PretrainingCorpus corpus = PretrainingCorpus.FromTokenIds([.. Enumerable.Range(0, 4).Select(d =>
            (IReadOnlyList<int[]>)[.. Enumerable.Range(0, 20).Select(s => Enumerable.Range(2000 + d * 100 + s, 10).ToArray())])]);
        var stream = new PretrainingBatchStream(corpus, Tokenizer.Vocabulary, new PretrainingOptions { MaxSeqLength = 64 }, batchSize: 8);
        using var model = new BertTiny();
        model.InitializeParameters(seed: 1);
        model.PrepareWeights();
        var options = new TrainerOptions { Steps = 1, Schedule = new LinearWarmupDecaySchedule(1e-3, 0, 1) };
        TrainingException refused = Assert.Throws<TrainingException>(() => new Trainer(model, new PretrainingBatchSource(stream), options));
        Assert.Equal(
            "the training source's batches are 8 × 64 tokens, and BertTiny has no training step of that shape (compiled: 1 × 128, 8 × 128, 32 × 128): "
            + "give the source one of them (a PretrainingBatchStream's batchSize and PretrainingOptions.MaxSeqLength)",
            refused.Message);
    }

    [Fact]
    public void AnUncompiledTrainingShapeIsRefusedNamingTheCompiledOnes()
    {
        // The forward pass's refusal listed the compiled shapes; the training step's did not.
        using var model = new BertTiny();
        ArgumentException refused = Assert.Throws<ArgumentException>(() => model.CreateTrainingStep(16, 64));
        Assert.Equal("BertTiny has no compiled training shape batch 16 × sequence 64; compiled training shapes: 1×128, 8×128, 32×128.", refused.Message);
    }

    [Fact]
    public void ABatchBuiltByHandIsRefusedInTheUnitsOfTheSpec()
    {
        // A token id past the vocabulary (a tokenizer of another vocabulary than the spec's vocab_size) and a batch without
        // masked-LM positions were refused as bare numbers ("outside the vocabulary [0, 30522)", "Expected 160 masked LM
        // positions, got 0"), without saying what sets them.
        using var model = new BertTiny();
        model.InitializeParameters(seed: 1);
        model.PrepareWeights();
        using ITrainingStep step = model.CreateTrainingStep(8, 128);
        var batch = new TrainingBatch { InputIds = new int[8 * 128], AttentionMask = new int[8 * 128], TokenTypeIds = new int[8 * 128] };
        Assert.Equal(
            "Expected 160 masked LM positions (batch × max_predictions_per_seq), got 0.",
            Assert.Throws<BertInputException>(() => step.Run(batch, StepMode.Train, dropoutSeed: 0, replaceGradients: true)).Message);

        batch.InputIds[5] = 30522;
        Assert.Equal(
            "Token id 30522 at position 5 is outside the vocabulary [0, 30522) the model was compiled for (its spec's vocab_size): tokenise with a vocabulary of 30522 entries.",
            Assert.Throws<BertInputException>(() => step.Run(batch, StepMode.Train, dropoutSeed: 0, replaceGradients: true)).Message);
    }

    private static BertTinyClassifier Classifier()
    {
        var model = new BertTinyClassifier();
        model.InitializeParameters(seed: 1);
        model.PrepareWeightsForInference();
        return model;
    }

    private static BertTiny Encoder()
    {
        var model = new BertTiny();
        model.InitializeParameters(seed: 1);
        model.PrepareWeightsForInference();
        return model;
    }
}
