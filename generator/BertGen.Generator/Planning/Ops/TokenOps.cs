using System.Collections.Generic;

namespace BertGen.Generator.Planning;

/// <summary>Attention mask [B,S] → additive key bias: 0 where attended, float.MinValue where padded (HF's finfo.min).</summary>
internal sealed record MaskBiasOp(string? Description, Operand Output, int Tokens) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Output };
}

/// <summary>
/// output[t] = word[ids[t]] + position[t mod S] + token_type[types[t]] for every token. With
/// <paramref name="LayerNormModule"/> (inference passes) each row is also normalised by that LayerNorm as soon as it is
/// summed, the tokens split over the pool; and there the word rows come from the local pointer <paramref name="WordRows"/>
/// when set (an int8 pass: the model may read its word embeddings in place from an int8 weights file). Without it (the
/// training forward) the word rows come from the parameters.
/// </summary>
internal sealed record EmbeddingSumOp(string? Description, Operand Output, int Tokens, int Sequence, int Width, string Word, string Position, string TokenType, string? WordRows = null,
    string? LayerNormModule = null)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Output };
}

/// <summary>Backward of <see cref="EmbeddingSumOp"/>: each token's gradient row added into its three tables' rows, in token order.</summary>
internal sealed record EmbeddingBackwardOp(string? Description, Operand Dy, int Tokens, int Sequence, int Width, string Word, string Position, string TokenType)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Dy };
}

/// <summary>
/// The rows of the masked-LM head: <c>rows[r] = r / P · S + positions[r]</c> for the gathered positions, P per
/// sequence (kept in the arena as ints, so no batch size can overflow the stack).
/// </summary>
internal sealed record MaskedRowsOp(string? Description, Operand Rows, int Count, int PerSequence, int Sequence) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Rows };
}

/// <summary>dst[r] = src[rows[r]] (gather) or dst[rows[r]] += src[r] (scatter-add, in row order), rows of <paramref name="Width"/>.</summary>
internal sealed record RowsOp(string? Description, bool Scatter, Operand Source, Operand Rows, int Count, int Width, Operand Destination)
    : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Source, Rows, Destination };
}

/// <summary>Question answering's [T,2] logits split into start and end logits [B,S] each, or (<paramref name="Join"/>) back.</summary>
internal sealed record QaLogitsOp(string? Description, bool Join, Operand Logits, Operand Start, Operand End, int Tokens) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Logits, Start, End };
}
