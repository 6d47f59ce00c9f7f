namespace BertGen.Text;

/// <summary>
/// Which end of an over-long text loses its WordPieces, as HuggingFace tokenizers' <c>truncation_side</c> and text-embeddings-inference's
/// <c>truncation_direction</c> name it.
/// </summary>
public enum TruncationSide
{
    /// <summary>Keep the text's start, drop WordPieces from its end (BERT's and HuggingFace's default).</summary>
    Right,

    /// <summary>Keep the text's end, drop WordPieces from its start.</summary>
    Left,
}
