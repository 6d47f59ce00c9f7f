using System;

namespace BertGen.Runtime.Inference;

/// <summary>One tokenised text (or pair): ids including [CLS]/[SEP], and segment ids of the same length.</summary>
public sealed record TokenizedInput(int[] InputIds, int[] TokenTypeIds)
{
    public int[] InputIds { get; init; } = InputIds ?? throw new ArgumentNullException(nameof(InputIds));

    public int[] TokenTypeIds { get; init; } = TokenTypeIds ?? throw new ArgumentNullException(nameof(TokenTypeIds));

    public int Length => InputIds.Length;

    public static TokenizedInput Single(int[] inputIds) => new(inputIds, new int[(inputIds ?? throw new ArgumentNullException(nameof(inputIds))).Length]);

    public void Validate()
    {
        if (InputIds.Length == 0)
        {
            throw new BertInputException("An input has no tokens.");
        }

        if (TokenTypeIds.Length != InputIds.Length)
        {
            throw new BertInputException($"An input has {InputIds.Length} token ids but {TokenTypeIds.Length} token type ids.");
        }
    }
}
