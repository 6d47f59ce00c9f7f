using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertGen.TorchOracle;

/// <summary>
/// Training steps the way HuggingFace's Trainer takes them: loss and gradients from <see cref="TorchBert"/>,
/// <c>clip_grad_norm_</c> (scale by max_norm/(norm + 1e-6) when that is below 1), then <c>torch.optim.AdamW</c>
/// (TorchSharp's port: bias-corrected moments, decoupled decay p ← p·(1 − lr·wd) before the Adam update) with two
/// parameter groups, decayed and not, and the learning rate of <paramref name="schedule"/> set on both before each step.
/// </summary>
public static class TorchAdamWOracle
{
    /// <param name="model">Updated in place; its parameters after the last step are the last trajectory entry.</param>
    /// <param name="batches">Step t uses batch t mod count.</param>
    public static TrainingTrajectory Run(TorchBert model, IReadOnlyList<BertInputs> batches, int steps, AdamSettings settings, LinearWarmupDecaySchedule schedule)
    {
        if (batches.Count == 0 || steps <= 0)
        {
            throw new TorchOracleException($"need at least one batch and one step; got {batches.Count} batches, {steps} steps");
        }

        if (model.Config.Head == BertHead.None)
        {
            throw new TorchOracleException("a model without a head has no loss to train on");
        }

        List<Parameter> decayed = model.NamedParameters.Where(p => BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        List<Parameter> notDecayed = model.NamedParameters.Where(p => !BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        List<Parameter> all = model.NamedParameters.Select(p => p.Tensor).ToList();
        double initial = schedule.At(0);
        var groups = new[]
        {
            new AdamW.ParamGroup(decayed, initial, settings.Beta1, settings.Beta2, settings.Eps, settings.WeightDecay, false, false),
            new AdamW.ParamGroup(notDecayed, initial, settings.Beta1, settings.Beta2, settings.Eps, 0.0, false, false),
        };
        using AdamW optimizer = optim.AdamW(groups, initial, settings.Beta1, settings.Beta2, settings.Eps, settings.WeightDecay, false, false);

        var losses = new List<double>();
        var norms = new List<double>();
        var rates = new List<double>();
        var snapshots = new List<IReadOnlyDictionary<string, float[]>>();
        for (int t = 0; t < steps; t++)
        {
            TorchBertResult result = model.Run(batches[t % batches.Count]);
            losses.Add(result.Loss);
            norms.Add(settings.MaxGradNorm is double maxNorm ? nn.utils.clip_grad_norm_(all, maxNorm, 2.0) : GlobalNorm(model));

            double rate = schedule.At(t);
            foreach (ParamGroup group in optimizer.ParamGroups)
            {
                group.LearningRate = rate;
            }

            optimizer.step();
            rates.Add(rate);
            snapshots.Add(model.Snapshot());
        }

        return new TrainingTrajectory(losses, norms, rates, snapshots);
    }

    internal static double GlobalNorm(TorchBert model)
    {
        double sum = 0;
        foreach (string name in model.ParameterNames)
        {
            foreach (double g in model.GetGradient(name))
            {
                sum += g * g;
            }
        }

        return Math.Sqrt(sum);
    }
}
