namespace BertGen.Runtime.Optimization;

/// <summary>What one optimiser step saw.</summary>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="ClipFactor">What the gradients were multiplied by (1 when the norm was within bounds).</param>
/// <param name="LearningRate">The learning rate the step used.</param>
public readonly record struct OptimizerStepResult(double GradientNorm, double ClipFactor, double LearningRate);
