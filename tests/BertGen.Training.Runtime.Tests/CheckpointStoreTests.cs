using System;
using System.IO;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>Checkpoint folders: round trip, HF-readable weights, pruning, and one clear error per kind of damage.</summary>
public sealed class CheckpointStoreTests
{
    private static BagOfEmbeddingsClassifier Model(ulong seed = 1, string name = "BagOfEmbeddingsClassifier") =>
        new(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, 0.1, seed, name);

    private static TrainerState State(BagOfEmbeddingsClassifier model, long step) => new()
    {
        ModelName = model.Name,
        ParameterCount = CheckpointStore.ParameterCount(model),
        Step = step,
        Epoch = 3,
        RunSeed = ulong.MaxValue - 5,
        LearningRate = 1.25e-4,
        OptimizerFlavor = AdamWFlavor.OriginalBert,
        OptimizerStepCount = step,
        DataState = new byte[] { 1, 2, 3, 250 },
    };

    private static AdamW OptimizerWithState(BagOfEmbeddingsClassifier model, ulong seed)
    {
        var optimizer = new AdamW(model.ParameterTable, model.Parameters.Length, AdamWSettings.OriginalBert);
        var random = new SeededRandom(seed);
        foreach (AlignedBuffer buffer in new[] { optimizer.FirstMoment, optimizer.SecondMoment })
        {
            foreach (ParameterInfo p in model.ParameterTable)
            {
                Span<float> values = buffer.Slice(p.Offset, (int)p.Length);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)random.NextDouble();
                }
            }
        }

        optimizer.RestoreStepCount(17);
        return optimizer;
    }

    [Fact]
    public void RoundTripRestoresTensorsAndStateExactly()
    {
        using var folder = new TemporaryDirectory();
        var store = new CheckpointStore(folder.Path, keepLast: 3);
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = store.Save(model, optimizer, State(model, 17));
        Assert.Equal(store.PathOf(17), path);
        Assert.Equal(path, store.Latest());

        using BagOfEmbeddingsClassifier restored = Model(seed: 2);
        using var restoredOptimizer = new AdamW(restored.ParameterTable, restored.Parameters.Length, AdamWSettings.OriginalBert);
        TrainerState state = CheckpointStore.Load(path, restored, restoredOptimizer);

        Assert.Equal(model.Parameters.AsSpan().ToArray(), restored.Parameters.AsSpan().ToArray());
        Assert.Equal(optimizer.FirstMoment.AsSpan().ToArray(), restoredOptimizer.FirstMoment.AsSpan().ToArray());
        Assert.Equal(optimizer.SecondMoment.AsSpan().ToArray(), restoredOptimizer.SecondMoment.AsSpan().ToArray());
        Assert.Equal(17, restoredOptimizer.StepCount);
        Assert.Equal(ulong.MaxValue - 5, state.RunSeed);
        Assert.Equal(1.25e-4, state.LearningRate);
        Assert.Equal(3, state.Epoch);
        Assert.Equal(AdamWFlavor.OriginalBert, state.OptimizerFlavor);
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, state.DataState);
        Assert.Equal(3, state.Files.Count);
    }

    [Fact]
    public void TheScheduleIsRecordedAndAbsentFromOlderStates()
    {
        using var folder = new TemporaryDirectory();
        var store = new CheckpointStore(folder.Path, keepLast: 3);
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        var schedule = new LinearWarmupDecaySchedule(3e-4, 25, 1000, LearningRateDecay.OriginalBert);

        TrainerState withSchedule = CheckpointStore.ReadState(store.Save(model, optimizer, State(model, 5) with { Schedule = schedule }));
        TrainerState without = CheckpointStore.ReadState(store.Save(model, optimizer, State(model, 6)));

        Assert.Equal((3e-4, 25L, 1000L, LearningRateDecay.OriginalBert), (withSchedule.Schedule!.BaseLearningRate, withSchedule.Schedule.WarmupSteps, withSchedule.Schedule.TotalSteps, withSchedule.Schedule.Decay));
        Assert.Null(without.Schedule);
    }

    [Fact]
    public void ModelMetadataTravelsInTheWeightsFile()
    {
        using var folder = new TemporaryDirectory();
        var store = new CheckpointStore(folder.Path, keepLast: 3) { ModelMetadata = CheckpointLabels.ToMetadata(["neg", "pos", "naïve \"quoted\""]) };
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string weights = Path.Combine(store.Save(model, optimizer, State(model, 5)), CheckpointStore.ModelFile);

        Assert.Equal(["neg", "pos", "naïve \"quoted\""], CheckpointLabels.Read(weights));
        using (SafetensorsReader reader = SafetensorsReader.Open(weights))
        {
            // HuggingFace's id2label spelling, beside the format HF checks before loading.
            Assert.Equal("pt", reader.Metadata["format"]);
            Assert.Equal("{\"0\":\"neg\",\"1\":\"pos\",\"2\":\"na\\u00EFve \\u0022quoted\\u0022\"}", reader.Metadata[CheckpointLabels.MetadataKey]);
        }

        // A store without metadata writes none; malformed label maps are named.
        string plain = Path.Combine(new CheckpointStore(Path.Combine(folder.Path, "plain"), 1).Save(model, optimizer, State(model, 5)), CheckpointStore.ModelFile);
        Assert.Null(CheckpointLabels.Read(plain));
        Assert.Throws<WeightFileException>(() => CheckpointLabels.FromMetadata(new System.Collections.Generic.Dictionary<string, string> { ["id2label"] = "{\"0\":\"a\",\"2\":\"b\"}" }, "x"));
        Assert.Throws<WeightFileException>(() => CheckpointLabels.FromMetadata(new System.Collections.Generic.Dictionary<string, string> { ["id2label"] = "{\"0\":\"a\",\"1\":\"a\"}" }, "x"));
        Assert.Throws<WeightFileException>(() => CheckpointLabels.FromMetadata(new System.Collections.Generic.Dictionary<string, string> { ["id2label"] = "[\"a\"]" }, "x"));
    }

    [Fact]
    public void WeightsAreAStandardHuggingFaceSafetensorsFile()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = new CheckpointStore(folder.Path, 1).Save(model, optimizer, State(model, 1));

        using SafetensorsReader reader = SafetensorsReader.Open(Path.Combine(path, CheckpointStore.ModelFile));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(model.ParameterTable.Select(p => p.Name).Order(StringComparer.Ordinal), reader.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        ParameterInfo weight = model.ParameterTable[1];
        Assert.Equal(weight.Shape, reader[weight.Name].Shape);
        Assert.Equal(model.Parameters.Slice(weight.Offset, (int)weight.Length).ToArray(), reader[weight.Name].ToArray());
    }

    [Fact]
    public void KeepsOnlyTheNewestCheckpoints()
    {
        using var folder = new TemporaryDirectory();
        var store = new CheckpointStore(folder.Path, keepLast: 2);
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        foreach (long step in new long[] { 5, 10, 15, 20, 20 })
        {
            store.Save(model, optimizer, State(model, step));
        }

        Assert.Equal(new long[] { 15, 20 }, store.List().Select(c => c.Step).ToArray());
        Assert.Equal(2, Directory.GetDirectories(folder.Path).Length);
    }

    [Fact]
    public void SavingAnEarlierStepDropsTheAbandonedLaterOnes()
    {
        using var folder = new TemporaryDirectory();
        var store = new CheckpointStore(folder.Path, keepLast: 3);
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        foreach (long step in new long[] { 5, 10, 15, 20, 12 })
        {
            store.Save(model, optimizer, State(model, step));
        }

        // After 20: {10, 15, 20}. Resumed from 10 and saved 12: 15 and 20 are another branch; Latest must be
        // this run's 12.
        Assert.Equal(new long[] { 10, 12 }, store.List().Select(c => c.Step).ToArray());
        Assert.Equal(store.PathOf(12), store.Latest());
    }

    [Fact]
    public void AnotherModelsCheckpointIsRefused()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = new CheckpointStore(folder.Path, 1).Save(model, optimizer, State(model, 1));

        using BagOfEmbeddingsClassifier renamed = Model(name: "OtherModel");
        using var otherOptimizer = new AdamW(renamed.ParameterTable, renamed.Parameters.Length, AdamWSettings.Torch);
        CheckpointException error = Assert.Throws<CheckpointException>(() => CheckpointStore.Load(path, renamed, otherOptimizer));
        Assert.Contains("is for model 'BagOfEmbeddingsClassifier'", error.Message, StringComparison.Ordinal);

        using var wider = new BagOfEmbeddingsClassifier(SyntheticClassificationData.Vocab, 16, SyntheticClassificationData.Classes, 0.1, 1);
        using var widerOptimizer = new AdamW(wider.ParameterTable, wider.Parameters.Length, AdamWSettings.Torch);
        float[] before = wider.Parameters.AsSpan().ToArray();
        error = Assert.Throws<CheckpointException>(() => CheckpointStore.Load(path, wider, widerOptimizer));
        Assert.Contains("parameters", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, wider.Parameters.AsSpan().ToArray());
    }

    [Theory]
    [InlineData("missing model", "is missing")]
    [InlineData("flipped byte", "is corrupted")]
    [InlineData("truncated moments", "truncated or corrupted")]
    [InlineData("broken state", "trainer_state.json' is corrupted: its SHA-256 differs from the one in trainer_state.json.sha256")]
    [InlineData("edited step", "trainer_state.json' is corrupted")]
    [InlineData("no state checksum", "has no trainer_state.json.sha256")]
    [InlineData("no state", "has no trainer_state.json")]
    [InlineData("no folder", "does not exist")]
    public void DamageIsReportedInOneLineAndChangesNothing(string damage, string expected)
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = new CheckpointStore(folder.Path, 1).Save(model, optimizer, State(model, 1));
        switch (damage)
        {
            case "missing model":
                File.Delete(Path.Combine(path, CheckpointStore.ModelFile));
                break;
            case "flipped byte":
                byte[] bytes = File.ReadAllBytes(Path.Combine(path, CheckpointStore.ModelFile));
                bytes[^3] ^= 0x10;
                File.WriteAllBytes(Path.Combine(path, CheckpointStore.ModelFile), bytes);
                break;
            case "truncated moments":
                using (var stream = new FileStream(Path.Combine(path, CheckpointStore.SecondMomentFile), FileMode.Open))
                {
                    stream.SetLength(stream.Length - 4);
                }

                break;
            case "broken state":
                string json = File.ReadAllText(Path.Combine(path, CheckpointStore.StateFile));
                File.WriteAllText(Path.Combine(path, CheckpointStore.StateFile), json[..(json.Length / 2)]);
                break;
            case "edited step":
                // Issue 15: trainer_state.json had no integrity check; step 1 → 2 skipped a step silently.
                string state = File.ReadAllText(Path.Combine(path, CheckpointStore.StateFile));
                File.WriteAllText(Path.Combine(path, CheckpointStore.StateFile), state.Replace("\"step\": 1,", "\"step\": 2,", StringComparison.Ordinal));
                break;
            case "no state checksum":
                File.Delete(Path.Combine(path, CheckpointIntegrity.StateChecksumFile));
                break;
            case "no state":
                File.Delete(Path.Combine(path, CheckpointStore.StateFile));
                break;
            case "no folder":
                path = Path.Combine(folder.Path, "checkpoint-nowhere");
                break;
        }

        using BagOfEmbeddingsClassifier target = Model(seed: 9);
        using var targetOptimizer = new AdamW(target.ParameterTable, target.Parameters.Length, AdamWSettings.OriginalBert);
        float[] before = target.Parameters.AsSpan().ToArray();
        CheckpointException error = Assert.Throws<CheckpointException>(() => CheckpointStore.Load(path, target, targetOptimizer));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(before, target.Parameters.AsSpan().ToArray());
        Assert.Equal(0, targetOptimizer.StepCount);
    }

    [Theory]
    [InlineData("optimiser count 0", "has 0 optimiser steps for 4 training steps")]
    [InlineData("negative step", "has step -1 and epoch 3")]
    [InlineData("renamed folder", "is named for step 5 but its trainer_state.json says step 4")]
    [InlineData("negative learning rate", "has learning rate -1")]
    [InlineData("no processes", "has 0 process(es) × 1 micro-batch(es)")]
    public void AWholeStateThatMakesNoSenseIsRefused(string problem, string expected)
    {
        // States written through the store, so their checksums are right: only the values are wrong (issue 15:
        // optimizerStepCount 0 restarted AdamW's bias correction; a negative step was an internal error).
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        var store = new CheckpointStore(folder.Path, 1);
        TrainerState state = State(model, 4);
        string path = problem switch
        {
            "optimiser count 0" => store.Save(model, optimizer, state with { OptimizerStepCount = 0 }),
            "negative step" => store.Save(model, optimizer, state with { Step = -1, OptimizerStepCount = -1 }),
            "negative learning rate" => store.Save(model, optimizer, state with { LearningRate = -1 }),
            "no processes" => store.Save(model, optimizer, state with { WorldSize = 0 }),
            _ => store.Save(model, optimizer, state),
        };
        if (problem == "renamed folder")
        {
            Directory.Move(path, store.PathOf(5));
            path = store.PathOf(5);
        }

        using BagOfEmbeddingsClassifier target = Model(seed: 9);
        using var targetOptimizer = new AdamW(target.ParameterTable, target.Parameters.Length, AdamWSettings.OriginalBert);
        CheckpointException error = Assert.Throws<CheckpointException>(() => CheckpointStore.Load(path, target, targetOptimizer));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, CheckpointIntegrity.FindDamage(path));
    }

    [Fact]
    public void TheStateChecksumIsSha256sumsFormatAndAWholeCheckpointHasNoDamage()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = new CheckpointStore(folder.Path, 1).Save(model, optimizer, State(model, 3));

        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(path, CheckpointStore.StateFile))));
        Assert.Equal($"{expected}  trainer_state.json\n", File.ReadAllText(Path.Combine(path, CheckpointIntegrity.StateChecksumFile)));
        Assert.Null(CheckpointIntegrity.FindDamage(path));
        Assert.Equal(3, CheckpointIntegrity.StepOfName(path));
    }

    [Fact]
    public void AFileProvenWholeIsReadOnceUntilItChanges()
    {
        using var folder = new TemporaryDirectory();
        using BagOfEmbeddingsClassifier model = Model();
        using AdamW optimizer = OptimizerWithState(model, 4);
        string path = new CheckpointStore(folder.Path, 1).Save(model, optimizer, State(model, 5));
        long tensorBytes = CheckpointStore.TensorFiles.Sum(name => new FileInfo(Path.Combine(path, name)).Length);

        // --resume proves the newest checkpoint whole to choose it, then loads it: its files are hashed once.
        long before = CheckpointIntegrity.BytesHashedOnThisThread;
        Assert.Null(CheckpointIntegrity.FindDamage(path));
        using BagOfEmbeddingsClassifier restored = Model(seed: 2);
        using var restoredOptimizer = new AdamW(restored.ParameterTable, restored.Parameters.Length, AdamWSettings.OriginalBert);
        CheckpointStore.Load(path, restored, restoredOptimizer);
        Assert.Equal(tensorBytes, CheckpointIntegrity.BytesHashedOnThisThread - before);
        Assert.Equal(model.Parameters.AsSpan().ToArray(), restored.Parameters.AsSpan().ToArray());

        // Rewritten since, at its length: hashed again, and refused.
        string weights = Path.Combine(path, CheckpointStore.ModelFile);
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 1;
        File.WriteAllBytes(weights, bytes);
        File.SetLastWriteTimeUtc(weights, File.GetLastWriteTimeUtc(weights).AddSeconds(2));
        string? damage = CheckpointIntegrity.FindDamage(path);
        Assert.NotNull(damage);
        Assert.Contains("is corrupted: its SHA-256 differs", damage, StringComparison.Ordinal);
    }
}
