using System;
using System.Linq;
using System.Threading;
using BertGen.Runtime;
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

    /// <summary>WordPiece vocabulary file; null for the built-in bert-base-uncased one (<see cref="BertVocabulary.BertBaseUncased"/>).</summary>
    public string? VocabularyPath { get; init; }

    /// <summary>Sequences per step: one of the model's compiled training shapes.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Tokens per sequence: one of the model's compiled training shapes.</summary>
    public int SequenceLength { get; init; } = 128;

    public long Steps { get; init; } = 1000;

    /// <summary>
    /// Where the learning rate reaches 0, when it is not <see cref="Steps"/>: a resumed run that extends its
    /// schedule sets both to the new end; one that stops early keeps its schedule's end here.
    /// </summary>
    public long? ScheduleSteps { get; init; }

    public double LearningRate { get; init; } = 1e-3;

    public long WarmupSteps { get; init; } = 100;

    public ulong Seed { get; init; } = 12345;

    /// <summary>
    /// The share of the corpus's documents held out for evaluation: whole documents, so no sentence is in both
    /// splits; at least 2 on each side (<see cref="PretrainingCorpus.HeldOutDocumentsFor"/>). A corpus of fewer than 4
    /// documents is first cut into pieces of consecutive sentences (<see cref="PretrainingCorpus.CutDocuments"/>).
    /// </summary>
    public double HeldOutShare { get; init; } = 0.1;

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
    /// <summary>Builds the data and the trainer and runs it (resuming when <c>options.Resume</c>); returns the held-out metrics before and after.</summary>
    /// <param name="model">A model with the pretraining (or masked-LM) head, its parameters initialised or loaded and its weights prepared.</param>
    /// <param name="options">The corpus, shape, schedule and checkpointing.</param>
    /// <param name="sink">Where each step's and evaluation's metrics go, or null.</param>
    /// <param name="log">Where the job's lines (data sizes, resume notes) go, or null.</param>
    /// <param name="cancellation">
    /// A stop. Asked for while the data is still read and built (minutes for a big corpus), it ends the job with
    /// <see cref="OperationCanceledException"/> before anything is evaluated, trained or written; asked for later, the
    /// trainer finishes its step, checkpoints it and the job returns with fewer steps than asked.
    /// </param>
    /// <param name="group">The data-parallel group this process trains in, or null to train alone.</param>
    public static JobResult Run(ITrainableModel model, PretrainingJobOptions options, ITrainingMetricsSink? sink = null, Action<string>? log = null, CancellationToken cancellation = default, IDataParallelGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Objective is not (TrainingObjective.Pretraining or TrainingObjective.MaskedLm))
        {
            throw new TrainingException($"model '{model.Name}' trains {model.Objective}, not masked-LM pretraining; use a spec with the \"pretraining\" head");
        }

        JobChecks.RequireShape(model, options.BatchSize, options.SequenceLength);
        if (!(options.HeldOutShare > 0 && options.HeldOutShare <= 0.5))
        {
            throw new TrainingException($"the held-out share must be above 0 and at most 0.5, not {options.HeldOutShare}");
        }

        int maxPredictions;
        using (ITrainingStep probe = model.CreateTrainingStep(options.BatchSize, options.SequenceLength))
        {
            maxPredictions = probe.MaxPredictions;
        }

        var data = new PretrainingOptions
        {
            MaxSeqLength = options.SequenceLength,
            MaxPredictionsPerSeq = maxPredictions,
            DupeFactor = options.DupeFactor,
            WholeWordMask = options.WholeWordMask,
            Seed = options.Seed,
        };

        // Replicas in one process (InProcessReplicas) tokenise the corpus and build the instances once, each taking its
        // own cursor over them: the same batches as building them itself, at 1/N of the time and memory. The processes
        // of an mpirun job each read their own copy, as one collective step: a corpus error on any rank ends them all
        // with one error, not one per rank.
        (PretrainingBatchStream stream, PretrainingBatchStream heldOutStream) = InProcessGroup.BuildOnce(group,
            () => BuildStreams(options, JobChecks.LoadVocabulary(model, options.VocabularyPath), data, log, cancellation),
            built => new StreamPair(built.Training.Fork(), built.HeldOut.Fork()));

        bool nextSentence = model.Objective == TrainingObjective.Pretraining;
        var evaluation = new PretrainingEvaluationSource(heldOutStream, Math.Min(options.EvaluationBatches, heldOutStream.BatchesPerEpoch), nextSentence);
        var recorder = new EvaluationRecorder(sink);
        var trainer = new Trainer(
            model,
            new PretrainingBatchSource(stream, nextSentence),
            new TrainerOptions
            {
                Steps = options.Steps,
                Schedule = JobChecks.Schedule(options.LearningRate, options.WarmupSteps, options.Steps, options.ScheduleSteps),
                Optimizer = options.Optimizer,
                AccumulationSteps = options.AccumulationSteps,
                DataParallel = options.DataParallel,
                Seed = options.Seed,
                EvaluateEvery = options.EvaluateEvery,
                CheckpointEvery = options.CheckpointDirectory is null ? 0 : options.CheckpointEvery, // the default interval, with nowhere to write
                CheckpointDirectory = options.CheckpointDirectory,
                KeepCheckpoints = options.KeepCheckpoints,
            },
            evaluation,
            recorder,
            group: group);
        return JobRun.Execute(trainer, recorder, options.Resume, stream.InstanceCount, log, cancellation);
    }

    // Minutes for a big corpus: a stop asked for meanwhile ends it (OperationCanceledException) instead of waiting for it.
    private static StreamPair BuildStreams(PretrainingJobOptions options, BertVocabulary vocabulary, PretrainingOptions data, Action<string>? log, CancellationToken cancellation)
    {
        PretrainingCorpus corpus = PretrainingCorpus.Load(options.CorpusPath, BertWordPieceTokenizer.Create(vocabulary), cancellation);
        corpus = CutIfTooFewDocuments(corpus, options.HeldOutShare, log);
        (PretrainingCorpus training, PretrainingCorpus heldOut) = corpus.SplitHeldOut(corpus.HeldOutDocumentsFor(options.HeldOutShare), options.Seed);
        string corpusName = MessageText.QuotePath(options.CorpusPath);
        var stream = new PretrainingBatchStream(training, vocabulary, data, options.BatchSize, corpusName, cancellation);
        var heldOutStream = new PretrainingBatchStream(heldOut, vocabulary, data with { DupeFactor = 1, Seed = options.Seed + 1 }, options.BatchSize,
            $"the held-out part of {corpusName} ({heldOut.DocumentCount} documents)", cancellation);
        log?.Invoke($"corpus: {corpus.DocumentCount} documents, {corpus.TokenCount:N0} word pieces; {stream.InstanceCount:N0} training instances ({stream.BatchesPerEpoch:N0} batches per epoch), {heldOut.DocumentCount} held-out documents");
        return new StreamPair(stream, heldOutStream);
    }

    private sealed record StreamPair(PretrainingBatchStream Training, PretrainingBatchStream HeldOut);

    // A held-out split takes whole documents, two at least on each side; a corpus with fewer (a sentence-per-line
    // file without blank lines is one document) is cut so that the share is whole pieces of about share × its text.
    private static PretrainingCorpus CutIfTooFewDocuments(PretrainingCorpus corpus, double share, Action<string>? log)
    {
        if (corpus.DocumentCount >= 2 * PretrainingCorpus.MinimumDocumentsPerSide)
        {
            return corpus;
        }

        int pieces = (int)Math.Ceiling(PretrainingCorpus.MinimumDocumentsPerSide / share);
        PretrainingCorpus cut = corpus.CutDocuments((int)Math.Ceiling((double)pieces / Math.Max(1, corpus.DocumentCount)));
        log?.Invoke($"the corpus has {corpus.DocumentCount} document{(corpus.DocumentCount == 1 ? "" : "s")} (blank lines separate documents): cut into {cut.DocumentCount} pieces of consecutive sentences for the held-out split");
        return cut;
    }
}
