using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Training;

/// <summary>
/// How a <see cref="Trainer"/> runs. One optimiser step = <see cref="AccumulationSteps"/> micro-batches on each
/// process of the data-parallel group (ranks × accumulation micro-batches in all).
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Optimiser steps of the whole run (the schedule's horizon is set separately).</summary>
    public required long Steps { get; init; }

    public required LinearWarmupDecaySchedule Schedule { get; init; }

    public AdamWSettings Optimizer { get; init; } = AdamWSettings.Torch;

    /// <summary>Micro-batches whose gradients are averaged into one optimiser step (per process, when data-parallel).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>The seed every dropout seed derives from (<see cref="DropoutSeeds"/>).</summary>
    public ulong Seed { get; init; } = 12345;

    /// <summary>Evaluate every this many steps (0: only at the end, if there is an evaluation source).</summary>
    public long EvaluateEvery { get; init; }

    /// <summary>Checkpoint every this many steps (0: only at the end), when <see cref="CheckpointDirectory"/> is set.</summary>
    public long CheckpointEvery { get; init; }

    /// <summary>Where checkpoints go; null: no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>How many of the newest checkpoints to keep.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>
    /// A classifier's label names in class-id order, or null. Given, every checkpoint's <c>model.safetensors</c> records
    /// them in its metadata as HuggingFace's <c>id2label</c> (what <c>SequenceClassificationJob</c> writes), so
    /// <c>bertgen classify -c</c> on it names the classes as this run did. One per output of the model's classifier.
    /// A data source that names its labels (<see cref="ITrainingBatchSource.LabelNames"/>: a fine-tuning data set does) must
    /// name them so, in this order, or the trainer refuses it; left null, the source's names are recorded when they name
    /// one class per output of the classifier.
    /// </summary>
    public IReadOnlyList<string>? LabelNames { get; init; }

    /// <summary>How the work is shared when the trainer is given a data-parallel group.</summary>
    public DataParallelSettings DataParallel { get; init; } = new();

    /// <summary>Throws <see cref="TrainingException"/> naming the first bad value.</summary>
    public void Validate()
    {
        // Each named, with what it takes: a list of five numbers left the reader to count which was wrong.
        (string Name, long Value, long Least, string Meaning)[] bounded =
        [
            (nameof(Steps), Steps, 1, "optimiser steps to take"),
            (nameof(AccumulationSteps), AccumulationSteps, 1, "micro-batches per step"),
            (nameof(EvaluateEvery), EvaluateEvery, 0, "steps between evaluations, 0 for none"),
            (nameof(CheckpointEvery), CheckpointEvery, 0, "steps between checkpoints, 0 for none"),
            (nameof(KeepCheckpoints), KeepCheckpoints, 1, "newest checkpoints kept"),
        ];
        foreach ((string name, long value, long least, string meaning) in bounded)
        {
            if (value < least)
            {
                throw new TrainingException(string.Create(CultureInfo.InvariantCulture, $"TrainerOptions.{name} is {value}: it takes {least} or more ({meaning})"));
            }
        }

        // Required, but null gets past 'required' (a null-forgiving caller, a program without nullable checks).
        if (Schedule is null || Optimizer is null || DataParallel is null)
        {
            throw new TrainingException($"TrainerOptions.{(Schedule is null ? nameof(Schedule) : Optimizer is null ? nameof(Optimizer) : nameof(DataParallel))} is null: a trainer needs one");
        }

        // Null is no checkpoints; an empty folder name was "The value cannot be an empty string. (Parameter 'root')".
        if (CheckpointDirectory is { } folder && string.IsNullOrWhiteSpace(folder))
        {
            throw new TrainingException($"TrainerOptions.{nameof(CheckpointDirectory)} is empty: give a folder for the checkpoints, or null for none");
        }

        Optimizer.Validate();
        DataParallel.Validate();
        if (LabelNames is not null)
        {
            // What a reader of the checkpoint accepts (CheckpointLabels): a name per class, none empty, none twice.
            if (CheckpointLabels.NamingProblem(LabelNames, noneIsAProblem: true) is string problem)
            {
                throw new TrainingException(problem);
            }
        }
    }
}
