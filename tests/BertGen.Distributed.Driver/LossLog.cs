using System.Collections.Generic;
using System.Globalization;
using BertGen.Runtime.Training;

namespace BertGen.Distributed.Driver;

/// <summary>Each training step's loss, round-trippable, one line per step.</summary>
internal sealed class LossLog : ITrainingMetricsSink
{
    public List<string> Lines { get; } = new();

    public void OnTrainingStep(in TrainingStepMetrics metrics) =>
        Lines.Add(string.Create(CultureInfo.InvariantCulture, $"{metrics.Step} {metrics.Loss:R} {metrics.GradientNorm:R}"));

    public void OnEvaluation(in EvaluationMetrics metrics)
    {
    }

    public void OnCheckpoint(long step, string path)
    {
    }
}
