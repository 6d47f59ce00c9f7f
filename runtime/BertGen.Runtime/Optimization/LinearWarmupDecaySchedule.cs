using System;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// Learning rate of optimiser step t (0-based): linear warmup from 0 over <see cref="WarmupSteps"/>, then linear
/// decay to 0 at <see cref="TotalSteps"/> in the form <see cref="Decay"/> names. Both codebases give 0 on the first
/// step of a warmup (t = 0). A pure function of t, so resuming needs only the step count.
/// </summary>
public sealed record LinearWarmupDecaySchedule
{
    public LinearWarmupDecaySchedule(double baseLearningRate, long warmupSteps, long totalSteps, LearningRateDecay decay = LearningRateDecay.HuggingFace)
    {
        if (!(baseLearningRate >= 0) || double.IsInfinity(baseLearningRate) || warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps || !Enum.IsDefined(decay))
        {
            throw new OptimizationException($"schedule needs a finite lr >= 0, 0 <= warmup <= total and total > 0; got lr {baseLearningRate}, warmup {warmupSteps}, total {totalSteps}, decay {decay}");
        }

        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        Decay = decay;
    }

    public double BaseLearningRate { get; }

    public long WarmupSteps { get; }

    public long TotalSteps { get; }

    public LearningRateDecay Decay { get; }

    /// <summary>The learning rate of 0-based step <paramref name="step"/> (0 from <see cref="TotalSteps"/> on).</summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return BaseLearningRate * step / WarmupSteps;
        }

        if (Decay == LearningRateDecay.OriginalBert)
        {
            return BaseLearningRate * Math.Max(0.0, 1.0 - (double)Math.Min(step, TotalSteps) / TotalSteps);
        }

        return BaseLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
