using System.Linq;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>What every training job checks and derives the same way before it builds a trainer.</summary>
internal static class JobChecks
{
    /// <summary>The step's (batch, sequence) must be one the generator compiled.</summary>
    public static void RequireShape(ITrainableModel model, int batch, int sequence)
    {
        if (!model.ShapeVariants.Contains((batch, sequence)))
        {
            throw new TrainingException($"model '{model.Name}' has no compiled shape batch {batch} × sequence {sequence}; compiled: {string.Join(", ", model.ShapeVariants.Select(s => $"{s.Batch}×{s.Sequence}"))}");
        }
    }

    /// <summary>
    /// Linear warmup and decay to 0 at <paramref name="scheduleSteps"/> (default: the run's end); the warmup never longer
    /// than the schedule, so a short run with the default warmup is still valid.
    /// </summary>
    public static LinearWarmupDecaySchedule Schedule(double learningRate, long warmup, long steps, long? scheduleSteps)
    {
        long end = scheduleSteps ?? steps;
        return new LinearWarmupDecaySchedule(learningRate, warmup < end ? warmup : end, end);
    }

    /// <summary>
    /// The vocabulary must be the model's size: a smaller one trains on ids that never reach most embedding rows (a
    /// 6-token vocabulary turned every word into [UNK] and "trained" with exit 0), a larger one indexes past the table.
    /// </summary>
    public static void RequireVocabulary(ITrainableModel model, int vocabularySize, string path)
    {
        if (vocabularySize != model.VocabSize)
        {
            throw new TrainingException($"vocabulary '{path}' has {vocabularySize} tokens but model '{model.Name}' has a vocabulary of {model.VocabSize}");
        }
    }

    /// <summary>The vocabulary at <paramref name="path"/> (null: the built-in bert-base-uncased one), of the model's size.</summary>
    public static BertVocabulary LoadVocabulary(ITrainableModel model, string? path)
    {
        BertVocabulary vocabulary = path is null ? BertVocabulary.BertBaseUncased : BertVocabulary.Load(path);
        RequireVocabulary(model, vocabulary.Count, path ?? "bert-base-uncased (built in)");
        return vocabulary;
    }
}
