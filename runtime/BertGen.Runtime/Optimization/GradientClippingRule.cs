namespace BertGen.Runtime.Optimization;

/// <summary>How the global-norm clip factor is computed; the two BERT codebases differ in a 1e-6.</summary>
public enum GradientClippingRule
{
    /// <summary>torch <c>clip_grad_norm_</c>: g·min(1, c/(‖g‖ + 1e-6)).</summary>
    TorchClipGradNorm,

    /// <summary>TensorFlow <c>clip_by_global_norm</c>: g·c/max(‖g‖, c).</summary>
    TensorFlowClipByGlobalNorm,
}
