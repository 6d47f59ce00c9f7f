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
    /// <summary>Tokens per instance, special tokens included (<c>max_seq_length</c>): the sequence of the model's compiled
    /// training shape the batches go to.</summary>
    public int MaxSeqLength { get; init; } = 128;
    /// <summary>Masked positions gathered per instance (<c>max_predictions_per_seq</c>): must be the spec's
    /// <c>bertgen.max_predictions_per_seq</c> (default 20 in both), the width the training step was compiled for.</summary>
    public int MaxPredictionsPerSeq { get; init; } = 20;
    /// <summary>Share of an instance's word pieces masked for prediction (<c>masked_lm_prob</c>), capped at
    /// <see cref="MaxPredictionsPerSeq"/>.</summary>
    public double MaskedLmProb { get; init; } = 0.15;
    /// <summary>Chance, drawn per document and pass, that its instances aim at a random length shorter than
    /// <see cref="MaxSeqLength"/> (<c>short_seq_prob</c>), so the model also sees short inputs.</summary>
    public double ShortSeqProb { get; init; } = 0.1;
    /// <summary>Passes over the corpus when the instances are made (<c>dupe_factor</c>), each with its own sentence pairs
    /// (and, with <see cref="MaskingMode.Static"/>, its own masks).</summary>
    public int DupeFactor { get; init; } = 10;
    /// <summary>Mask whole words: a word's <c>##</c> pieces are masked with it (<c>do_whole_word_mask</c>).</summary>
    public bool WholeWordMask { get; init; }
    /// <summary>Masks fixed when the instances are made (Google's) or drawn again every epoch.</summary>
    public MaskingMode Masking { get; init; } = MaskingMode.Static;
    /// <summary>Seed of the pairs and masks (<c>random_seed</c>); the generator is xoshiro256**, not Python's.</summary>
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
