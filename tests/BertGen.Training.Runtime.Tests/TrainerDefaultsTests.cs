using System;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>What a <see cref="Trainer"/> does with what a package user leaves out (the pool) or adds (label names).</summary>
public sealed class TrainerDefaultsTests
{
    private const long Steps = 6;

    private static TrainerOptions Options(string? checkpoints = null) => new()
    {
        Steps = Steps,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: Steps),
        Optimizer = AdamWSettings.Torch,
        Seed = 2024,
        CheckpointDirectory = checkpoints,
    };

    [Fact]
    public void WithoutAPoolTheOptimiserStepsOnTheModelsOwnThreads()
    {
        // A null pool once meant the calling thread alone. 20,000 × 8 embedding floats are enough for AdamW to split its
        // step over a pool of 2 (each part gets at least 65,536), and the gradient norm it clips by is then summed in two
        // partial sums instead of one: its last bits tell which threads the trainer gave the optimiser.
        (double[] Norms, float[] Parameters) Train(Func<BagOfEmbeddingsClassifier, ComputePool?> pool)
        {
            using var model = new BagOfEmbeddingsClassifier(20_000, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1, threads: 2);
            var sink = new RecordingMetricsSink();
            using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: sink, pool: pool(model)))
            {
                trainer.Run();
            }

            return (sink.Steps.Select(s => s.GradientNorm).ToArray(), model.Parameters.AsSpan().ToArray());
        }

        using var oneThread = new ComputePool(1);
        (double[] Norms, float[] Parameters) omitted = Train(_ => null);
        (double[] Norms, float[] Parameters) modelPool = Train(model => model.Pool);
        (double[] Norms, float[] Parameters) single = Train(_ => oneThread);

        // The two orders differ on this model (else the test could not tell them apart) …
        Assert.NotEqual(Bits(single.Norms), Bits(modelPool.Norms));

        // … and leaving the pool out is passing the model's own, bit for bit.
        Assert.Equal(Bits(modelPool.Norms), Bits(omitted.Norms));
        Assert.Equal(modelPool.Parameters.Select(BitConverter.SingleToInt32Bits), omitted.Parameters.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void LabelNamesGoIntoEveryCheckpointAsFineTuningJobsWriteThem()
    {
        using var folder = new TemporaryDirectory();
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(folder.Path) with { CheckpointEvery = 3, LabelNames = ["low", "middle", "naïve \"high\""] }))
        {
            trainer.Run();
        }

        string[] checkpoints = Directory.GetDirectories(folder.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["checkpoint-000000003", "checkpoint-000000006"], checkpoints.Select(Path.GetFileName));
        foreach (string checkpoint in checkpoints)
        {
            // HuggingFace's id2label in the weights file, which bertgen classify -c reads.
            Assert.Equal(["low", "middle", "naïve \"high\""], CheckpointLabels.Read(Path.Combine(checkpoint, CheckpointStore.ModelFile)));
        }

        // Without names the weights file records none, as before.
        using var plainFolder = new TemporaryDirectory();
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(plainFolder.Path)))
        {
            trainer.Run();
        }

        Assert.Null(CheckpointLabels.Read(Path.Combine(plainFolder.Path, "checkpoint-000000006", CheckpointStore.ModelFile)));
    }

    [Theory]
    [InlineData(new[] { "a", "b" }, "2 label names were given ('a', 'b'), but model 'BagOfEmbeddingsClassifier' classifies into 3 labels")]
    [InlineData(new[] { "a\nb", "c, d" }, "2 label names were given ('a\\nb', 'c, d'), but model 'BagOfEmbeddingsClassifier' classifies into 3 labels")]
    [InlineData(new[] { "a", "b", "a" }, "label names must be distinct and non-empty; got ['a', 'b', 'a']")]
    [InlineData(new[] { "a", "", "c" }, "label names must be distinct and non-empty; got ['a', '', 'c']")]
    [InlineData(new string[0], "label names must be distinct and non-empty; got []")]
    public void LabelNamesThatCannotNameTheClassesAreRefusedWhenTheTrainerIsBuilt(string[] names, string message)
    {
        // Written anyway, they would name classes the model does not have, or be refused only by whoever reads the checkpoint.
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);
        TrainingException refused = Assert.Throws<TrainingException>(() => new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options() with { LabelNames = names }).Dispose());
        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void AResumedClassifierKeepsTheLabelsItsCheckpointRecorded()
    {
        // Other names, or the same in another order, would relabel what the checkpoint learnt: a program resumed with its
        // labels reordered trained on swapped targets without a word. A resume given none keeps the recorded ones.
        using var folder = new TemporaryDirectory();
        using var model = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);
        TrainerOptions Leg(long steps, string[]? labels) => Options(folder.Path) with
        {
            Steps = steps,
            CheckpointEvery = 3,
            LabelNames = labels,
        };

        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Leg(3, ["low", "middle", "high"])))
        {
            trainer.Run();
        }

        using (var reordered = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Leg(6, ["high", "middle", "low"])))
        {
            CheckpointException refused = Assert.Throws<CheckpointException>(() => reordered.ResumeFromLatest());
            Assert.Equal(
                $"checkpoint '{Path.Combine(folder.Path, "checkpoint-000000003")}' was trained with the labels 'low', 'middle', 'high' (in class-id order); this run names them 'high', 'middle', 'low': "
                + "resume with the same label names in the same order, or leave them out to keep the recorded ones",
                refused.Message);
            Assert.Equal(0, reordered.Step);
        }

        using (var unnamed = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Leg(6, labels: null)))
        {
            Assert.True(unnamed.ResumeFromLatest());
            unnamed.Run();
        }

        // The public reader a program names its classes by.
        Assert.Equal(["low", "middle", "high"], ParameterLoader.ReadLabelNames(Path.Combine(folder.Path, "checkpoint-000000006", CheckpointStore.ModelFile)));
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
