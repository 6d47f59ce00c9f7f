using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>
/// One layer's self-attention over every (batch, head) pair, split into the plan's attention parts over the pool
/// (<see cref="AttentionPlan"/>): forward, probs = softmax(q·kᵀ/√d + mask) and context = dropout(probs)·v; or,
/// with <paramref name="Backward"/>, d_qkv from d_context through the saved probabilities. <paramref name="Site"/> is
/// the attention dropout's site, null where there is none (inference, where the runtime's fused kernel runs and
/// <paramref name="Probabilities"/> is null: no score buffer exists).
/// </summary>
internal sealed record AttentionOp(
    string? Description,
    bool Backward,
    Operand Qkv,
    Operand? Probabilities,
    Operand? Context,
    Operand? DContext,
    Operand? DQkv,
    Operand MaskBias,
    Operand Scratch,
    int? Site) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Qkv, Probabilities, Context, DContext, DQkv, MaskBias, Scratch };
}

/// <summary>
/// How a shape's attention is split and what each part needs: (batch, head) pairs split into up to
/// <paramref name="Parts"/> parts, each with <paramref name="PartLength"/> floats of scratch — K/V packing
/// (<paramref name="PackLength"/>) and, when training, the dropped probabilities and their gradient [S,S].
/// </summary>
internal sealed record AttentionPlan(int Batch, int Heads, int Sequence, int HeadSize, int Hidden, int Parts, long PackLength, long PartLength, bool Training)
{
    /// <summary>(batch, head) pairs.</summary>
    public long Items => (long)Batch * Heads;

    /// <summary>Floats of one [S,S] probability matrix, cache-line aligned.</summary>
    public long Square => Alignment.Align((long)Sequence * Sequence);

    /// <summary>1/√d_head, the scores' scale.</summary>
    public double Scale => 1.0 / System.Math.Sqrt(HeadSize);
}
