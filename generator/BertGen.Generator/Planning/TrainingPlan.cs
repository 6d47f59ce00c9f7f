using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// The saved-activation arena of one training step: every activation the backward reads, the backward's
/// gradient temporaries, and the GEMM packing scratch. Nothing grows across steps.
/// </summary>
internal sealed record TrainingPlan(
    ShapeVariant Shape,
    TrainingObjective Objective,
    int MaxPredictions,
    ImmutableEquatableArray<ArenaSlot> Buffers,
    long ArenaLength,
    long PackScratchLength,
    int AttentionParts,
    long AttentionPartLength,
    long StepFlops)
{
    public long Offset(string name) => Buffers.Find(slot => slot.Name == name, "No training buffer " + name).Offset;
}
