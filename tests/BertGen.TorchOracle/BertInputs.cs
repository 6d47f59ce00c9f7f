namespace BertGen.TorchOracle;

/// <summary>
/// One batch, flattened row-major. <c>B</c> = <see cref="BatchSize"/>, <c>S</c> = <see cref="SequenceLength"/>,
/// <c>P</c> = masked-LM predictions per sequence. Only the labels of the configured head are read; the others
/// must be left null so that a mix-up is reported rather than ignored.
/// </summary>
public sealed record BertInputs
{
    public required int BatchSize { get; init; }

    public required int SequenceLength { get; init; }

    /// <summary>[B, S] token ids.</summary>
    public required int[] InputIds { get; init; }

    /// <summary>[B, S]: 1 for real tokens, 0 for padding (masked as attention keys). Null means all ones.</summary>
    public int[]? AttentionMask { get; init; }

    /// <summary>[B, S] segment ids. Null means all zeros.</summary>
    public int[]? TokenTypeIds { get; init; }

    /// <summary>Pretraining: [B, P] positions whose tokens the MLM head predicts.</summary>
    public int[]? MaskedLmPositions { get; init; }

    /// <summary>Pretraining: [B, P] the original token ids at those positions.</summary>
    public int[]? MaskedLmIds { get; init; }

    /// <summary>Pretraining: [B, P] 1.0 for a real prediction, 0.0 for padding. Null means all ones.</summary>
    public float[]? MaskedLmWeights { get; init; }

    /// <summary>Pretraining: [B] 0 when B follows A, 1 when B is random.</summary>
    public int[]? NextSentenceLabels { get; init; }

    /// <summary>Sequence classification, single label: [B] class indices.</summary>
    public int[]? ClassLabels { get; init; }

    /// <summary>Sequence classification, multi-label (0/1 targets) or regression: [B, num_labels].</summary>
    public float[]? TargetValues { get; init; }

    /// <summary>Token classification: [B, S] class indices, −100 for positions that do not count.</summary>
    public int[]? TokenLabels { get; init; }

    /// <summary>Question answering: [B] start token index of the answer.</summary>
    public int[]? StartPositions { get; init; }

    /// <summary>Question answering: [B] end token index of the answer.</summary>
    public int[]? EndPositions { get; init; }

    /// <summary>Masked-LM predictions per sequence, P.</summary>
    public int PredictionsPerSequence => MaskedLmPositions is null ? 0 : MaskedLmPositions.Length / BatchSize;
}
