using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Testing;

namespace BertGen.Training.Runtime.Tests;

/// <summary>A small classifier run that checkpoints into a folder, for the tests of what runs find there.</summary>
internal static class CheckpointedRuns
{
    public static BagOfEmbeddingsClassifier Model() =>
        new(SyntheticClassificationData.Vocab, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1);

    /// <summary><paramref name="steps"/> steps of an 8-step schedule, a checkpoint every <paramref name="every"/> into <paramref name="folder"/>.</summary>
    public static TrainerOptions Options(string folder, long steps, long every) => new()
    {
        Steps = steps,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: 8),
        CheckpointDirectory = folder,
        CheckpointEvery = every,
    };
}
