namespace BertGen.TorchOracle;

/// <summary>How the per-position masked-LM cross-entropies, weighted by <c>masked_lm_weights</c>, become one loss.</summary>
public enum MaskedLmNormalisation
{
    /// <summary>
    /// Original BERT (<c>run_pretraining.py</c>): Σ w·CE / (Σ w + 1e-5). The 1e-5 keeps an all-padding batch finite
    /// and makes the loss 1e-5/Σw relatively smaller than the plain weighted mean.
    /// </summary>
    OriginalBert,

    /// <summary>Σ w·CE / Σ w: with 0/1 weights this is HuggingFace's mean over positions whose label is not −100.</summary>
    WeightedMean,
}
