using System;
using System.Collections.Generic;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Everything the generator decided about one model, readable without allocating it: the architecture,
/// the parameter and packed-weight sizes, and per compiled shape its cost and memory plan. Tools
/// (<c>bertgen inspect</c>) print it; <see cref="Create"/> builds the model.
/// </summary>
public sealed record ModelDescriptor(
    string Name,
    string SpecFile,
    int VocabSize,
    int HiddenSize,
    int Layers,
    int AttentionHeads,
    int IntermediateSize,
    string Activation,
    int MaxPositions,
    int TypeVocabSize,
    IReadOnlyList<string> Heads,
    IReadOnlyList<string> Labels,
    bool SupportsTraining,
    long ParameterCount,
    long ParameterBufferLength,
    long PackedWeightLength,
    IReadOnlyList<ShapeDescriptor> Shapes,
    Func<ComputePool?, IBertModel> Create)
{
    /// <summary>The epsilon every LayerNorm of the model adds: HF <c>layer_norm_eps</c> as a float, as the kernels use it.</summary>
    public required float LayerNormEpsilon { get; init; }

    /// <summary>HF <c>num_labels</c>: outputs of the sequence and token classifiers.</summary>
    public int LabelCount => Labels.Count;

    /// <summary>
    /// HF <c>problem_type</c> of sequence classification: <c>"single_label_classification"</c> (targets are class
    /// indices in <see cref="TrainingBatch.ClassLabels"/>), <c>"multi_label_classification"</c> or <c>"regression"</c>
    /// (float targets in <see cref="TrainingBatch.Targets"/>), as the spec gives or HF infers it.
    /// </summary>
    public required string ProblemType { get; init; }

    /// <summary>
    /// Whether the spec's config names <c>problem_type</c>; false when <see cref="ProblemType"/> was inferred from
    /// <c>num_labels</c>, as HF's training infers it. HF's text-classification pipeline scores by a named one only: a one-label
    /// classifier that names none trains as regression (MSE) but is scored by a sigmoid (a cross-encoder's score), one that
    /// names <c>"regression"</c> by its raw output.
    /// </summary>
    public required bool ProblemTypeGiven { get; init; }

    /// <summary><c>bertgen.max_predictions_per_seq</c>: masked positions a pretraining or masked-LM batch gives per sequence.</summary>
    public required int MaxPredictionsPerSequence { get; init; }

    /// <summary>What the model's training steps optimise (so which targets a batch needs), or null when it does not train.</summary>
    public required TrainingObjective? Objective { get; init; }

    /// <summary>The precisions its forward passes are compiled in (<c>bertgen.precisions</c>), fp32 first.</summary>
    public IReadOnlyList<Precision> Precisions { get; init; } = [Precision.Fp32];

    /// <summary>Bytes of the int8 weights (panels, column sums, scales and fp32 biases of every linear layer); 0 without int8.</summary>
    public long Int8WeightBytes { get; init; }
}

/// <summary>
/// One compiled (batch, sequence) shape: its forward cost, arena (the activation memory a pass holds; with a per-thread
/// schedule, the larger of the op-by-op arena and the outputs plus the threads' own arenas) and op list, and — when the
/// spec trains — the training step's matrix FLOPs (forward with the MLM head at the gathered positions, ×3 for the two
/// backward GEMMs of each forward GEMM) and its saved-activation arena; both 0 for an inference-only model.
/// </summary>
public sealed record ShapeDescriptor(
    int Batch,
    int Sequence,
    long ForwardFlops,
    long ArenaLength,
    IReadOnlyList<string> ForwardOps,
    IReadOnlyList<ArenaBuffer> Buffers,
    long TrainingStepFlops,
    long TrainingArenaLength)
{
    /// <summary>
    /// The pool size this shape's forward passes are scheduled for (the spec's <c>bertgen.threads</c>, when it divides the
    /// batch): on a pool of that many threads each runs batch ÷ that many sequences through the whole pass; 0 when none
    /// is planned, and on any other pool, where the ops run one by one, each split over the pool.
    /// </summary>
    public int PlannedThreads { get; init; }
}

