using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BertGen.Runtime;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>What a fine-tuning run needs besides the model (whose encoder has been loaded already).</summary>
public sealed record SequenceClassificationJobOptions
{
    /// <summary>Training examples: TSV without a header (<c>label&lt;TAB&gt;text</c> or <c>label&lt;TAB&gt;textA&lt;TAB&gt;textB</c>,
    /// plain or gzip), as <see cref="LabelledTextReader"/> reads them.</summary>
    public required string TrainPath { get; init; }

    /// <summary>Held-out examples in the same format.</summary>
    public required string EvaluationPath { get; init; }

    /// <summary>WordPiece vocabulary file; null for the built-in bert-base-uncased one (<see cref="BertVocabulary.BertBaseUncased"/>).</summary>
    public string? VocabularyPath { get; init; }

    /// <summary>Label names in class-id order; every label in the files must be one of them.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    public int BatchSize { get; init; } = 16;

    public int SequenceLength { get; init; } = 64;

    public long Steps { get; init; } = 300;

    /// <summary>Where the learning rate reaches 0, when it is not <see cref="Steps"/> (see <see cref="PretrainingJobOptions.ScheduleSteps"/>).</summary>
    public long? ScheduleSteps { get; init; }

    /// <summary>The peak learning rate; BERT's paper fine-tunes with 5e-5, 3e-5 or 2e-5 (Devlin et al. 2019, appendix A.3).</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>10% of the steps, BERT's fine-tuning warmup.</summary>
    public long? WarmupSteps { get; init; }

    public ulong Seed { get; init; } = 12345;

    public long EvaluateEvery { get; init; } = 100;

    public string? CheckpointDirectory { get; init; }

    public long CheckpointEvery { get; init; } = 1000;

    /// <summary>How many of the newest checkpoints to keep (each holds the parameters and AdamW's two moments).</summary>
    public int KeepCheckpoints { get; init; } = 2;

    public bool Resume { get; init; }

    public AdamWSettings Optimizer { get; init; } = AdamWSettings.Torch;

    /// <summary>Micro-batches of <see cref="BatchSize"/> accumulated per optimiser step (per process, when data-parallel).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>How the processes of a data-parallel group share the work (used only with a group).</summary>
    public DataParallelSettings DataParallel { get; init; } = new();
}

/// <summary>Fine-tuning of a generated sequence classifier on labelled text, with held-out accuracy.</summary>
public static class SequenceClassificationJob
{
    /// <summary>Builds the data and the trainer and runs it (resuming when <c>options.Resume</c>); returns the held-out metrics before and after.</summary>
    /// <param name="model">A sequence classifier, its encoder loaded and its weights prepared.</param>
    /// <param name="options">The labelled files, labels, shape, schedule and checkpointing.</param>
    /// <param name="sink">Where each step's and evaluation's metrics go, or null.</param>
    /// <param name="log">Where the job's lines (data sizes, resume notes) go, or null.</param>
    /// <param name="cancellation">
    /// A stop. Asked for while the data is still read and built (minutes for a big corpus), it ends the job with
    /// <see cref="OperationCanceledException"/> before anything is evaluated, trained or written; asked for later, the
    /// trainer finishes its step, checkpoints it and the job returns with fewer steps than asked.
    /// </param>
    /// <param name="group">The data-parallel group this process trains in, or null to train alone.</param>
    public static JobResult Run(ITrainableModel model, SequenceClassificationJobOptions options, ITrainingMetricsSink? sink = null, Action<string>? log = null, CancellationToken cancellation = default, IDataParallelGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Objective != TrainingObjective.SequenceClassification)
        {
            throw new TrainingException($"model '{model.Name}' trains {model.Objective}, not sequence classification");
        }

        JobChecks.RequireShape(model, options.BatchSize, options.SequenceLength);

        // Replicas in one process (InProcessReplicas) read and tokenise the labelled files once, each taking its own
        // cursor over the shared examples: the same batches as reading them itself, at 1/N of the time and memory. The
        // processes of an mpirun job each read their own copy, as one collective step: a data error on any rank (a file
        // of one label, a file missing on one machine) ends them all with one error, not one per rank.
        (SequenceClassificationBatchStream stream, SequenceClassificationDataset heldOut, int trainingExamples) = InProcessGroup.BuildOnce(group,
            () => BuildData(options, JobChecks.LoadVocabulary(model, options.VocabularyPath), log),
            built => built with { Training = built.Training.Fork() });

        var recorder = new EvaluationRecorder(sink);
        var trainer = new Trainer(
            model,
            new SequenceClassificationBatchSource(stream),
            new TrainerOptions
            {
                Steps = options.Steps,
                Schedule = JobChecks.Schedule(options.LearningRate, options.WarmupSteps ?? ResumedWarmup(options, group) ?? Math.Max(1, options.Steps / 10), options.Steps, options.ScheduleSteps),
                Optimizer = options.Optimizer,
                AccumulationSteps = options.AccumulationSteps,
                DataParallel = options.DataParallel,
                Seed = options.Seed,
                EvaluateEvery = options.EvaluateEvery,
                CheckpointEvery = options.CheckpointDirectory is null ? 0 : options.CheckpointEvery, // the default interval, with nowhere to write
                CheckpointDirectory = options.CheckpointDirectory,
                KeepCheckpoints = options.KeepCheckpoints,
                LabelNames = options.Labels,
            },
            evaluation: new SequenceClassificationEvaluationSource(heldOut, options.BatchSize),
            sink: recorder,
            group: group);
        return JobRun.Execute(trainer, recorder, options.Resume, trainingExamples, log, cancellation);
    }

    /// <summary>
    /// The warmup of the checkpoint a resumed run continues (rank 0's), or null: the default, a tenth of the steps, moved
    /// when the steps were raised to extend a finished run, and the trainer refused the changed schedule. A resumed run
    /// keeps its warmup, as <c>bertgen finetune --resume</c> does.
    /// </summary>
    private static long? ResumedWarmup(SequenceClassificationJobOptions options, IDataParallelGroup? group)
    {
        if (!options.Resume || options.CheckpointDirectory is not { Length: > 0 } folder)
        {
            return null;
        }

        long? Recorded() => new CheckpointStore(folder, keepLast: 1).Latest() is string latest ? CheckpointStore.ReadState(latest).Schedule?.WarmupSteps : null;
        if (group is not { Size: > 1 })
        {
            return Recorded();
        }

        long agreed = BitConverter.ToInt64(RootDecision.Run(group, () => BitConverter.GetBytes(Recorded() ?? -1)));
        return agreed < 0 ? null : agreed;
    }

    private static LabelledData BuildData(SequenceClassificationJobOptions options, BertVocabulary vocabulary, Action<string>? log)
    {
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Create(vocabulary);
        SequenceClassificationDataset train = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(options.TrainPath), tokenizer, options.Labels.ToArray(), options.SequenceLength);
        SequenceClassificationDataset heldOut = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(options.EvaluationPath), tokenizer, options.Labels.ToArray(), options.SequenceLength);
        RequireTrainable(train, options);
        log?.Invoke($"{train.Count:N0} training and {heldOut.Count:N0} held-out examples ({train.TruncatedCount + heldOut.TruncatedCount} truncated to {options.SequenceLength} tokens); labels {string.Join(", ", options.Labels)}");
        var stream = new SequenceClassificationBatchStream(train, options.BatchSize, options.Seed, MessageText.QuotePath(options.TrainPath));
        return new LabelledData(stream, heldOut, train.Count);
    }

    // The held-out examples are only read (each replica's evaluation source fills its own batches from them), so the
    // replicas share them as they are; the training stream has a cursor, so each replica forks it.
    private sealed record LabelledData(SequenceClassificationBatchStream Training, SequenceClassificationDataset HeldOut, int TrainingExamples);

    /// <summary>
    /// The training file, said in its own terms: at least one batch of examples (the batch stream would refuse fewer as
    /// a bare count), and two labels among them — a file of one label trains a classifier that answers it whatever it reads.
    /// </summary>
    private static void RequireTrainable(SequenceClassificationDataset train, SequenceClassificationJobOptions options)
    {
        if (train.Count < options.BatchSize)
        {
            throw new TrainingException($"{options.TrainPath} has {train.Count} example(s), fewer than one batch of {options.BatchSize}");
        }

        int first = train.Label(0);
        if (Enumerable.Range(1, train.Count - 1).All(i => train.Label(i) == first))
        {
            throw new TrainingException(
                $"{options.TrainPath}: all {train.Count} examples are labelled {MessageText.Quote(options.Labels[first])}; a classifier learns nothing from one label: give examples of at least two");
        }
    }
}
