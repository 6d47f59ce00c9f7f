using System;
using System.ComponentModel;
using BertGen.Runtime.Inference;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Checks a forward pass's inputs before any kernel reads them: an out-of-range id would otherwise read
/// outside an embedding table, a silent wrong answer at best.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class InputValidation
{
    public static void Check(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds,
        int tokens, int vocabSize, int typeVocabSize)
    {
        CheckLength(inputIds, tokens, "input ids");
        CheckLength(attentionMask, tokens, "attention mask");
        CheckLength(tokenTypeIds, tokens, "token type ids");
        for (int t = 0; t < tokens; t++)
        {
            if ((uint)inputIds[t] >= (uint)vocabSize)
            {
                throw new BertInputException(
                    $"Token id {inputIds[t]} at position {t} is outside the vocabulary [0, {vocabSize}) the model was compiled for (its spec's vocab_size): tokenise with a vocabulary of {vocabSize} entries.");
            }

            if ((uint)tokenTypeIds[t] >= (uint)typeVocabSize)
            {
                throw new BertInputException($"Token type id {tokenTypeIds[t]} at position {t} is outside [0, {typeVocabSize}).");
            }

            if ((uint)attentionMask[t] > 1)
            {
                throw new BertInputException($"Attention mask value {attentionMask[t]} at position {t} is not 0 or 1.");
            }
        }
    }

    private static void CheckLength(ReadOnlySpan<int> values, int tokens, string what)
    {
        if (values.Length != tokens)
        {
            throw new BertInputException($"Expected {tokens} {what} (batch × sequence), got {values.Length}.");
        }
    }
}
