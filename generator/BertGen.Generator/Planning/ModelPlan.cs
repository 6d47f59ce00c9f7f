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
    public PackedLinear Linear(string key)
    {
        foreach (PackedLinear linear in PackedLinears)
        {
            if (linear.Key == key)
            {
                return linear;
            }
        }

        throw new System.InvalidOperationException("No packed linear layer " + key);
    }

    public ParameterSlot Parameter(string name)
    {
        foreach (ParameterSlot slot in Parameters)
        {
            if (slot.Name == name)
            {
                return slot;
            }
        }

        throw new System.InvalidOperationException("No parameter " + name);
    }
}

/// <summary>The plan of one fixed (batch, sequence) shape.</summary>
internal sealed record VariantPlan(
    ShapeVariant Shape,
    ImmutableEquatableArray<PlannedOp> Ops,
    ImmutableEquatableArray<ArenaSlot> Buffers,
    long ArenaLength,
    int AttentionParts)
{
    public ArenaSlot Buffer(string name)
    {
        foreach (ArenaSlot slot in Buffers)
        {
            if (slot.Name == name)
            {
                return slot;
            }
        }

        throw new System.InvalidOperationException("No arena buffer " + name);
    }

    public bool HasBuffer(string name)
    {
        foreach (ArenaSlot slot in Buffers)
        {
            if (slot.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    public long ForwardFlops
    {
        get
        {
            long total = 0;
            foreach (PlannedOp op in Ops)
            {
                total += op.Flops;
            }

            return total;
        }
    }
}

/// <summary>
/// One step of the forward pass: what it computes (for the comment above its emitted block), which arena
/// buffers it reads and writes, and its floating-point operation count (multiply and add counted apart).
/// </summary>
internal sealed record PlannedOp(string Kind, string Description, ImmutableEquatableArray<string> Reads, ImmutableEquatableArray<string> Writes, long Flops);

/// <summary>An activation buffer placed in the arena: name, float offset (64-byte aligned), length, shape text.</summary>
internal sealed record ArenaSlot(string Name, long Offset, long Length, string Shape);
