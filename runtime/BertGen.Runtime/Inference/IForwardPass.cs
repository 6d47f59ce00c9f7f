using System;

namespace BertGen.Runtime.Inference;

/// <summary>
/// The compiled inference forward pass of one fixed (batch, sequence) shape. Inputs are row-major
/// <c>[Batch, Sequence]</c>; outputs are views into the pass's arena, valid until the next <see cref="Run"/>.
/// </summary>
public interface IForwardPass : IDisposable
{
    int Batch { get; }

    int Sequence { get; }

    /// <summary>Runs the model. Attention mask entries are 1 (attend) or 0 (padding).</summary>
    /// <exception cref="BertInputException">A length, token id, segment id or mask value is out of range.</exception>
    void Run(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds);

    /// <summary><c>[Batch, Sequence, Hidden]</c>.</summary>
    ReadOnlySpan<float> LastHiddenState { get; }

    /// <summary><c>[Batch, Hidden]</c>: tanh(dense([CLS])); empty when the model has no pooler.</summary>
    ReadOnlySpan<float> PooledOutput { get; }

    /// <summary><c>[Batch, Sequence, Vocab]</c> masked-LM logits at every position; empty without an MLM head.</summary>
    ReadOnlySpan<float> MaskedLmLogits { get; }

    /// <summary><c>[Batch, 2]</c> next-sentence logits (0 = B follows A); empty without the pretraining head.</summary>
    ReadOnlySpan<float> NextSentenceLogits { get; }

    /// <summary><c>[Batch, Labels]</c>; empty without a sequence classifier.</summary>
    ReadOnlySpan<float> SequenceLogits { get; }

    /// <summary><c>[Batch, Sequence, Labels]</c>; empty without a token classifier.</summary>
    ReadOnlySpan<float> TokenLogits { get; }

    /// <summary><c>[Batch, Sequence, 2]</c> start and end logits; empty without a QA head.</summary>
    ReadOnlySpan<float> QuestionAnsweringLogits { get; }
}
