using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Training;

/// <summary>
/// The training loop over any <see cref="ITrainableModel"/>: each optimiser step zeroes the gradients, runs
/// <see cref="TrainerOptions.AccumulationSteps"/> micro-batches with gradient scale 1/accumulation and dropout seeds
/// from (seed, step, micro-batch), clips and applies AdamW at the scheduled learning rate, and repacks the weights.
/// It evaluates and checkpoints at the configured intervals. Everything the next step depends on (parameters,
/// moments, step count, data position, seed) is in a checkpoint, so a resumed run repeats an uninterrupted one
/// bit for bit. Nothing here knows the model's shapes or heads.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly ITrainableModel _model;
    private readonly ITrainingBatchSource _training;
    private readonly IEvaluationBatchSource? _evaluation;
    private readonly ITrainingMetricsSink? _sink;
    private readonly CheckpointStore? _checkpoints;
    private readonly ITrainingStep _trainingStep;
    private readonly TrainingBatch _batch;
    private ITrainingStep? _evaluationStep;
    private TrainingBatch? _evaluationBatch;
    private double _lastLearningRate;
    private long _lastCheckpointStep = -1;
    private long _lastEvaluationStep = -1;

    /// <param name="model">Trained in place; its gradient buffer is the trainer's scratch.</param>
    /// <param name="training">Micro-batches, <see cref="ITrainingBatchSource.BatchSize"/> sequences each.</param>
    /// <param name="options">Steps, schedule, optimiser, intervals.</param>
    /// <param name="evaluation">A held-out set evaluated at the configured interval, or null.</param>
    /// <param name="sink">Receives every step's and evaluation's metrics, or null.</param>
    /// <param name="checkpoints">Overrides the store made from <see cref="TrainerOptions.CheckpointDirectory"/>
    /// (e.g. one with a progress callback).</param>
    /// <param name="pool">Threads the optimiser step is split over (the model's own pool, typically), or null.</param>
    public Trainer(ITrainableModel model, ITrainingBatchSource training, TrainerOptions options, IEvaluationBatchSource? evaluation = null, ITrainingMetricsSink? sink = null, CheckpointStore? checkpoints = null, ComputePool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (model.Gradients.Length != model.Parameters.Length)
        {
            throw new TrainingException($"model '{model.Name}' has {model.Parameters.Length} parameters but {model.Gradients.Length} gradients");
        }

        _model = model;
        _training = training;
        _evaluation = evaluation;
        _sink = sink;
        Options = options;
        _checkpoints = checkpoints ?? (options.CheckpointDirectory is null ? null : new CheckpointStore(options.CheckpointDirectory, options.KeepCheckpoints));
        Optimizer = new AdamW(model.ParameterTable, model.Parameters.Length, options.Optimizer, pool);
        _trainingStep = model.CreateTrainingStep(training.BatchSize, training.SequenceLength);
        _batch = training.CreateBatch();
        RequireFits(_batch, _trainingStep, "training");
    }

    public TrainerOptions Options { get; }

    public AdamW Optimizer { get; }

    /// <summary>Optimiser steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Continues from the newest checkpoint in the checkpoint directory, if there is one: parameters, moments, step,
    /// data position. Returns false (and changes nothing) when there is none.
    /// </summary>
    public bool ResumeFromLatest()
    {
        string? latest = _checkpoints?.Latest();
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
    public void Resume(string path)
    {
        TrainerState saved = CheckpointStore.ReadState(path);
        CheckpointStore.RequireCompatible(path, saved, _model);
        if (saved.RunSeed != Options.Seed)
        {
            throw new CheckpointException($"checkpoint '{path}' was written by a run with seed {saved.RunSeed}, this run's seed is {Options.Seed}: the dropout masks would not continue");
        }

        ScheduleContinuity.Require(path, saved.Schedule, Options.Schedule);
        _training.RestoreState(saved.DataState);
        TrainerState state = CheckpointStore.Load(path, _model, Optimizer);
        _model.PrepareWeights();
        Step = state.Step;
        _lastLearningRate = state.LearningRate;
        _lastCheckpointStep = state.Step;
    }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Steps"/>, evaluating and checkpointing at the intervals and at the end.
    /// When <paramref name="cancellation"/> fires, the step in progress finishes, a checkpoint is written, and the
    /// method returns (the run can be resumed).
    /// </summary>
    public void Run(CancellationToken cancellation = default)
    {
        while (Step < Options.Steps && !cancellation.IsCancellationRequested)
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

        if (_evaluation is not null && _lastEvaluationStep != Step && !cancellation.IsCancellationRequested)
        {
            Evaluate();
        }

        if (_checkpoints is not null && _lastCheckpointStep != Step)
        {
            SaveCheckpoint();
        }
    }

    /// <summary>One optimiser step: zero gradients → micro-batches → clip → AdamW → repack weights.</summary>
    public unsafe TrainingStepMetrics TrainStep()
    {
        if (Step >= Options.Steps)
        {
            throw new TrainingException($"the run's {Options.Steps} steps are done");
        }

        long started = Stopwatch.GetTimestamp();
        NativeMemory.Clear(_model.Gradients.Pointer, (nuint)_model.Gradients.Length * sizeof(float));
        int accumulation = Options.AccumulationSteps;
        float gradientScale = 1f / accumulation;
        var losses = new LossAccumulator();
        long tokens = 0;
        for (int micro = 0; micro < accumulation; micro++)
        {
            _training.Next(_batch);
            losses.Add(_trainingStep.Run(_batch, StepMode.Train, DropoutSeeds.For(Options.Seed, Step, micro), gradientScale));
            foreach (int m in _batch.AttentionMask)
            {
                tokens += m;
            }
        }

        double learningRate = Options.Schedule.At(Step);
        OptimizerStepResult update = Optimizer.Step(_model.Parameters, _model.Gradients, learningRate);
        _model.PrepareWeights();
        Step++;
        _lastLearningRate = learningRate;

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
        if (_evaluation is null)
        {
            throw new TrainingException("the trainer was given no evaluation source");
        }

        if (_evaluationStep is null)
        {
            _evaluationStep = _model.CreateTrainingStep(_evaluation.BatchSize, _evaluation.SequenceLength);
            _evaluationBatch = _evaluation.CreateBatch();
            RequireFits(_evaluationBatch, _evaluationStep, "evaluation");
        }

        var losses = new LossAccumulator();
        _sink?.OnEvaluationProgress(Step, 0, _evaluation.BatchCount);
        for (int i = 0; i < _evaluation.BatchCount; i++)
        {
            _evaluation.Fill(i, _evaluationBatch!);
            losses.Add(_evaluationStep.Run(_evaluationBatch!, StepMode.Evaluate, dropoutSeed: 0, gradientScale: 1f));
            _sink?.OnEvaluationProgress(Step, i + 1, _evaluation.BatchCount);
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
        if (_checkpoints is null)
        {
            throw new TrainingException("the trainer has no checkpoint directory");
        }

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
            DataState = _training.SaveState(),
        };
        string path = _checkpoints.Save(_model, Optimizer, state);
        _lastCheckpointStep = Step;
        _sink?.OnCheckpoint(Step, path);
        return path;
    }

    // A source whose batches do not match the compiled step is a configuration error to report before training,
    // not an out-of-range read inside a kernel.
    private void RequireFits(TrainingBatch batch, ITrainingStep step, string what)
    {
        int tokens = step.Batch * step.Sequence;
        bool gathersPredictions = _model.Objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm;
        if (batch.InputIds.Length != tokens || batch.AttentionMask.Length != tokens || batch.TokenTypeIds.Length != tokens
            || (gathersPredictions && batch.MaskedLmPositions.Length != step.Batch * step.MaxPredictions))
        {
            throw new TrainingException($"the {what} source's batches ({batch.InputIds.Length} tokens, {batch.MaskedLmPositions.Length} predictions) do not fit the compiled step B={step.Batch}, S={step.Sequence}, P={step.MaxPredictions}");
        }
    }

    public void Dispose()
    {
        _trainingStep.Dispose();
        _evaluationStep?.Dispose();
        Optimizer.Dispose();
    }
}
