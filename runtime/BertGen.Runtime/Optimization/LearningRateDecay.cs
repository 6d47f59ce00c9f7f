namespace BertGen.Runtime.Optimization;

/// <summary>How the linear decay after warmup is measured; the two BERT codebases differ.</summary>
public enum LearningRateDecay
{
    /// <summary>HuggingFace <c>get_linear_schedule_with_warmup</c>: lr·(T − t)/(T − W), over the steps left after warmup.</summary>
    HuggingFace,

    /// <summary>Original BERT's <c>polynomial_decay</c> over the whole horizon, lr·(1 − t/T); warmup overrides it for t &lt; W.</summary>
    OriginalBert,
}
