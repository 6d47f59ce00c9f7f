using System;
using System.Collections.Generic;

namespace BertGen.TorchOracle;

/// <summary>
/// Original BERT's <c>AdamWeightDecayOptimizer</c> (google-research/bert <c>optimization.py</c>) as plain scalar
/// loops in double, for comparison with torch's AdamW. Per element, with no bias correction:
/// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  u ← m/(√v + ε) + wd·p (decayed tensors only);  p ← p − lr·u.
/// The decay term sits inside the update, so it is scaled by lr exactly like torch's decoupled decay; the
/// difference from torch is the missing bias correction: for a constant gradient, step 1 moves by
/// (1 − β1)/√(1 − β2) ≈ 3.16·lr where bias-corrected Adam moves by lr.
/// </summary>
public sealed class BertAdamWeightDecayOptimizer
{
    private readonly AdamSettings _settings;
    private readonly Dictionary<string, double[]> _m = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _v = new(StringComparer.Ordinal);

    /// <param name="settings">Original BERT uses eps 1e-6 and weight decay 0.01; clipping is done by the caller.</param>
    public BertAdamWeightDecayOptimizer(AdamSettings settings)
    {
        _settings = settings;
    }

    /// <summary>Updates <paramref name="values"/> in place from <paramref name="gradient"/>.</summary>
    public void Step(string name, double[] values, double[] gradient, double learningRate)
    {
        if (values.Length != gradient.Length)
        {
            throw new TorchOracleException($"parameter '{name}' has {values.Length} values but {gradient.Length} gradients");
        }

        if (!_m.TryGetValue(name, out double[]? m))
        {
            m = new double[values.Length];
            _m.Add(name, m);
            _v.Add(name, new double[values.Length]);
        }

        double[] v = _v[name];
        if (m.Length != values.Length)
        {
            throw new TorchOracleException($"parameter '{name}' changed size from {m.Length} to {values.Length}");
        }

        double decay = BertParameterLayout.IsDecayed(name) ? _settings.WeightDecay : 0.0;
        for (int i = 0; i < values.Length; i++)
        {
            double g = gradient[i];
            m[i] = _settings.Beta1 * m[i] + (1.0 - _settings.Beta1) * g;
            v[i] = _settings.Beta2 * v[i] + (1.0 - _settings.Beta2) * g * g;
            double update = m[i] / (Math.Sqrt(v[i]) + _settings.Eps) + decay * values[i];
            values[i] -= learningRate * update;
        }
    }

    /// <summary>
    /// <paramref name="steps"/> steps on <paramref name="model"/> (updated in place): gradients from the model,
    /// clipped like <c>tf.clip_by_global_norm</c> (g·c/max(‖g‖, c), no 1e-6), then <see cref="Step"/> on every tensor.
    /// </summary>
    public static TrainingTrajectory Train(TorchBert model, IReadOnlyList<BertInputs> batches, int steps, AdamSettings settings, LinearWarmupDecaySchedule schedule)
    {
        if (batches.Count == 0 || steps <= 0)
        {
            throw new TorchOracleException($"need at least one batch and one step; got {batches.Count} batches, {steps} steps");
        }

        var optimizer = new BertAdamWeightDecayOptimizer(settings);
        var losses = new List<double>();
        var norms = new List<double>();
        var rates = new List<double>();
        var snapshots = new List<IReadOnlyDictionary<string, float[]>>();
        for (int t = 0; t < steps; t++)
        {
            TorchBertResult result = model.Run(batches[t % batches.Count]);
            losses.Add(result.Loss);
            double norm = TorchAdamWOracle.GlobalNorm(model);
            norms.Add(norm);
            double scale = settings.MaxGradNorm is double clip ? clip / Math.Max(norm, clip) : 1.0;
            double rate = schedule.At(t);
            rates.Add(rate);
            foreach (string name in model.ParameterNames)
            {
                double[] gradient = model.GetGradient(name);
                for (int i = 0; i < gradient.Length; i++)
                {
                    gradient[i] *= scale;
                }

                double[] values = model.GetParameterValues(name);
                optimizer.Step(name, values, gradient, rate);
                model.SetParameterValues(name, values);
            }

            snapshots.Add(model.Snapshot());
        }

        return new TrainingTrajectory(losses, norms, rates, snapshots);
    }
}
