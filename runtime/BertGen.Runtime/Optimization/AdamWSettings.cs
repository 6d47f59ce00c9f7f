using System;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// Hyper-parameters of an <see cref="AdamW"/>. Start from <see cref="Torch"/> or <see cref="OriginalBert"/>, which
/// carry each codebase's defaults (eps and clipping rule differ), and override with <c>with</c>.
/// Weight decay applies only to tensors whose <see cref="ParameterInfo.DecaysWeight"/> is set.
/// </summary>
public sealed record AdamWSettings
{
    public AdamWFlavor Flavor { get; init; } = AdamWFlavor.Torch;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    public double Epsilon { get; init; } = 1e-8;

    public double WeightDecay { get; init; } = 0.01;

    /// <summary>
    /// Global gradient-norm bound; 0 turns clipping off. Both BERT codebases use 1.0 (HuggingFace's Trainer through
    /// <c>max_grad_norm</c>, not <c>torch.optim.AdamW</c>, which has no clipping of its own).
    /// </summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    public GradientClippingRule ClippingRule { get; init; } = GradientClippingRule.TorchClipGradNorm;

    /// <summary>
    /// torch AdamW as HuggingFace's Trainer runs it: eps 1e-8, weight decay 0.01, and gradients clipped with
    /// <c>clip_grad_norm_</c> at 1.0. <c>torch.optim.AdamW</c> itself does not clip: the 1.0 is the Trainer's
    /// <c>max_grad_norm</c> default, kept here because every BERT recipe clips at 1.0 (original BERT too). For
    /// <c>torch.optim.AdamW</c> alone, use <c>AdamWSettings.Torch with { MaxGradientNorm = 0 }</c>.
    /// </summary>
    public static AdamWSettings Torch { get; } = new();

    /// <summary>Original BERT: eps 1e-6, weight decay 0.01, <c>tf.clip_by_global_norm</c> at 1.0.</summary>
    public static AdamWSettings OriginalBert { get; } = new()
    {
        Flavor = AdamWFlavor.OriginalBert,
        Epsilon = 1e-6,
        ClippingRule = GradientClippingRule.TensorFlowClipByGlobalNorm,
    };

    /// <summary>Throws <see cref="OptimizationException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Flavor) || !Enum.IsDefined(ClippingRule))
        {
            throw new OptimizationException($"AdamW flavour {Flavor} / clipping rule {ClippingRule} is not defined");
        }

        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
        {
            throw new OptimizationException($"AdamW betas must be in [0, 1); got {Beta1}, {Beta2}");
        }

        if (!(Epsilon > 0) || !(WeightDecay >= 0) || !(MaxGradientNorm >= 0) || double.IsInfinity(Epsilon) || double.IsInfinity(WeightDecay) || double.IsInfinity(MaxGradientNorm))
        {
            throw new OptimizationException($"AdamW needs eps > 0, weight decay >= 0 and max gradient norm >= 0, all finite; got {Epsilon}, {WeightDecay}, {MaxGradientNorm}");
        }
    }
}
