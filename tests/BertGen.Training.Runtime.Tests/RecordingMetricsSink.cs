using System.Collections.Generic;
using BertGen.Runtime.Training;

namespace BertGen.Training.Runtime.Tests;

/// <summary>Keeps everything the trainer reports, for assertions.</summary>
internal sealed class RecordingMetricsSink : ITrainingMetricsSink
{
    public List<TrainingStepMetrics> Steps { get; } = new();

    public List<EvaluationMetrics> Evaluations { get; } = new();

    public List<(long Step, string Path)> Checkpoints { get; } = new();

    public void OnTrainingStep(in TrainingStepMetrics metrics) => Steps.Add(metrics);

    public void OnEvaluation(in EvaluationMetrics metrics) => Evaluations.Add(metrics);

    public List<(long Step, int Done, int Total)> EvaluationProgress { get; } = new();

    public void OnCheckpoint(long step, string path) => Checkpoints.Add((step, path));

    public void OnEvaluationProgress(long step, int batchesDone, int batches) => EvaluationProgress.Add((step, batchesDone, batches));
}
