namespace BertGen.Text;

/// <summary>How masks are drawn: fixed at creation (Google's <c>dupe_factor</c> copies) or anew every epoch.</summary>
public enum MaskingMode
{
    /// <summary>Google's scheme: <c>DupeFactor</c> passes over the corpus, each with its own pairs and masks, fixed for all epochs.</summary>
    Static,

    /// <summary>Pairs made once (<c>DupeFactor</c> passes), masks drawn again each time an instance is batched (RoBERTa/HF style).</summary>
    Dynamic,
}

/// <summary>
/// The flags of Google's <c>create_pretraining_data.py</c>, with its defaults (max_seq_length 128,
/// max_predictions_per_seq 20, masked_lm_prob 0.15, short_seq_prob 0.1, dupe_factor 10, random_seed 12345).
/// </summary>
public sealed record PretrainingOptions
{
    public int MaxSeqLength { get; init; } = 128;
    public int MaxPredictionsPerSeq { get; init; } = 20;
    public double MaskedLmProb { get; init; } = 0.15;
    public double ShortSeqProb { get; init; } = 0.1;
    public int DupeFactor { get; init; } = 10;
    public bool WholeWordMask { get; init; }
    public MaskingMode Masking { get; init; } = MaskingMode.Static;
    public ulong Seed { get; init; } = 12345;

    /// <summary>Throws a <see cref="TextDataException"/> naming the first option that cannot work.</summary>
    public void Validate()
    {
        if (MaxSeqLength < 5)
        {
            throw new TextDataException($"MaxSeqLength {MaxSeqLength} is too small: [CLS] A [SEP] B [SEP] needs at least 5 positions.");
        }

        if (MaxPredictionsPerSeq < 1 || MaxPredictionsPerSeq > MaxSeqLength)
        {
            throw new TextDataException($"MaxPredictionsPerSeq {MaxPredictionsPerSeq} must be in [1, MaxSeqLength = {MaxSeqLength}].");
        }

        if (!(MaskedLmProb > 0 && MaskedLmProb < 1))
        {
            throw new TextDataException($"MaskedLmProb {MaskedLmProb} must be in (0, 1).");
        }

        if (!(ShortSeqProb >= 0 && ShortSeqProb <= 1))
        {
            throw new TextDataException($"ShortSeqProb {ShortSeqProb} must be in [0, 1].");
        }

        if (DupeFactor < 1)
        {
            throw new TextDataException($"DupeFactor {DupeFactor} must be at least 1.");
        }
    }
}
