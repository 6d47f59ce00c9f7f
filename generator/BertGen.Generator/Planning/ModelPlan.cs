using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Everything the emitters need, decided at build time from a spec: the parameter layout, the packed weights and,
/// per fixed shape, the forward pass's ops and arena (and, when training, the training step's). Value-equal like
/// the spec: the pipeline compares it to skip re-emitting.
/// </summary>
/// <param name="LayerStarts">
/// Where each encoder layer's parameters begin in the parameter buffer, then where the last one's end (aligned):
/// L + 1 offsets, the boundaries a training step reports gradients final at.
/// </param>
/// <param name="QuantizedWeightLength">Floats of the int8 weights' buffer (panels read as bytes, fp32 biases); 0 without int8.</param>
/// <param name="Int8Variants">Per shape, the int8 forward pass, in the order of <paramref name="Variants"/>; empty without int8.</param>
internal sealed record ModelPlan(
    ModelSpec Spec,
    ImmutableEquatableArray<ParameterSlot> Parameters,
    long ParameterCount,
    long ParameterBufferLength,
    ImmutableEquatableArray<long> LayerStarts,
    ImmutableEquatableArray<PackedLinear> PackedLinears,
    long PackedWeightLength,
    ImmutableEquatableArray<VariantPlan> Variants,
    ImmutableEquatableArray<TrainingPlan> Training,
    long QuantizedWeightLength,
    ImmutableEquatableArray<VariantPlan> Int8Variants)
{
    /// <summary>Every forward pass: the fp32 ones, then the int8 ones.</summary>
    public System.Collections.Generic.IEnumerable<VariantPlan> AllVariants => Variants.Concat(Int8Variants);

    public ParameterSlot Parameter(string name) => Parameters.Find(slot => slot.Name == name, "No parameter " + name);
}

/// <summary>The plan of one fixed (batch, sequence) shape's forward pass in one precision.</summary>
/// <param name="Outputs">The forward pass's output spans that this model has (the others read as empty).</param>
/// <param name="PerThread">
/// The per-thread schedule, when the spec plans one for this shape (<see cref="ModelSpec.SplitsBySequence"/>): else null.
/// </param>
internal sealed record VariantPlan(
    ShapeVariant Shape,
    Precision Precision,
    ImmutableEquatableArray<PlannedOp> Ops,
    ImmutableEquatableArray<ArenaSlot> Buffers,
    long ArenaLength,
    AttentionPlan Attention,
    ImmutableEquatableArray<ForwardOutput> Outputs,
    SequenceSplit? PerThread = null)
{
    public long ForwardFlops => Ops.Sum(op => op.Flops);
}

/// <summary>
/// A forward pass run as <paramref name="Threads"/> independent shares, one per thread of the pool: thread t takes
/// sequences [t·b, (t + 1)·b) of the batch, b = <c>Share.Shape.Batch</c>, through every op with no pool (so no hand-off
/// between ops and no activation crossing cores), in its own arena, writing its rows of the outputs in place. Every
/// op works row by row or sequence by sequence, so the results are bitwise those of the op-by-op pass.
/// </summary>
/// <param name="Share">One thread's forward: the shape b × sequence, its outputs <see cref="OperandBase.Local"/> pointers
/// (<see cref="RowsPointer"/>) into the whole pass's output buffers.</param>
internal sealed record SequenceSplit(int Threads, VariantPlan Share)
{
    /// <summary>The local pointer a share writes an output buffer's rows through, e.g. <c>hiddenRows</c>.</summary>
    public static string RowsPointer(string buffer)
    {
        string[] parts = buffer.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1))) + "Rows";
    }
}

/// <summary>One output of <c>IForwardPass</c>: the property, the arena buffer behind it and its length in floats.</summary>
internal sealed record ForwardOutput(string Property, string Buffer, long Length);

/// <summary>An activation buffer placed in an arena: name, float offset (cache-line aligned), length, shape text.</summary>
internal sealed record ArenaSlot(string Name, long Offset, long Length, string Shape);
