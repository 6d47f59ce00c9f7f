using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Planning;

/// <summary>
/// One step of a planned forward pass or training step, as a typed value carrying everything its emitted call
/// needs: operands, sizes, the linear layer, the split decision, and the description written above it (and, for
/// the forward pass, listed in <c>ForwardOps</c>). The planners make every decision; the emitters loop over the
/// ops and print each one — an op type an emitter does not know is a bug that throws.
/// </summary>
/// <param name="Description">What it computes, with shapes; null for an op that continues the one above it.</param>
internal abstract record PlannedOp(string? Description) : IEquatable<PlannedOp>
{
    /// <summary>Floating-point operations (multiply and add counted apart) of a forward op; 0 for training ops.</summary>
    public long Flops { get; init; }

    /// <summary>Every pointer it reads or writes (arena lifetimes are planned from the arena ones).</summary>
    public abstract IEnumerable<Operand?> Operands { get; }

    /// <summary>The arena buffers it touches.</summary>
    public IEnumerable<string> ArenaBuffers => Operands.Select(o => o?.ArenaBuffer).Where(b => b is not null).Select(b => b!);
}
