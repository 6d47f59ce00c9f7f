using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>A batch array a training step pins for its kernels: C type, local name, <c>TrainingBatch</c> property.</summary>
internal sealed record PinnedArray(string Type, string Name, string Property);

/// <summary>
/// One training step: its ops (forward with dropout saving what the backward reads, the loss, the backward), the
/// batch arrays it reads, and the arena of saved activations, backward temporaries and GEMM packing scratch.
/// Nothing grows across steps.
/// </summary>
/// <param name="ClassLabels">The task's targets are class indices (else float targets): what the batch check expects.</param>
/// <param name="StepFlops">Matrix FLOPs of a step: the forward's GEMMs (MLM at the gathered rows) ×3 for dX and dW.</param>
internal sealed record TrainingPlan(
    ShapeVariant Shape,
    TrainingObjective Objective,
    bool ClassLabels,
    int MaxPredictions,
    ImmutableEquatableArray<PlannedOp> Ops,
    ImmutableEquatableArray<PinnedArray> Pinned,
    ImmutableEquatableArray<ArenaSlot> Buffers,
    long ArenaLength,
    AttentionPlan Attention,
    long StepFlops);
