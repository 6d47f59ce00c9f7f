using System;

namespace BertGen.TorchOracle;

/// <summary>
/// Learning rate for optimiser step <c>t</c> (0-based): linear warmup from 0, then linear decay to 0 at
/// <see cref="TotalSteps"/>. Both BERT codebases start at 0 on the first step. They differ after warmup:
/// HuggingFace's <c>get_linear_schedule_with_warmup</c> decays over the steps left, lr·(T − t)/(T − W);
/// original BERT's polynomial_decay runs over the whole horizon, lr·(1 − t/T), and warmup only overrides it for t &lt; W.
/// </summary>
public sealed record LinearWarmupDecaySchedule(double BaseLearningRate, int WarmupSteps, int TotalSteps, bool OriginalBertDecay = false)
{
    public double At(int step)
    {
        if (WarmupSteps < 0 || TotalSteps <= 0 || step < 0)
        {
            throw new TorchOracleException($"schedule needs warmup >= 0, total > 0 and step >= 0; got {WarmupSteps}, {TotalSteps}, {step}");
        }

        if (step < WarmupSteps)
        {
            return BaseLearningRate * step / WarmupSteps;
        }

        if (OriginalBertDecay)
        {
            return BaseLearningRate * Math.Max(0.0, 1.0 - (double)Math.Min(step, TotalSteps) / TotalSteps);
        }

        return BaseLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
