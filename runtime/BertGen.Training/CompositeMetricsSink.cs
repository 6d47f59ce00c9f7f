using System.Collections.Generic;
using BertGen.Runtime.Training;

namespace BertGen.Training;

/// <summary>Hands every metric to several sinks (the CSV file and a console display, typically).</summary>
public sealed class CompositeMetricsSink : ITrainingMetricsSink
{
    private readonly IReadOnlyList<ITrainingMetricsSink> _sinks;

    public CompositeMetricsSink(params ITrainingMetricsSink[] sinks) => _sinks = sinks;

    public void OnTrainingStep(in TrainingStepMetrics metrics)
    {
        foreach (ITrainingMetricsSink sink in _sinks)
        {
            sink.OnTrainingStep(metrics);
        }
    }

    public void OnEvaluation(in EvaluationMetrics metrics)
    {
        foreach (ITrainingMetricsSink sink in _sinks)
        {
            sink.OnEvaluation(metrics);
        }
    }

    public void OnEvaluationProgress(long step, int batchesDone, int batches)
    {
        foreach (ITrainingMetricsSink sink in _sinks)
        {
            sink.OnEvaluationProgress(step, batchesDone, batches);
        }
    }

    public void OnCheckpoint(long step, string path)
    {
        foreach (ITrainingMetricsSink sink in _sinks)
        {
            sink.OnCheckpoint(step, path);
        }
    }

    public void OnResumed(long step)
    {
        foreach (ITrainingMetricsSink sink in _sinks)
        {
            sink.OnResumed(step);
        }
    }
}
