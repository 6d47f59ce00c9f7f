namespace BertGen.Runtime.Optimization;

/// <summary>Which of the two AdamW variants BERT has been trained with an <see cref="AdamW"/> follows.</summary>
public enum AdamWFlavor
{
    /// <summary>
    /// <c>torch.optim.AdamW</c> (what HuggingFace's Trainer uses): bias-corrected moments, eps 1e-8 by default,
    /// decoupled decay p ← p·(1 − lr·wd) before the Adam update, gradients clipped like <c>clip_grad_norm_</c>.
    /// </summary>
    Torch,

    /// <summary>
    /// Original BERT's <c>AdamWeightDecayOptimizer</c> (google-research/bert <c>optimization.py</c>): no bias
    /// correction, eps 1e-6, the decay added to the update u = m/(√v + eps) + wd·p, p ← p − lr·u, gradients
    /// clipped like <c>tf.clip_by_global_norm</c>.
    /// </summary>
    OriginalBert,
}
