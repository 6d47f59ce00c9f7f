using System;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>The trainer loop on <see cref="BagOfEmbeddingsClassifier"/>: learning, exact resume, interrupted
/// checkpoints, gradient accumulation and evaluation that leaves training alone.</summary>
public sealed class TrainerTests
{
    private const int Hidden = 8;
    private const long Steps = 24;

    private static BagOfEmbeddingsClassifier Model(double dropout = 0.2, ulong initSeed = 1) =>
        new(SyntheticClassificationData.Vocab, Hidden, SyntheticClassificationData.Classes, dropout, initSeed);

    private static TrainerOptions Options(string? checkpoints = null, int accumulation = 2, long steps = Steps) => new()
    {
        Steps = steps,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 3, totalSteps: steps),
        Optimizer = AdamWSettings.Torch,
        AccumulationSteps = accumulation,
        Seed = 2024,
        CheckpointDirectory = checkpoints,
        KeepCheckpoints = 2,
    };

    [Fact]
    public void ACheckpointOfOtherSequences_IsRefusedNamingTheLength()
    {
        // Recorded in trainer_state.json (a resume with another --sequence was refused by the data position, which blamed the file).
        var written = new TrainerState
        {
            ModelName = "M", ParameterCount = 1, Step = 10, Epoch = 0, RunSeed = 1, LearningRate = 1e-4, OptimizerFlavor = AdamWFlavor.Torch,
            OptimizerStepCount = 10, MicroBatchSize = 16, SequenceLength = 64, DataState = [1, 2, 3],
        };
        TrainerState saved = TrainerStateJson.Read(TrainerStateJson.Write(written), "run/checkpoint-000000010");
        Assert.Equal(64, saved.SequenceLength);

        CheckpointException refused = Assert.Throws<CheckpointException>(() => Trainer.RequireSameGlobalBatch("run/checkpoint-000000010", saved, 1, 1, 16, 128));
        Assert.Equal("checkpoint 'run/checkpoint-000000010' was written with sequences of 64 tokens; this run's have 128: resume with the same sequence length (bertgen --sequence 64)", refused.Message);
        Trainer.RequireSameGlobalBatch("run/checkpoint-000000010", saved, 1, 1, 16, 64);

        // A checkpoint from before the length was recorded is held to the rest only.
        Trainer.RequireSameGlobalBatch("run/checkpoint-000000010", saved with { SequenceLength = 0 }, 1, 1, 16, 128);
    }

    [Fact]
    public void LossDecreasesAndHeldOutAccuracyRises()
    {
        using BagOfEmbeddingsClassifier model = Model();
        var sink = new RecordingMetricsSink();
        var evaluation = new SyntheticEvaluationSource(16, examples: 200, seed: 999);
        using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(steps: 150) with { EvaluateEvery = 75 }, evaluation, sink);
        EvaluationMetrics before = trainer.Evaluate();
        trainer.Run();

        double first = sink.Steps.Take(10).Average(s => s.Loss);
        double last = sink.Steps.TakeLast(10).Average(s => s.Loss);
        EvaluationMetrics after = sink.Evaluations[^1];

        // The task is learnable (a bag of embeddings sees the residue counts): chance accuracy is ~0.4 and the
        // loss starts near ln 3. Thresholds leave wide margins around what 150 steps reach, and a trainer that
        // never repacks weights or ignores the gradients stays at the start.
        Assert.True(last < 0.75 * first, $"loss went from {first} to {last}");
        Assert.Equal(200, after.TaskCount);
        Assert.Equal(13, after.Batches);
        Assert.True(after.TaskAccuracy > before.TaskAccuracy + 0.15, $"held-out accuracy {before.TaskAccuracy} → {after.TaskAccuracy}");
        Assert.Equal(new long[] { 0, 75, 150 }, sink.Evaluations.Select(e => e.Step).ToArray());
        
        // Two micro-batches of 8 rows of 2 to 12 tokens each.
        Assert.All(sink.Steps, s => Assert.InRange(s.Tokens, 2 * 8 * 2, 2 * 8 * 12));
    }

    [Fact]
    public void ResumeKeepsTheRecordedScheduleOrALaterEndAndRefusesAnyOther()
    {
        using var folder = new TemporaryDirectory();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path)))
        {
            for (int i = 0; i < 10; i++)
            {
                trainer.TrainStep();
            }

            trainer.SaveCheckpoint();
        }

        // Another peak, or an end before the recorded 24: refused, naming both schedules, before anything changes.
        foreach (LinearWarmupDecaySchedule other in new[] { new LinearWarmupDecaySchedule(0.1, 3, Steps), new LinearWarmupDecaySchedule(0.05, 3, Steps - 1) })
        {
            using BagOfEmbeddingsClassifier model = Model(initSeed: 7);
            float[] before = model.Parameters.AsSpan().ToArray();
            using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path) with { Schedule = other });
            var error = Assert.Throws<CheckpointException>(() => trainer.ResumeFromLatest());
            Assert.Contains("peak learning rate 0.05, 3 warmup steps and HuggingFace decay to 0 at step 24", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, trainer.Step);
            Assert.Equal(before, model.Parameters.AsSpan().ToArray());
        }

        // A later end extends the run: step 11 (t = 10) takes the 40-step schedule's rate, 0.05 · (40 − 10)/(40 − 3).
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path, steps: 40)))
        {
            Assert.True(trainer.ResumeFromLatest());
            Assert.Equal(0.05 * 30 / 37, trainer.TrainStep().LearningRate, 15);
        }
    }

    [Fact]
    public void EvaluationReportsItsProgressBatchByBatch()
    {
        using BagOfEmbeddingsClassifier model = Model();
        var sink = new RecordingMetricsSink();
        using var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), new SyntheticEvaluationSource(16, examples: 200, seed: 999), sink);
        trainer.TrainStep();

        trainer.Evaluate();

        // 200 examples in batches of 16: 13 batches, reported from 0 (it starts) to 13, then the metrics.
        Assert.Equal(Enumerable.Range(0, 14).Select(done => (1L, done, 13)), sink.EvaluationProgress);
        Assert.Single(sink.Evaluations);
    }

    [Fact]
    public void ResumedRunReproducesUninterruptedRunBitForBit()
    {
        // Uninterrupted.
        var reference = new RecordingMetricsSink();
        float[] referenceParameters;
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: reference))
        {
            trainer.Run();
            referenceParameters = model.Parameters.AsSpan().ToArray();
        }

        using var folder = new TemporaryDirectory();

        // Interrupted after 10 steps, with a checkpoint there.
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path)))
        {
            for (int i = 0; i < 10; i++)
            {
                trainer.TrainStep();
            }

            trainer.SaveCheckpoint();
            trainer.TrainStep(); // progress after the checkpoint is lost with the process
        }

        // Resumed in a new model (other initial weights, fresh data stream) from the checkpoint.
        var resumed = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model(initSeed: 99))
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path), sink: resumed))
        {
            Assert.True(trainer.ResumeFromLatest());
            Assert.Equal(10, trainer.Step);
            Assert.Equal(10, trainer.Optimizer.StepCount);
            trainer.Run();

            Assert.Equal(Steps - 10, resumed.Steps.Count);
            for (int i = 0; i < resumed.Steps.Count; i++)
            {
                TrainingStepMetrics expected = reference.Steps[10 + i], actual = resumed.Steps[i];
                Assert.Equal(expected.Step, actual.Step);
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Loss), BitConverter.DoubleToInt64Bits(actual.Loss));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected.GradientNorm), BitConverter.DoubleToInt64Bits(actual.GradientNorm));
                Assert.Equal(expected.LearningRate, actual.LearningRate);
            }

            Assert.Equal(Bits(referenceParameters), Bits(model.Parameters.AsSpan().ToArray()));
        }
    }

    [Fact]
    public void CancelledRunCheckpointsWhereItStoppedAndResumes()
    {
        var reference = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: reference))
        {
            trainer.Run();
        }

        using var folder = new TemporaryDirectory();
        using var cancellation = new CancellationTokenSource();
        var stopping = new CancellingSink(cancellation, atStep: 7);
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path) with { CheckpointEvery = 5 }, sink: stopping))
        {
            trainer.Run(cancellation.Token);
            Assert.Equal(7, trainer.Step);
        }

        Assert.Equal(new long[] { 5, 7 }, stopping.Checkpoints.Select(c => c.Step).ToArray());
        var resumed = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path) with { CheckpointEvery = 5 }, sink: resumed))
        {
            Assert.True(trainer.ResumeFromLatest());
            trainer.Run();
        }

        Assert.Equal(reference.Steps.Skip(7).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
        Assert.Equal(new long[] { 10, 15, 20, 24 }, resumed.Checkpoints.Select(c => c.Step).ToArray());
    }

    [Fact]
    public void ResumeWithAnotherSeedIsRefused()
    {
        using var folder = new TemporaryDirectory();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path)))
        {
            trainer.TrainStep();
            trainer.SaveCheckpoint();
        }

        using BagOfEmbeddingsClassifier other = Model();
        using var resumed = new Trainer(other, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path) with { Seed = 7 });
        CheckpointException error = Assert.Throws<CheckpointException>(() => resumed.ResumeFromLatest());
        Assert.Contains("seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointInterruptedMidWriteLeavesThePreviousOneLoadable()
    {
        using var folder = new TemporaryDirectory();
        bool crash = false;
        void FileWritten(string path)
        {
            if (crash && path.EndsWith(CheckpointStore.FirstMomentFile, StringComparison.Ordinal))
            {
                throw new IOException("disk full (simulated)");
            }
        }

        var store = new CheckpointStore(folder.Path, keepLast: 2);

        var reference = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: reference))
        {
            trainer.Run();
        }

        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path), checkpointFileWritten: FileWritten))
        {
            for (int i = 0; i < 6; i++)
            {
                trainer.TrainStep();
            }

            trainer.SaveCheckpoint();
            for (int i = 0; i < 4; i++)
            {
                trainer.TrainStep();
            }

            crash = true;
            CheckpointException error = Assert.Throws<CheckpointException>(() => trainer.SaveCheckpoint());
            Assert.IsType<IOException>(error.InnerException);
            Assert.EndsWith("checkpoint-000000010': disk full (simulated)", error.Message, StringComparison.Ordinal);
        }

        // A process killed mid-write leaves its hidden temporary folder behind: also never a checkpoint.
        Directory.CreateDirectory(Path.Combine(folder.Path, ".checkpoint-000000011.deadbeef.tmp"));
        File.WriteAllText(Path.Combine(folder.Path, ".checkpoint-000000011.deadbeef.tmp", CheckpointStore.ModelFile), "partial");

        Assert.Equal(new long[] { 6 }, store.List().Select(c => c.Step).ToArray());
        Assert.Single(Directory.GetDirectories(folder.Path), d => !Path.GetFileName(d).StartsWith('.'));
        crash = false;
        var resumed = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model(initSeed: 42))
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path), sink: resumed, checkpointFileWritten: FileWritten))
        {
            Assert.True(trainer.ResumeFromLatest());
            Assert.Equal(6, trainer.Step);
            trainer.Run();
        }

        Assert.Equal(reference.Steps.Skip(6).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
        Assert.Equal(new long[] { Steps }, store.List().Select(c => c.Step).TakeLast(1).ToArray());
        Assert.DoesNotContain(Directory.GetDirectories(folder.Path), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void TwoHalfMicroBatchesEqualOneFullBatch()
    {
        // Dropout off: masks are drawn per micro-batch, so only without dropout are the two runs the same function.
        using BagOfEmbeddingsClassifier whole = Model(dropout: 0);
        using BagOfEmbeddingsClassifier halves = Model(dropout: 0);
        using var wholeTrainer = new Trainer(whole, new SyntheticClassificationSource(16, seed: 5), Options(accumulation: 1));
        using var halvesTrainer = new Trainer(halves, new SyntheticClassificationSource(8, seed: 5), Options(accumulation: 2));

        for (int step = 0; step < 4; step++)
        {
            TrainingStepMetrics a = wholeTrainer.TrainStep();
            TrainingStepMetrics b = halvesTrainer.TrainStep();

            // Same rows, same mean: sums of 16 float-rounded terms in two groupings differ by a few ulps of the
            // largest term, so gradients agree to 1e-6 relative to the largest (1e-3 here) and 1e-7 absolute is
            // a tight bound; an unscaled accumulation would double them and a scale applied twice would halve them.
            float[] ga = whole.Gradients.AsSpan().ToArray(), gb = halves.Gradients.AsSpan().ToArray();
            float largest = ga.Max(Math.Abs);
            Assert.True(largest > 1e-3f);
            for (int i = 0; i < ga.Length; i++)
            {
                Assert.True(Math.Abs(ga[i] - gb[i]) <= 1e-6 * largest, $"step {step} gradient {i}: {ga[i]:R} vs {gb[i]:R}");
            }

            Assert.Equal(a.Loss, b.Loss, 1e-6);
            Assert.Equal(a.Tokens, b.Tokens);
            Assert.Equal(a.TaskAccuracy, b.TaskAccuracy);
        }

        // After four Adam steps the parameters agree closely too (updates are ~lr·1 each, errors ~lr·1e-6).
        float[] pa = whole.Parameters.AsSpan().ToArray(), pb = halves.Parameters.AsSpan().ToArray();
        for (int i = 0; i < pa.Length; i++)
        {
            Assert.True(Math.Abs(pa[i] - pb[i]) <= 1e-5, $"parameter {i}: {pa[i]:R} vs {pb[i]:R}");
        }
    }

    [Fact]
    public void EvaluationLeavesTrainingUntouched()
    {
        var evaluation = new SyntheticEvaluationSource(16, examples: 40, seed: 3);
        var plain = new RecordingMetricsSink();
        float[] plainParameters;
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: plain))
        {
            trainer.Run();
            plainParameters = model.Parameters.AsSpan().ToArray();
        }

        var interleaved = new RecordingMetricsSink();
        using (BagOfEmbeddingsClassifier model = Model())
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options() with { EvaluateEvery = 3 }, evaluation, interleaved))
        {
            for (int i = 0; i < 5; i++)
            {
                trainer.TrainStep();
            }

            float[] gradients = model.Gradients.AsSpan().ToArray();
            float[] parameters = model.Parameters.AsSpan().ToArray();
            float[] m = trainer.Optimizer.FirstMoment.AsSpan().ToArray();
            EvaluationMetrics metrics = trainer.Evaluate();
            Assert.Equal(Bits(gradients), Bits(model.Gradients.AsSpan().ToArray()));
            Assert.Equal(Bits(parameters), Bits(model.Parameters.AsSpan().ToArray()));
            Assert.Equal(Bits(m), Bits(trainer.Optimizer.FirstMoment.AsSpan().ToArray()));
            Assert.Equal(5, trainer.Optimizer.StepCount);

            // 40 examples in batches of 16: the 8 padding rows of the last batch are not scored.
            Assert.Equal(40, metrics.TaskCount);
            Assert.Equal(3, metrics.Batches);
            trainer.Run();
            Assert.Equal(Bits(plainParameters), Bits(model.Parameters.AsSpan().ToArray()));
        }

        Assert.Equal(plain.Steps.Select(s => s.Loss), interleaved.Steps.Select(s => s.Loss));
        
        // The explicit one at step 5, then every third step Run takes (3 was taken by hand, without evaluation).
        Assert.Equal(Enumerable.Range(2, (int)(Steps / 3) - 1).Select(i => i * 3L).Prepend(5L), interleaved.Evaluations.Select(e => e.Step));
    }

    /// <summary>Records, and asks the run to stop once it reports <c>atStep</c> (as a Ctrl-C handler would).</summary>
    private sealed class CancellingSink(CancellationTokenSource cancellation, long atStep) : ITrainingMetricsSink
    {
        public List<(long Step, string Path)> Checkpoints { get; } = new();

        public void OnTrainingStep(in TrainingStepMetrics metrics)
        {
            if (metrics.Step == atStep)
            {
                cancellation.Cancel();
            }
        }

        public void OnEvaluation(in EvaluationMetrics metrics)
        {
        }

        public void OnCheckpoint(long step, string path) => Checkpoints.Add((step, path));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
