using System;
using System.Linq;
using System.Threading;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>What a pretraining run needs besides the model.</summary>
public sealed record PretrainingJobOptions
{
    /// <summary>Sentence-per-line corpus, blank line between documents (plain or .gz).</summary>
    public required string CorpusPath { get; init; }

    /// <summary>WordPiece vocabulary (bert-base-uncased's for the shipped specs).</summary>
    public required string VocabularyPath { get; init; }

    /// <summary>Sequences per step: one of the model's compiled training shapes.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Tokens per sequence: one of the model's compiled training shapes.</summary>
    public int SequenceLength { get; init; } = 128;

    public long Steps { get; init; } = 1000;

    public double LearningRate { get; init; } = 1e-3;

    public long WarmupSteps { get; init; } = 100;

    public ulong Seed { get; init; } = 12345;

    /// <summary>Documents held out for evaluation (whole documents, so no sentence is in both splits).</summary>
    public int HeldOutDocuments { get; init; } = 6;

    /// <summary>Held-out batches per evaluation.</summary>
    public int EvaluationBatches { get; init; } = 16;

    public long EvaluateEvery { get; init; } = 100;

    public long CheckpointEvery { get; init; } = 500;

    /// <summary>Checkpoint folder, or null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Continue from the newest checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>Copies of the corpus with different masks (static masking), as create_pretraining_data.py's dupe_factor.</summary>
    public int DupeFactor { get; init; } = 5;

    public bool WholeWordMask { get; init; }

    public AdamWSettings Optimizer { get; init; } = AdamWSettings.Torch;

    /// <summary>Micro-batches of <see cref="BatchSize"/> accumulated per optimiser step (per process, when data-parallel).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>How the processes of a data-parallel group share the work (used only with a group).</summary>
    public DataParallelSettings DataParallel { get; init; } = new();
}

/// <summary>Evaluations on the held-out documents before and after a run.</summary>
public sealed record JobResult(EvaluationMetrics Before, EvaluationMetrics After, long Steps, bool Resumed, int TrainingExamples);

/// <summary>
/// BERT pretraining (masked LM + next sentence) of a generated model on a sentence-per-line corpus: examples
/// built as Google's create_pretraining_data.py, the trainer with AdamW, warmup and linear decay, held-out
/// evaluation, atomic checkpoints and exact resume.
/// </summary>
public static class PretrainingJob
{
    public static JobResult Run(ITrainableModel model, PretrainingJobOptions options, ITrainingMetricsSink? sink = null, Action<string>? log = null, CancellationToken cancellation = default, IDataParallelGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Objective is not (TrainingObjective.Pretraining or TrainingObjective.MaskedLm))
        {
            throw new TrainingException($"model '{model.Name}' trains {model.Objective}, not masked-LM pretraining; use a spec with the \"pretraining\" head");
        }

        JobChecks.RequireShape(model, options.BatchSize, options.SequenceLength);

        int maxPredictions;
        using (ITrainingStep probe = model.CreateTrainingStep(options.BatchSize, options.SequenceLength))
        {
            maxPredictions = probe.MaxPredictions;
        }

        BertVocabulary vocabulary = BertVocabulary.Load(options.VocabularyPath);
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Create(vocabulary);
        PretrainingCorpus corpus = PretrainingCorpus.Load(options.CorpusPath, tokenizer);
        (PretrainingCorpus training, PretrainingCorpus heldOut) = corpus.SplitHeldOut(options.HeldOutDocuments, options.Seed);
        var data = new PretrainingOptions
        {
            MaxSeqLength = options.SequenceLength,
            MaxPredictionsPerSeq = maxPredictions,
            DupeFactor = options.DupeFactor,
            WholeWordMask = options.WholeWordMask,
            Seed = options.Seed,
        };
        var stream = new PretrainingBatchStream(training, vocabulary, data, options.BatchSize);
        var heldOutStream = new PretrainingBatchStream(heldOut, vocabulary, data with { DupeFactor = 1, Seed = options.Seed + 1 }, options.BatchSize);
        log?.Invoke($"corpus: {corpus.DocumentCount} documents, {corpus.TokenCount:N0} word pieces; {stream.InstanceCount:N0} training instances ({stream.BatchesPerEpoch:N0} batches per epoch), {heldOut.DocumentCount} held-out documents");

        var evaluation = new PretrainingEvaluationSource(heldOutStream, Math.Min(options.EvaluationBatches, heldOutStream.BatchesPerEpoch));
        var recorder = new EvaluationRecorder(sink);
        var trainer = new Trainer(
            model,
            new PretrainingBatchSource(stream),
            new TrainerOptions
            {
                Steps = options.Steps,
                Schedule = new LinearWarmupDecaySchedule(options.LearningRate, JobChecks.Warmup(options.WarmupSteps, options.Steps), options.Steps),
                Optimizer = options.Optimizer,
                AccumulationSteps = options.AccumulationSteps,
                DataParallel = options.DataParallel,
                Seed = options.Seed,
                EvaluateEvery = options.EvaluateEvery,
                CheckpointEvery = options.CheckpointEvery,
                CheckpointDirectory = options.CheckpointDirectory,
                KeepCheckpoints = options.KeepCheckpoints,
            },
            evaluation,
            recorder,
            pool: model.Pool,
            group: group);
        return JobRun.Execute(trainer, recorder, options.Resume, stream.InstanceCount, log, cancellation);
    }
}
