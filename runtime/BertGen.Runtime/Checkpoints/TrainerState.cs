using System;
using System.Collections.Generic;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// Everything besides tensors that an exact resume needs, plus what a load checks compatibility with. The learning
/// rate schedule is a pure function of <see cref="Step"/> and dropout seeds a pure function of (<see cref="RunSeed"/>,
/// step, micro-batch), so those two numbers are their whole position; the data stream's position is opaque bytes
/// its source wrote.
/// </summary>
internal sealed record TrainerState
{
    /// <summary>The generated model type's name (<see cref="Inference.IBertModel.Name"/>).</summary>
    public required string ModelName { get; init; }

    /// <summary>Σ of the table's tensor lengths.</summary>
    public required long ParameterCount { get; init; }

    /// <summary>Optimiser steps completed.</summary>
    public required long Step { get; init; }

    /// <summary>The training data's epoch at the checkpoint (for display; the data state is authoritative).</summary>
    public required int Epoch { get; init; }

    /// <summary>The seed every dropout seed is derived from.</summary>
    public required ulong RunSeed { get; init; }

    /// <summary>The learning rate of the last step taken.</summary>
    public required double LearningRate { get; init; }

    public required AdamWFlavor OptimizerFlavor { get; init; }

    /// <summary>The optimiser's own step count (equals <see cref="Step"/> for runs started by this trainer).</summary>
    public required long OptimizerStepCount { get; init; }

    /// <summary>
    /// The learning-rate schedule the run was started with, so a resume can keep it (or say how it changes); null in
    /// checkpoints written before it was recorded.
    /// </summary>
    public LinearWarmupDecaySchedule? Schedule { get; init; }

    /// <summary>Processes that trained together (data-parallel world size); 1 for a single process.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Micro-batches each process accumulated per optimiser step.</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Sequences per micro-batch (0 where a checkpoint predates the field).</summary>
    public int MicroBatchSize { get; init; }

    /// <summary>Tokens per sequence of the micro-batches (0 where a checkpoint predates the field).</summary>
    public int SequenceLength { get; init; }

    /// <summary>The training batch source's saved position.</summary>
    public required byte[] DataState { get; init; }

    /// <summary>The tensor files, with lengths and hashes; filled in by <see cref="CheckpointStore"/> as it writes.</summary>
    public IReadOnlyList<CheckpointFile> Files { get; init; } = Array.Empty<CheckpointFile>();
}
