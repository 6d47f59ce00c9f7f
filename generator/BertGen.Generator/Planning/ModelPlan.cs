using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Everything the emitter needs, decided at build time from a spec: the parameter layout and, per fixed
/// shape, the ops with their shapes and costs and the activation arena. Value-equal like the spec.
/// </summary>
internal sealed record ModelPlan(
    ModelSpec Spec,
    ImmutableEquatableArray<ParameterSlot> Parameters,
    long ParameterCount,
    long ParameterBufferLength,
    ImmutableEquatableArray<PackedLinear> PackedLinears,
    long PackedWeightLength,
    ImmutableEquatableArray<VariantPlan> Variants,
    ImmutableEquatableArray<TrainingPlan> Training)
{
    public PackedLinear Linear(string key) => PackedLinears.Find(linear => linear.Key == key, "No packed linear layer " + key);

    public ParameterSlot Parameter(string name) => Parameters.Find(slot => slot.Name == name, "No parameter " + name);
}

/// <summary>The plan of one fixed (batch, sequence) shape.</summary>
internal sealed record VariantPlan(
    ShapeVariant Shape,
    ImmutableEquatableArray<PlannedOp> Ops,
    ImmutableEquatableArray<ArenaSlot> Buffers,
    long ArenaLength,
    int AttentionParts)
{
    public ArenaSlot Buffer(string name) => Buffers.Find(slot => slot.Name == name, "No arena buffer " + name);

    public bool HasBuffer(string name) => Buffers.Any(slot => slot.Name == name);

    public long ForwardFlops => Ops.Sum(op => op.Flops);
}

/// <summary>
/// One step of the forward pass: what it computes (for the comment above its emitted block), which arena
/// buffers it reads and writes, and its floating-point operation count (multiply and add counted apart).
/// </summary>
internal sealed record PlannedOp(string Kind, string Description, ImmutableEquatableArray<string> Reads, ImmutableEquatableArray<string> Writes, long Flops);

/// <summary>An activation buffer placed in the arena: name, float offset (64-byte aligned), length, shape text.</summary>
internal sealed record ArenaSlot(string Name, long Offset, long Length, string Shape);
