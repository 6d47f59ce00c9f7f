using System.Collections.Generic;

namespace BertGen.Runtime.Inference;

/// <summary>
/// One forward pass of a <see cref="BatchRunner"/> plan: a compiled (batch, sequence) shape and the inputs it runs,
/// by index, one per row from row 0; rows past <see cref="Members"/> are padding.
/// </summary>
internal sealed record PlannedPass(int Batch, int Sequence, IReadOnlyList<int> Members)
{
    /// <summary>The positions the pass computes, padding included: what it costs.</summary>
    public int Tokens => Batch * Sequence;
}
