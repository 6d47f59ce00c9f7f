using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>
/// One layer's self-attention on the runtime's fused kernels (<see cref="AttentionPlan"/>): forward, context =
/// dropout(softmax(q·kᵀ/√d + mask))·v; or, with <paramref name="Backward"/>, d_qkv from d_context. A training step's
/// forward saves each query row's max and 1/Σ and the exponentials in <paramref name="Saved"/>, which its backward
/// reads; <paramref name="Site"/> is the attention dropout's site. Inference has neither (both null).
/// </summary>
internal sealed record AttentionOp(
    string? Description,
    bool Backward,
    Operand Qkv,
    Operand? Saved,
    Operand? Context,
    Operand? DContext,
    Operand? DQkv,
    Operand MaskBias,
    Operand Scratch,
    int? Site) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Qkv, Saved, Context, DContext, DQkv, MaskBias, Scratch };
}

/// <summary>
/// How a shape's attention runs on the runtime's fused kernels: work items split into up to <paramref name="Parts"/>
/// parts, each with <paramref name="PartLength"/> floats of scratch; a training step also saves, per layer,
/// <see cref="SavedLength"/> floats for the backward (row statistics, then the exponentials).
/// </summary>
internal sealed record AttentionPlan(int Batch, int Heads, int Sequence, int HeadSize, int Hidden, int Parts, long PartLength, bool Training)
{
    /// <summary>Each query row's score max and 1/Σ: 2 · batch · heads · sequence floats.</summary>
    public long StatisticsLength => RuntimeContract.AttentionStatisticsLength(Batch, Heads, Sequence);

    /// <summary>Where the saved exponentials start in a layer's saved buffer (cache-line aligned).</summary>
    public long ExponentialsOffset => Alignment.Align(StatisticsLength);

    /// <summary>Floats a training step saves per layer for the attention backward.</summary>
    public long SavedLength => ExponentialsOffset + RuntimeContract.AttentionExponentialsLength(Batch, Heads, Sequence);
}
