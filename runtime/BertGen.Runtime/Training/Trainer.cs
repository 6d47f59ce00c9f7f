using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;

namespace BertGen.Runtime.Training;

/// <summary>
/// The training loop over any <see cref="ITrainableModel"/>: each optimiser step runs
/// <see cref="TrainerOptions.AccumulationSteps"/> micro-batches with gradient scale 1/accumulation and dropout seeds
/// from (seed, step, micro-batch) — the first replacing the gradients the last step left, the others adding to them,
/// so no pass zeroes the gradient buffer between steps — clips and applies AdamW at the scheduled learning rate, and repacks the weights.
/// It evaluates and checkpoints at the configured intervals. Everything the next step depends on (parameters,
/// moments, step count, data position, seed) is in a checkpoint, so a resumed run repeats an uninterrupted one
/// bit for bit. Nothing here knows the model's shapes or heads.
/// </summary>
/// <remarks>
/// <para>Given an <see cref="IDataParallelGroup"/> of N processes, it trains data-parallel. Every process builds the
/// same batch source; micro-batch g of a step (g = 0 … N·A − 1, A = accumulation) is taken by rank g mod N, which skips
/// the others' (<see cref="ITrainingBatchSource.Skip"/>), and runs with the dropout seed of (seed, step, g) and gradient
/// scale 1/(N·A). So an N-process run computes what one process accumulating N·A micro-batches computes — the same
/// examples, masks and dropout — and differs from it only in the order gradients are summed. Gradients are summed by
/// all-reduce (overlapped with the backward, see <see cref="DataParallelSettings"/>); every process then applies the same
/// AdamW step with the same clip factor (rank 0's norm), so parameters stay bit-identical on every process.</para>
/// <para>Rank 0 alone writes checkpoints (recording the world size); every rank's sink sees the same, group-wide metrics
/// (give the other ranks a sink only where they should report too).
/// Rank 0 broadcasts the parameters when the trainer is built and everything it loads on resume. Evaluation batches are
/// shared out (batch i to rank i mod N) and the sums reduced.</para>
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly ITrainableModel _model;
    private readonly ITrainingBatchSource _training;
    private readonly IEvaluationBatchSource? _evaluation;
    private readonly ITrainingMetricsSink? _sink;
    private readonly CheckpointStore? _checkpoints;
    private IDisposable? _folderLock;
    private bool _folderDecided;
    private long _stepsTaken;
    private readonly ITrainingStep _trainingStep;
    private readonly TrainingBatch _batch;
    private readonly IDataParallelGroup? _group;
    private readonly GradientReduction? _reduction;
    private readonly double[] _sums = new double[LossAccumulator.Length + 2];
    private CancellationToken _cancellation;
    private bool _stopAgreed;
    private ITrainingStep? _evaluationStep;
    private TrainingBatch? _evaluationBatch;
    private double _lastLearningRate;
    private long _lastCheckpointStep = -1;
    private long _lastEvaluationStep = -1;
    private bool _disposed;

    // The classifier's label names in class-id order (the options', else the data's), or null: see AgreedLabelNames.
    private readonly IReadOnlyList<string>? _labelNames;

    /// <summary>
    /// A trainer of <paramref name="model"/> on <paramref name="training"/>'s micro-batches. The model trains from the
    /// parameters it holds: initialise or load them and call <see cref="Inference.IBertModel.PrepareWeights"/> first. To
    /// continue a stopped run, call <see cref="ResumeFromLatest"/> (or <see cref="Resume"/>) before <see cref="Run"/>.
    /// A source whose batches do not fit the step compiled for its shape is refused here (<see cref="TrainingException"/>).
    /// </summary>
    /// <param name="model">Trained in place; its gradient buffer is the trainer's scratch.</param>
    /// <param name="training">Micro-batches, <see cref="ITrainingBatchSource.BatchSize"/> sequences each.</param>
    /// <param name="options">Steps, schedule, optimiser, intervals.</param>
    /// <param name="evaluation">A held-out set evaluated at the configured interval, or null.</param>
    /// <param name="sink">Receives every step's and evaluation's metrics, or null.</param>
    /// <param name="pool">Threads the optimiser step is split over; null (the default) for the model's own
    /// <see cref="Inference.IBertModel.Pool"/>, the threads its forward and backward run on. (Before, null meant the calling
    /// thread alone: a program that left this out now sums the gradient norm it clips by in one partial sum per thread, so
    /// that norm, and with clipping active the updates, can differ from before in their last bits; a program that passed a
    /// pool computes what it did. <c>new ComputePool(1)</c> is the one-thread order.)</param>
    /// <param name="group">The processes training this model together (data-parallel), or null for this process alone.
    /// Rank 0's parameters are broadcast to the others here.</param>
    public Trainer(ITrainableModel model, ITrainingBatchSource training, TrainerOptions options, IEvaluationBatchSource? evaluation = null, ITrainingMetricsSink? sink = null, ComputePool? pool = null, IDataParallelGroup? group = null)
        : this(model, training, options, checkpointFileWritten: null, evaluation: evaluation, sink: sink, pool: pool, group: group)
    {
    }

    /// <summary>As the public constructor, with <paramref name="checkpointFileWritten"/> told of each checkpoint file once
    /// it is complete, before its checkpoint is committed (<see cref="CheckpointStore"/>'s hook: tests interrupt a write with it).</summary>
    internal Trainer(ITrainableModel model, ITrainingBatchSource training, TrainerOptions options, Action<string>? checkpointFileWritten, IEvaluationBatchSource? evaluation = null, ITrainingMetricsSink? sink = null, ComputePool? pool = null, IDataParallelGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (group is not { Size: > 1 })
        {
            // In a group, after every rank has agreed on its held-out data (a refusal on one rank alone would leave the
            // others waiting in the constructor's broadcast), and not of the checkpoint folder: rank 0 alone writes.
            RequireIntervalsHaveTargets(options, evaluation, checkpointFolder: true);
        }

        if (model.Gradients.Length != model.Parameters.Length)
        {
            throw new TrainingException($"model '{model.Name}' has {model.Parameters.Length} parameters but {model.Gradients.Length} gradients");
        }

        _model = model;
        _training = training;
        _evaluation = evaluation;
        _group = group is { Size: > 1 } ? group : null;
        _sink = sink;
        Options = options;
        _labelNames = AgreedLabelNames(model, options.LabelNames, training, evaluation);

        // Found here, not by the first checkpoint's "The file '…' already exists" after that many steps of training. Not
        // asked of ranks of a group: only rank 0 writes checkpoints, and a refusal on one rank alone would leave the others
        // waiting in the broadcast below.
        if (_group is null && options.CheckpointDirectory is { Length: > 0 } checkpointFolder && File.Exists(checkpointFolder))
        {
            throw new CheckpointException($"checkpoint folder {MessageText.QuotePath(checkpointFolder)} is a file, not a folder");
        }

        _checkpoints = options.CheckpointDirectory is null
            ? null
            : new CheckpointStore(options.CheckpointDirectory, options.KeepCheckpoints, checkpointFileWritten)
            {
                // The label names travel in every checkpoint's weights file, so whoever classifies with it (bertgen classify -c)
                // names the classes as this run did, not as the spec's id2label does.
                ModelMetadata = _labelNames is null ? null : CheckpointLabels.ToMetadata(_labelNames),
            };

        // The sources' shapes first, before the optimiser's memory is taken: the evaluation source's too, which was first
        // asked at the first evaluation, the end of a run without EvaluateEvery, so a run of an uncompiled evaluation
        // batch trained to its last step and then failed without writing its final checkpoint.
        _trainingStep = CreateStep(training.BatchSize, training.SequenceLength, "training");
        try
        {
            _batch = training.CreateBatch();
            RequireFits(_batch, _trainingStep, "training");
            if (evaluation is not null)
            {
                _evaluationStep = CreateStep(evaluation.BatchSize, evaluation.SequenceLength, "evaluation");
                _evaluationBatch = evaluation.CreateBatch();
                RequireFits(_evaluationBatch, _evaluationStep, "evaluation");
            }
        }
        catch
        {
            _trainingStep.Dispose();
            _evaluationStep?.Dispose();
            throw;
        }

        // The optimiser runs on the threads the model computes on unless told otherwise: a null pool once meant one thread,
        // and a package user who left it out stepped AdamW on one core while the model's other threads waited.
        pool ??= model.Pool;
        if (_group is not null)
        {
            _reduction = new GradientReduction(_group, model.Gradients, options.DataParallel);
        }

        Optimizer = _reduction?.PartCounts is { } parts
            ? new AdamW(model.ParameterTable, model.Parameters.Length, options.Optimizer, pool, _reduction.PartOffset, parts[_group!.Rank])
            : new AdamW(model.ParameterTable, model.Parameters.Length, options.Optimizer, pool);
        // Once: what no step writes (the alignment padding between tensors, a head the objective does not train) stays
        // zero, so every step's first micro-batch can replace the gradients instead of zeroing them first.
        ClearGradients(model);
        if (_group is not null)
        {
            try
            {
                // Every process starts from rank 0's parameters, whatever it initialised or loaded itself.
                _group.Broadcast(model.Parameters, 0, model.Parameters.Length, root: 0);
                model.PrepareWeights();
                RequireSameData(_group, training);
                RequireSameHeldOutData(_group, evaluation, _evaluationBatch);
                RequireIntervalsHaveTargets(options, evaluation, checkpointFolder: false);
            }
            catch
            {
                // The steps' and the optimiser's memory (m and v: twice the parameters) is freed now, not by a finaliser.
                Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// An interval with nothing to act on wrote nothing or evaluated nothing, without a word: refused (the checkpoint
    /// interval when <paramref name="checkpointFolder"/> is asked about).
    /// </summary>
    private static void RequireIntervalsHaveTargets(TrainerOptions options, IEvaluationBatchSource? evaluation, bool checkpointFolder)
    {
        if (checkpointFolder && options.CheckpointEvery > 0 && options.CheckpointDirectory is null)
        {
            throw new TrainingException(string.Create(CultureInfo.InvariantCulture,
                $"TrainerOptions.CheckpointEvery is {options.CheckpointEvery}, but there is no CheckpointDirectory to write them to: give one, or leave CheckpointEvery 0"));
        }

        if (options.EvaluateEvery > 0 && evaluation is null)
        {
            throw new TrainingException(string.Create(CultureInfo.InvariantCulture,
                $"TrainerOptions.EvaluateEvery is {options.EvaluateEvery}, but the trainer was given no evaluation source: pass one (evaluation:), or leave EvaluateEvery 0"));
        }
    }

    // Label names quoted, as a one-line message shows them: a name may hold a line break or a comma.
    private static string Quoted(IEnumerable<string> labels) => string.Join(", ", labels.Select(MessageText.Quote));

    /// <summary>
    /// The names of the classifier's labels in class-id order: <see cref="TrainerOptions.LabelNames"/>, which must be the
    /// names the data sources number their labels by when they name them, else the sources' own. A data set created with
    /// its labels in another order than the options' trains class 0 as its own first name while every checkpoint calls
    /// class 0 the options' first: each classification named wrongly, without a word.
    /// </summary>
    /// <returns>The names, or null when neither the options nor the sources name the labels.</returns>
    /// <exception cref="TrainingException">The options, the training data and the held-out data disagree on the names or
    /// their order, or the options' names do not fit the model's classifier.</exception>
    private static IReadOnlyList<string>? AgreedLabelNames(ITrainableModel model, IReadOnlyList<string>? given, ITrainingBatchSource training, IEvaluationBatchSource? evaluation)
    {
        IReadOnlyList<string>? trained = training.LabelNames;
        IReadOnlyList<string>? heldOut = evaluation?.LabelNames;
        if (trained is not null && heldOut is not null && !trained.SequenceEqual(heldOut, StringComparer.Ordinal))
        {
            throw new TrainingException(
                $"the held-out data numbers its labels {Quoted(heldOut)} and the training data {Quoted(trained)} (in class-id order), "
                + "so evaluations would score each class as another: create both data sets with the same label names in the same order");
        }

        (IReadOnlyList<string>? data, string whose) = trained is not null ? (trained, "training") : (heldOut, "held-out");
        if (given is not null)
        {
            if (data is not null && !given.SequenceEqual(data, StringComparer.Ordinal))
            {
                throw new TrainingException(
                    $"TrainerOptions.LabelNames lists {Quoted(given)}, but the {whose} data numbers its labels {Quoted(data)} (in class-id order), "
                    + "so the checkpoints would name the classes it learns wrongly: give LabelNames in the data's order, or leave them out to record the data's");
            }

            RequireLabelsFit(model, given);
            return given;
        }

        // The sources' names go into the checkpoints as given ones would, when they can name this model's classes one for
        // one. Names that cannot (a model that is no classifier, a 3-class model fine-tuned on data of 2 labels, names a
        // checkpoint cannot hold) are recorded nowhere, as before sources named their labels: the run trains as it did.
        return data is not null && CheckpointLabels.NamingProblem(data, noneIsAProblem: true) is null && ClassCount(model) == data.Count ? data : null;
    }

    // The outputs of the model's classifier (HuggingFace's 'classifier' layer), or null when it has none.
    private static long? ClassCount(ITrainableModel model) =>
        model.Objective is TrainingObjective.SequenceClassification or TrainingObjective.TokenClassification
            ? model.ParameterTable.FirstOrDefault(p => p.Name == "classifier.bias")?.Length
            : null;

    /// <summary>
    /// Label names name a classifier's outputs: one per output of the model's <c>classifier</c> layer (HuggingFace's name
    /// for the sequence and token classification heads), or the checkpoints would name classes the model does not have.
    /// </summary>
    /// <param name="model">The model whose classifier the names must fit.</param>
    /// <param name="labels">The names, in class-id order.</param>
    /// <exception cref="TrainingException">The model has no classifier, or another number of outputs.</exception>
    private static void RequireLabelsFit(ITrainableModel model, IReadOnlyList<string> labels)
    {
        if (model.Objective is not (TrainingObjective.SequenceClassification or TrainingObjective.TokenClassification))
        {
            throw new TrainingException($"label names were given, but model '{model.Name}' trains {TrainingBatchValidation.ObjectiveText(model.Objective)}, not a classifier whose classes they could name");
        }

        long classes = ClassCount(model)
            ?? throw new TrainingException($"label names were given, but model '{model.Name}' has no 'classifier.bias' to count its classes by");

        if (classes != labels.Count)
        {
            throw new TrainingException($"{labels.Count} label names were given ({Quoted(labels)}), but model '{model.Name}' classifies into {classes} labels");
        }
    }

    /// <summary>
    /// Data-parallel processes share one stream, each taking every N-th micro-batch of it (and a resume restores rank 0's
    /// position on all), so they must start it over the same data: a rank whose file differs (another machine's copy of
    /// the same path) would train on other examples without a word. The sources' positions carry their data's count and
    /// fingerprint, so equal positions at the start mean equal data.
    /// </summary>
    /// <exception cref="TrainingException">A rank's source is not at rank 0's position: other data or options.</exception>
    private static void RequireSameData(IDataParallelGroup group, ITrainingBatchSource training) =>
        RequireAsOnRankZero(group, training.SaveState(), ranks =>
            $"the training data of {ranks} is not rank 0's (another file, or one with other content, under the same name on its machine, or other data options): "
            + "every process must read the same data");

    /// <summary>
    /// Each process evaluates its share of the held-out batches and the shares are summed: a rank whose held-out file
    /// differs (another machine's copy) made the reported metrics a mix of two data sets without a word. Its batches,
    /// filled once and hashed, must be rank 0's. A rank given none where rank 0 has some (or the other way round) would
    /// wait forever in the first evaluation's sum, or here.
    /// </summary>
    /// <exception cref="TrainingException">A rank's held-out batches are not rank 0's, or only some ranks have any.</exception>
    private static void RequireSameHeldOutData(IDataParallelGroup group, IEvaluationBatchSource? evaluation, TrainingBatch? scratch)
    {
        byte[] own = [];
        if (evaluation is not null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(BitConverter.GetBytes(evaluation.BatchCount));
            for (int i = 0; i < evaluation.BatchCount; i++)
            {
                evaluation.Fill(i, scratch!);
                scratch!.AppendContent(hash);
            }

            own = hash.GetHashAndReset();
        }

        RequireAsOnRankZero(group, own, ranks =>
            $"the held-out data of {ranks} is not rank 0's (held-out data given to some ranks only, another file, or one with other content, under the same name on its machine, or other data options): "
            + "every process must evaluate on the same data");
    }

    // Every rank's `own` bytes must be rank 0's: else every rank throws the error `describe` words for the ranks that differ
    // ("rank 2", "ranks 1, 3"), which rank 0 reports.
    private static void RequireAsOnRankZero(IDataParallelGroup group, byte[] own, Func<string, string> describe)
    {
        Span<byte> length = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(length, own.Length);
        group.Broadcast(length, root: 0);
        byte[] root = group.Rank == 0 ? own : new byte[BitConverter.ToInt32(length)];
        group.Broadcast(root, root: 0);

        // Each rank marks its own slot: the sum names the ranks that differ.
        var differs = new double[group.Size];
        differs[group.Rank] = own.AsSpan().SequenceEqual(root) ? 0 : 1;
        group.AllReduceSum(differs);
        int[] ranks = Enumerable.Range(0, group.Size).Where(r => differs[r] != 0).ToArray();
        if (ranks.Length == 0)
        {
            return;
        }

        // Every rank holds the error before rank 0 reports it and ends the job (as RootDecision does).
        group.Barrier();
        var error = new TrainingException(describe($"rank{(ranks.Length == 1 ? "" : "s")} {string.Join(", ", ranks)}"));
        if (group.Rank != 0)
        {
            error.Data[DataParallelException.RelayedFromRootKey] = true;
        }

        throw error;
    }

    /// <summary>This process's rank in the data-parallel group (0 without one).</summary>
    public int Rank => _group?.Rank ?? 0;

    /// <summary>Processes training together (1 without a group).</summary>
    public int WorldSize => _group?.Size ?? 1;

    public TrainerOptions Options { get; }

    public AdamW Optimizer { get; }

    /// <summary>Optimiser steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>A note on how the last resume fitted this run (another world size), or null.</summary>
    public string? ResumeNote { get; private set; }

    /// <summary>
    /// Continues from the newest checkpoint in <see cref="TrainerOptions.CheckpointDirectory"/>, if there is one:
    /// parameters, moments, step, data position. Returns false (and changes nothing) when there is none, and always
    /// without a checkpoint directory. A checkpoint at or past <see cref="TrainerOptions.Steps"/> leaves <see cref="Run"/>
    /// no step to take.
    /// </summary>
    public bool ResumeFromLatest()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        HoldCheckpointFolder(resuming: true);
        string? latest = _checkpoints?.Latest();
        if (_group is not null)
        {
            // Rank 0's folder decides: the others may not even see it (another machine).
            byte[] path = RootDecision.Run(_group, () => System.Text.Encoding.UTF8.GetBytes(latest ?? string.Empty));
            latest = path.Length == 0 ? null : System.Text.Encoding.UTF8.GetString(path);
        }

        if (latest is null)
        {
            return false;
        }

        Resume(latest);
        return true;
    }

    /// <summary>
    /// Continues from the checkpoint in <paramref name="path"/>. Everything that can be checked cheaply (model, seed, schedule,
    /// the data state's kind) is checked before anything changes; if a tensor file then turns out damaged, the model
    /// and optimiser are still untouched but the batch source has moved: build a new one before trying another.
    /// </summary>
    /// <exception cref="CheckpointException">It is missing, damaged, another model's, or another run's.</exception>
    /// <exception cref="TrainingException">This trainer has taken steps already (a resume would throw them away).</exception>
    public void Resume(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_stepsTaken > 0)
        {
            // It replaced them without a word: parameters, moments and the data position went back to the checkpoint's.
            throw new TrainingException(
                $"this trainer has taken {_stepsTaken} step(s) already, which a resume would throw away: resume before the first step, or build a new trainer to resume");
        }

        HoldCheckpointFolder(resuming: true);
        if (_group is not null)
        {
            ResumeDataParallel(path);
            return;
        }

        (TrainerState saved, IReadOnlyList<string>? labels) = CheckSaved(path);
        _training.RestoreState(saved.DataState);
        TrainerState state = CheckpointStore.Load(path, _model, Optimizer);
        KeepLabels(labels);
        _model.PrepareWeights();
        Continue(state);
    }

    // Rank 0 reads and checks the checkpoint and loads it into its model and whole m, v; the others receive the state,
    // the parameters and the moments (or their part of them) from it.
    private unsafe void ResumeDataParallel(string path)
    {
        IDataParallelGroup group = _group!;
        bool whole = _reduction!.PartCounts is null;
        AlignedBuffer? first = whole ? Optimizer.FirstMoment : group.Rank == 0 ? new AlignedBuffer(_model.Parameters.Length) : null;
        AlignedBuffer? second = whole ? Optimizer.SecondMoment : group.Rank == 0 ? new AlignedBuffer(_model.Parameters.Length) : null;
        try
        {
            byte[] json = RootDecision.Run(group, () =>
            {
                (TrainerState saved, IReadOnlyList<string>? labels) = CheckSaved(path);
                _training.RestoreState(saved.DataState);
                TrainerState loaded = CheckpointStore.Load(path, _model, first!, second!);
                KeepLabels(labels);
                return TrainerStateJson.Write(loaded);
            });
            TrainerState state = TrainerStateJson.Read(json, path);
            if (group.Rank != 0)
            {
                _training.RestoreState(state.DataState);
            }

            group.Broadcast(_model.Parameters, 0, _model.Parameters.Length, root: 0);
            if (whole)
            {
                group.Broadcast(first!, 0, first!.Length, root: 0);
                group.Broadcast(second!, 0, second!.Length, root: 0);
            }
            else
            {
                group.Scatter(first, Optimizer.FirstMoment, _reduction.PartCounts, root: 0);
                group.Scatter(second, Optimizer.SecondMoment, _reduction.PartCounts, root: 0);
            }

            Optimizer.RestoreStepCount(state.OptimizerStepCount);
            _model.PrepareWeights();
            Continue(state);
        }
        finally
        {
            if (!whole)
            {
                first?.Dispose();
                second?.Dispose();
            }
        }
    }

    // Everything that can be checked cheaply, before anything changes; with the label names the checkpoint records, which
    // its run's checkpoints go on recording once it has loaded (KeepLabels).
    private (TrainerState Saved, IReadOnlyList<string>? Labels) CheckSaved(string path)
    {
        TrainerState saved = CheckpointStore.ReadState(path);
        CheckpointStore.RequireCompatible(path, saved, _model);
        if (saved.RunSeed != Options.Seed)
        {
            throw new CheckpointException($"checkpoint '{path}' was written by a run with seed {saved.RunSeed}, this run's seed is {Options.Seed}: the dropout masks would not continue");
        }

        ScheduleContinuity.Require(path, saved.Schedule, Options.Schedule);
        RequireSameGlobalBatch(path, saved, WorldSize, Options.AccumulationSteps, _training.BatchSize, _training.SequenceLength);
        IReadOnlyList<string>? labels = RecordedLabels(path);
        ResumeNote = saved.WorldSize == WorldSize
            ? null
            : $"checkpoint of {Ranks(saved.WorldSize)} × {saved.AccumulationSteps} continued by {WorldSize} × {Options.AccumulationSteps}: the same global batch, gradients summed in another order";
        return (saved, labels);
    }

    /// <summary>
    /// The class names a resumed classifier was trained with go on naming its outputs: other names (or the same in another
    /// order) would relabel what the checkpoint learnt and train on swapped targets, and a run given none keeps the
    /// recorded ones in its own checkpoints rather than dropping them.
    /// </summary>
    /// <returns>The recorded names, or null when the checkpoint records none.</returns>
    /// <exception cref="CheckpointException">The checkpoint records other label names than this run's (<see cref="TrainerOptions.LabelNames"/>,
    /// else its data's).</exception>
    private IReadOnlyList<string>? RecordedLabels(string path)
    {
        IReadOnlyList<string>? recorded;
        try
        {
            recorded = CheckpointLabels.Read(System.IO.Path.Combine(path, CheckpointStore.ModelFile));
        }
        catch (WeightFileException e)
        {
            throw new CheckpointException($"checkpoint '{path}' is damaged: {e.Message}", e);
        }

        if (recorded is null)
        {
            return null;
        }

        if (_labelNames is { } given && !given.SequenceEqual(recorded, StringComparer.Ordinal))
        {
            throw new CheckpointException(Options.LabelNames is null
                ? $"checkpoint '{path}' was trained with the labels {Quoted(recorded)} (in class-id order); this run's data numbers them {Quoted(given)}: "
                    + "create the data set with the recorded label names in that order"
                : $"checkpoint '{path}' was trained with the labels {Quoted(recorded)} (in class-id order); this run names them {Quoted(given)}: "
                    + "resume with the same label names in the same order, or leave them out to keep the recorded ones");
        }

        return recorded;
    }

    // A resumed run's checkpoints record the labels its checkpoint did, once that checkpoint has loaded (a resume refused
    // on the way leaves the store as it was).
    private void KeepLabels(IReadOnlyList<string>? recorded)
    {
        if (recorded is not null && _checkpoints is not null)
        {
            _checkpoints.ModelMetadata = CheckpointLabels.ToMetadata(recorded);
        }
    }

    /// <summary>
    /// A step is (world size × accumulation) micro-batches of one size: a different split of the same global batch
    /// continues the run (only the summation order of gradients differs); another global batch would not. The CLI asks
    /// this too, before it loads any data, so that a refused resume says only why.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint in <paramref name="path"/> was written with another global batch, micro-batch
    /// size or sequence length.</exception>
    internal static void RequireSameGlobalBatch(string path, TrainerState saved, int worldSize, int accumulationSteps, int batchSize, int sequenceLength)
    {
        // Other sequences are other batches of other instances: the data position would not continue (and its refusal
        // would blame the data file).
        if (saved.SequenceLength != 0 && saved.SequenceLength != sequenceLength)
        {
            throw new CheckpointException(
                $"checkpoint '{path}' was written with sequences of {saved.SequenceLength} tokens; this run's have {sequenceLength}: resume with the same sequence length (bertgen --sequence {saved.SequenceLength})");
        }

        if (saved.WorldSize * saved.AccumulationSteps != worldSize * accumulationSteps || (saved.MicroBatchSize != 0 && saved.MicroBatchSize != batchSize))
        {
            // The fix in the options a user types: on this many ranks, the micro-batch size (when recorded) and the
            // accumulation that gives as many micro-batches per step; none exists when the ranks do not divide them.
            int microBatches = saved.WorldSize * saved.AccumulationSteps;
            string fix = microBatches % worldSize != 0
                ? $" (on a number of ranks that divides {microBatches})"
                : $" (with {Ranks(worldSize)}: bertgen {(saved.MicroBatchSize != 0 ? $"--batch {saved.MicroBatchSize} " : "")}--accumulate {microBatches / worldSize})";
            throw new CheckpointException(
                $"checkpoint '{path}' was written with {Ranks(saved.WorldSize)} × {saved.AccumulationSteps} accumulated micro-batch(es) of {Describe(saved.MicroBatchSize)} sequences per step; "
                + $"this run has {worldSize} × {accumulationSteps} of {batchSize}: resume with {microBatches} micro-batch(es) of {Describe(saved.MicroBatchSize)} sequences per step{fix}");
        }
    }

    // A data-parallel world as a user started it: mpirun's processes or InProcessReplicas' (--replicas) threads, which a
    // checkpoint does not tell apart.
    private static string Ranks(int worldSize) => worldSize == 1 ? "1 process" : $"{worldSize} ranks (processes or replicas)";

    private static string Describe(int batchSize) => batchSize == 0 ? "unrecorded" : batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Continue(TrainerState state)
    {
        Step = state.Step;
        _lastLearningRate = state.LearningRate;
        _lastCheckpointStep = state.Step;
        _sink?.OnResumed(Step);
    }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Steps"/>, evaluating and checkpointing at the intervals and at the end.
    /// When <paramref name="cancellation"/> fires, the step in progress finishes, a checkpoint is written, and the
    /// method returns (the run can be resumed).
    /// </summary>
    public void Run(CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _cancellation = cancellation;
        _stopAgreed = false;
        while (Step < Options.Steps && !Stopping)
        {
            TrainStep();
            if (_evaluation is not null && Options.EvaluateEvery > 0 && Step % Options.EvaluateEvery == 0)
            {
                Evaluate();
            }

            if (_checkpoints is not null && Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0)
            {
                SaveCheckpoint();
            }
        }

        if (_evaluation is not null && _lastEvaluationStep != Step && !Stopping)
        {
            Evaluate();
        }

        if (_checkpoints is not null && _lastCheckpointStep != Step)
        {
            SaveCheckpoint();
        }
    }

    // A data-parallel group stops together: a stop asked of any process (Ctrl-C) travels with the step's sums and
    // every process leaves after the same step; alone, the token is read directly.
    private bool Stopping => _group is null ? _cancellation.IsCancellationRequested : _stopAgreed;

    /// <summary>
    /// Locks the checkpoint folder for this trainer's run, once, before the first call that reads or writes it or trains
    /// towards a checkpoint, and holds it until <see cref="Dispose"/>: a second program's (or trainer's) run on the folder is
    /// refused at its start, where two runs deleted each other's temporary checkpoints. Within a run that holds the folder
    /// already (the CLI's) the trainer shares its lock. In a group rank 0 alone locks (it alone writes), as one step of
    /// every rank: a refusal reaches them all, where one rank's alone would leave the others waiting in a collective.
    /// A run that starts afresh (its first such call is not a resume) is refused a folder holding checkpoints, as the CLI
    /// refuses one without <c>--resume</c>: its first save would delete every checkpoint of a later step than its own.
    /// </summary>
    /// <exception cref="CheckpointException">Another run holds the folder, it cannot be made, or a fresh run finds
    /// checkpoints in it (on every rank of a group). The trainer can then still resume.</exception>
    private void HoldCheckpointFolder(bool resuming)
    {
        if (_folderDecided)
        {
            return;
        }

        void Lock()
        {
            _folderLock = Options.CheckpointDirectory is { } folder ? CheckpointFolderLock.ForTrainer(folder) : null;
            if (!resuming && _checkpoints?.List() is [.., (long newest, _)])
            {
                _folderLock?.Dispose();
                _folderLock = null;
                throw new CheckpointException(string.Create(CultureInfo.InvariantCulture,
                    $"checkpoint folder {MessageText.QuotePath(Options.CheckpointDirectory!)} already holds checkpoints (newest: step {newest}), which a new run's saves would delete or mix with: call ResumeFromLatest() to continue that run, or give another CheckpointDirectory"));
            }
        }

        if (_group is null)
        {
            Lock();
        }
        else
        {
            // Every rank takes part, whatever its own options say: rank 0's folder is the one written.
            RootDecision.Run(_group, () =>
            {
                Lock();
                return [];
            });
        }

        _folderDecided = true;
    }

    /// <summary>
    /// Takes the checkpoint folder for a run that starts afresh, before anything is reported: the jobs evaluate before their
    /// first step, and a folder holding another run's checkpoints was refused only after that evaluation's row had gone
    /// into the other run's metrics.
    /// </summary>
    internal void BeginAfresh()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        HoldCheckpointFolder(resuming: false);
    }

    /// <summary>One optimiser step: micro-batches (the first replacing the gradients) → clip → AdamW → repack weights.</summary>
    public unsafe TrainingStepMetrics TrainStep()
    {
        // A disposed trainer took the next batch from its source and wrote gradients before its freed optimiser refused.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Step >= Options.Steps)
        {
            throw new TrainingException($"the run's {Options.Steps} steps are done");
        }

        HoldCheckpointFolder(resuming: false);
        // At the trainer's first step, not when it is built: a resume may load the parameters after that. Every rank of a
        // group holds rank 0's parameters by now, so every rank decides alike.
        if (_stepsTaken == 0 && !_model.Parameters.AsSpan().ContainsAnyExcept(0f))
        {
            throw new TrainingException(
                $"model '{_model.Name}' has every parameter 0: initialise them (InitializeParameters) or load weights, then call PrepareWeights(), before training (a model of zeros trains to chance)");
        }

        long started = Stopwatch.GetTimestamp();
        int accumulation = Options.AccumulationSteps, ranks = WorldSize, rank = Rank;
        float gradientScale = 1f / (accumulation * ranks);
        var losses = new LossAccumulator();
        long tokens = 0;
        for (int micro = 0; micro < accumulation; micro++)
        {
            // Global micro-batch micro·N + r is rank r's; every rank moves past all N of this round.
            for (int r = 0; r < ranks; r++)
            {
                if (r == rank)
                {
                    _training.Next(_batch);
                }
                else
                {
                    _training.Skip();
                }
            }

            IGradientProgress? progress = micro == accumulation - 1 ? _reduction?.BeginLastMicroBatch() : null;
            int global = (micro * ranks) + rank;
            losses.Add(_trainingStep.Run(_batch, StepMode.Train, DropoutSeeds.For(Options.Seed, Step, global), gradientScale, progress, replaceGradients: micro == 0));
            foreach (int m in _batch.AttentionMask)
            {
                tokens += m;
            }
        }

        double learningRate = Options.Schedule.At(Step);
        OptimizerStepResult update;
        if (_reduction is null)
        {
            update = Optimizer.Step(_model.Parameters, _model.Gradients, learningRate);
        }
        else
        {
            _reduction.Complete();
            (losses, tokens) = SumOverGroup(losses, tokens);
            update = _reduction.PartGradients is { } part ? StepPart(part, learningRate) : StepWhole(learningRate);
        }

        _model.PrepareWeights();
        Step++;
        _stepsTaken++;
        _lastLearningRate = learningRate;
        if (_group is not null && Options.DataParallel.VerifyEvery > 0 && Step % Options.DataParallel.VerifyEvery == 0)
        {
            VerifyParametersAgree();
        }

        var metrics = new TrainingStepMetrics(
            Step,
            _training.Epoch,
            learningRate,
            update.GradientNorm,
            update.ClipFactor,
            losses.MeanTotal,
            losses.MeanMaskedLm,
            losses.MeanNextSentence,
            losses.MeanTask,
            losses.MaskedLmAccuracy,
            losses.NextSentenceAccuracy,
            losses.TaskAccuracy,
            tokens,
            Stopwatch.GetElapsedTime(started).TotalSeconds);
        _sink?.OnTrainingStep(metrics);
        return metrics;
    }

    /// <summary>
    /// One pass over the evaluation set in <see cref="StepMode.Evaluate"/> (no dropout, no backward). Reads no
    /// training data and no dropout seed, and leaves parameters, gradients and optimiser state as they were.
    /// </summary>
    public EvaluationMetrics Evaluate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_evaluation is null)
        {
            throw new TrainingException("the trainer was given no evaluation source");
        }

        var losses = new LossAccumulator();
        int mine = (_evaluation.BatchCount - Rank + WorldSize - 1) / WorldSize, done = 0;
        _sink?.OnEvaluationProgress(Step, 0, mine);
        for (int i = Rank; i < _evaluation.BatchCount; i += WorldSize)
        {
            _evaluation.Fill(i, _evaluationBatch!);
            losses.Add(_evaluationStep!.Run(_evaluationBatch!, StepMode.Evaluate, dropoutSeed: 0, gradientScale: 1f));
            _sink?.OnEvaluationProgress(Step, ++done, mine);
        }

        if (_group is not null)
        {
            (losses, _) = SumOverGroup(losses, 0);
        }

        var metrics = new EvaluationMetrics(
            Step,
            losses.Runs,
            losses.WeightedTotal,
            losses.WeightedMaskedLm,
            losses.WeightedNextSentence,
            losses.WeightedTask,
            losses.MaskedLmAccuracy,
            losses.NextSentenceAccuracy,
            losses.TaskAccuracy,
            losses.MaskedLmCount,
            losses.NextSentenceCount,
            losses.TaskCount);
        _lastEvaluationStep = Step;
        _sink?.OnEvaluation(metrics);
        return metrics;
    }

    /// <summary>Writes a checkpoint of the current step (atomically, pruning old ones) and returns its folder.</summary>
    public string SaveCheckpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_checkpoints is null)
        {
            throw new TrainingException("the trainer has no checkpoint directory");
        }

        HoldCheckpointFolder(resuming: false);

        var state = new TrainerState
        {
            ModelName = _model.Name,
            ParameterCount = CheckpointStore.ParameterCount(_model),
            Step = Step,
            Epoch = _training.Epoch,
            RunSeed = Options.Seed,
            LearningRate = _lastLearningRate,
            OptimizerFlavor = Optimizer.Settings.Flavor,
            OptimizerStepCount = Optimizer.StepCount,
            Schedule = Options.Schedule,
            WorldSize = WorldSize,
            AccumulationSteps = Options.AccumulationSteps,
            MicroBatchSize = _training.BatchSize,
            SequenceLength = _training.SequenceLength,
            DataState = _training.SaveState(),
        };
        string path = _group is null ? _checkpoints.Save(_model, Optimizer, state) : SaveDataParallel(state);
        _lastCheckpointStep = Step;
        _sink?.OnCheckpoint(Step, path);
        return path;
    }

    // Rank 0 writes (every rank's data position is the same: they all moved through the same stream); a ZeRO-1 run
    // first gathers every part of m and v into whole buffers on rank 0. The others learn where it went, or its error.
    private string SaveDataParallel(TrainerState state)
    {
        IDataParallelGroup group = _group!;
        int[]? parts = _reduction!.PartCounts;
        AlignedBuffer? first = null, second = null;
        try
        {
            if (parts is not null)
            {
                first = group.Rank == 0 ? new AlignedBuffer(_model.Parameters.Length) : null;
                second = group.Rank == 0 ? new AlignedBuffer(_model.Parameters.Length) : null;
                group.Gather(Optimizer.FirstMoment, first, parts, root: 0);
                group.Gather(Optimizer.SecondMoment, second, parts, root: 0);
            }

            byte[] path = RootDecision.Run(group, () => System.Text.Encoding.UTF8.GetBytes(
                _checkpoints!.Save(_model, first ?? Optimizer.FirstMoment, second ?? Optimizer.SecondMoment, state)));
            return System.Text.Encoding.UTF8.GetString(path);
        }
        finally
        {
            first?.Dispose();
            second?.Dispose();
        }
    }

    // Losses, counts and tokens summed over the group: every rank then reports the global step's figures.
    private (LossAccumulator Losses, long Tokens) SumOverGroup(in LossAccumulator losses, long tokens)
    {
        Span<double> sums = _sums;
        losses.WriteTo(sums);
        sums[LossAccumulator.Length] = tokens;
        sums[LossAccumulator.Length + 1] = _cancellation.IsCancellationRequested ? 1 : 0;
        _group!.AllReduceSum(sums);
        _stopAgreed |= sums[LossAccumulator.Length + 1] > 0;
        return (LossAccumulator.ReadFrom(sums), (long)sums[LossAccumulator.Length]);
    }

    // Plain data-parallel: the summed gradients are the same everywhere; so that the clip factor is too (thread counts
    // may differ between machines, and the norm's summation order with them), every rank uses rank 0's norm.
    private OptimizerStepResult StepWhole(double learningRate)
    {
        Span<double> norm = _sums.AsSpan(0, 1);
        norm[0] = Math.Sqrt(Optimizer.SumOfSquares(_model.Gradients));
        _group!.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(norm), root: 0);
        return Optimizer.Step(_model.Parameters, _model.Gradients, learningRate, norm[0]);
    }

    // ZeRO-1: the global norm from every part's Σg², each rank updates its part, and the parts are gathered.
    private OptimizerStepResult StepPart(AlignedBuffer partGradients, double learningRate)
    {
        Span<double> norm = _sums.AsSpan(0, 1);
        norm[0] = Optimizer.SumOfSquares(partGradients);
        _group!.AllReduceSum(norm);
        _group.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(norm), root: 0);
        OptimizerStepResult update = Optimizer.Step(_model.Parameters, partGradients, learningRate, Math.Sqrt(norm[0]));
        _group.AllGather(_model.Parameters, _reduction!.PartCounts);
        return update;
    }

    // Every rank compares its parameters' fingerprint with rank 0's; any difference stops every rank.
    private void VerifyParametersAgree()
    {
        Span<double> check = _sums.AsSpan(0, 2);
        ulong mine = ParameterFingerprint.Of(_model.Parameters);
        check[0] = BitConverter.UInt64BitsToDouble(mine);
        _group!.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(check[..1]), root: 0);
        check[1] = BitConverter.DoubleToUInt64Bits(check[0]) == mine ? 0 : 1;
        Span<double> differing = check[1..];
        _group.AllReduceSum(differing);
        if (differing[0] != 0)
        {
            throw new TrainingException($"after step {Step} the parameters of {differing[0]} of {WorldSize} ranks differ from rank 0's: the ranks no longer train one model");
        }
    }

    // The compiled step of a source's shape; a shape the model was not compiled for is said as the source's, with the shapes it was.
    private ITrainingStep CreateStep(int batch, int sequence, string what)
    {
        try
        {
            return _model.CreateTrainingStep(batch, sequence);
        }
        catch (ArgumentException)
        {
            string compiled = string.Join(", ", _model.ShapeVariants.Select(v => $"{v.Batch} × {v.Sequence}"));
            throw new TrainingException($"the {what} source's batches are {batch} × {sequence} tokens, and {_model.Name} has no training step of that shape (compiled: {compiled}): give the source one of them{ShapeSettings()}");
        }
    }

    // Where BertGen.Training's sources take their shape from, for the objectives they feed: the sequence length is not an
    // argument of the source itself (PretrainingOptions.MaxSeqLength defaults to 128, whatever the model was compiled for).
    private string ShapeSettings() => _model.Objective switch
    {
        TrainingObjective.Pretraining or TrainingObjective.MaskedLm => " (a PretrainingBatchStream's batchSize and PretrainingOptions.MaxSeqLength)",
        TrainingObjective.SequenceClassification => " (its batchSize and SequenceClassificationDataset.Create's sequenceLength)",
        _ => "",
    };

    // A source whose batches do not match the compiled step is a configuration error to report before training,
    // not an out-of-range read inside a kernel.
    // It says what differs in the units a user set: masked-LM positions per sequence, as PretrainingOptions and the spec
    // count them (a message of totals against per-sequence figures, "80 predictions … P=5", sent them dividing).
    private void RequireFits(TrainingBatch batch, ITrainingStep step, string what)
    {
        int tokens = step.Batch * step.Sequence;
        if (batch.InputIds.Length != tokens || batch.AttentionMask.Length != tokens || batch.TokenTypeIds.Length != tokens)
        {
            throw new TrainingException(
                $"the {what} source's batches are not {step.Batch} × {step.Sequence} tokens, the shape it names ({batch.InputIds.Length} input ids, {batch.AttentionMask.Length} mask values, {batch.TokenTypeIds.Length} token types)");
        }

        bool gathersPredictions = _model.Objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm;
        int positions = batch.MaskedLmPositions.Length;
        if (gathersPredictions && positions != step.Batch * step.MaxPredictions)
        {
            string objective = TrainingBatchValidation.ObjectiveText(_model.Objective);
            throw new TrainingException(positions == 0
                ? $"the {what} source's batches have no masked-LM positions, and {_model.Name} trains {objective}: give it a pretraining source"
                : $"the {what} source's batches gather {(positions % step.Batch == 0 ? $"{positions / step.Batch} masked-LM positions per sequence" : $"{positions} masked-LM positions for {step.Batch} sequences")}, and {_model.Name} was compiled for {step.MaxPredictions} (the spec's max_predictions_per_seq): make the source gather {step.MaxPredictions} (PretrainingOptions.MaxPredictionsPerSeq)");
        }

        // Whether a pretraining source carries next-sentence labels is the caller's choice (nextSentenceLabels:), made
        // without the model at hand: a wrong one is said here with the switch, not as a count at the first step.
        string source = what == "training" ? "PretrainingBatchSource" : "PretrainingEvaluationSource";
        if (_model.Objective == TrainingObjective.Pretraining && positions > 0 && batch.NextSentenceLabels.Length == 0)
        {
            throw new TrainingException(
                $"the {what} source's batches have no next-sentence labels, and {_model.Name} trains {TrainingBatchValidation.ObjectiveText(_model.Objective)}: a {source} for it takes nextSentenceLabels: true");
        }

        if (_model.Objective == TrainingObjective.MaskedLm && batch.NextSentenceLabels.Length > 0)
        {
            throw new TrainingException(
                $"the {what} source's batches carry next-sentence labels, and {_model.Name} trains masked LM alone (it has no next-sentence head): a {source} for it takes nextSentenceLabels: false");
        }
    }

    /// <summary>Zeroes a model's whole gradient buffer over its pool (the training bench's steps start from it too).</summary>
    internal static unsafe void ClearGradients(ITrainableModel model) => BufferKernels.Clear(model.Gradients.Pointer, model.Gradients.Length, model.Pool);

    public void Dispose()
    {
        _disposed = true;
        try
        {
            _reduction?.Dispose();
            _trainingStep.Dispose();
            _evaluationStep?.Dispose();
            Optimizer.Dispose();
        }
        finally
        {
            // Released even if freeing memory failed: a lock left to the finaliser refuses the next run on the folder.
            _folderLock?.Dispose();
        }
    }
}
