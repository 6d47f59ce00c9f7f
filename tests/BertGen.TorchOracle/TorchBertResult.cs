using System.Collections.Generic;

namespace BertGen.TorchOracle;

/// <summary>
/// What one forward and backward pass produced. Arrays are row-major with the shapes given; a head's arrays are
/// null when that head is not configured. Gradients are of <see cref="Loss"/> and keyed by HuggingFace name.
/// </summary>
public sealed class TorchBertResult
{
    /// <summary>The loss that was differentiated: MLM + NSP for pretraining, the head's loss otherwise; NaN for no head.</summary>
    public required double Loss { get; init; }

    public double? MaskedLmLoss { get; init; }

    public double? NextSentenceLoss { get; init; }

    /// <summary>[B, S, H] the last encoder layer's output.</summary>
    public required float[] SequenceOutput { get; init; }

    /// <summary>[B, H] tanh(dense([CLS])).</summary>
    public required float[] PooledOutput { get; init; }

    /// <summary>Pretraining: [B·P, vocab] logits at the gathered positions.</summary>
    public float[]? MaskedLmLogits { get; init; }

    /// <summary>Pretraining: [B, 2].</summary>
    public float[]? NextSentenceLogits { get; init; }

    /// <summary>Sequence classification [B, num_labels] or token classification [B, S, num_labels].</summary>
    public float[]? ClassifierLogits { get; init; }

    /// <summary>Question answering: [B, S].</summary>
    public float[]? StartLogits { get; init; }

    /// <summary>Question answering: [B, S].</summary>
    public float[]? EndLogits { get; init; }

    /// <summary>d Loss / d parameter for every parameter (empty for <see cref="BertHead.None"/>).</summary>
    public required IReadOnlyDictionary<string, float[]> Gradients { get; init; }
}
