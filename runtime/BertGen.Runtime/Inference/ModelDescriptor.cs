using System;
using System.Collections.Generic;
using BertGen.Runtime.Threading;

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
    Func<ComputePool?, IBertModel> Create);

/// <summary>
/// One compiled (batch, sequence) shape: its forward cost, arena and op list, and — when the spec trains — the
/// training step's matrix FLOPs (forward with the MLM head at the gathered positions, ×3 for the two backward
/// GEMMs of each forward GEMM) and its saved-activation arena; both 0 for an inference-only model.
/// </summary>
public sealed record ShapeDescriptor(
    int Batch,
    int Sequence,
    long ForwardFlops,
    long ArenaLength,
    IReadOnlyList<string> ForwardOps,
    IReadOnlyList<ArenaBuffer> Buffers,
    long TrainingStepFlops,
    long TrainingArenaLength);

/// <summary>One activation buffer of an arena plan (offsets and lengths in floats).</summary>
public sealed record ArenaBuffer(string Name, string Shape, long Offset, long Length);
