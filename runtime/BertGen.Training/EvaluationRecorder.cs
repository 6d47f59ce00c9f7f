using BertGen.Runtime.Training;

namespace BertGen.Training;

/// <summary>
/// Remembers the newest held-out evaluation while passing everything on, so a job can report the trainer's
/// final evaluation instead of running the whole held-out set a second time.
/// </summary>
internal sealed class EvaluationRecorder : ITrainingMetricsSink
{
    private readonly ITrainingMetricsSink? _inner;

    public EvaluationRecorder(ITrainingMetricsSink? inner) => _inner = inner;

    public EvaluationMetrics? Last { get; private set; }

    public void OnTrainingStep(in TrainingStepMetrics metrics) => _inner?.OnTrainingStep(metrics);

    public void OnEvaluation(in EvaluationMetrics metrics)
    {
        Last = metrics;
        _inner?.OnEvaluation(metrics);
    }

    public void OnEvaluationProgress(long step, int batchesDone, int batches) => _inner?.OnEvaluationProgress(step, batchesDone, batches);

    public void OnCheckpoint(long step, string path) => _inner?.OnCheckpoint(step, path);

    public void OnResumed(long step) => _inner?.OnResumed(step);

    /// <summary>The trainer's evaluation at its current step, running one only if it has none.</summary>
    public EvaluationMetrics Final(Trainer trainer) => Last is { } last && last.Step == trainer.Step ? last : trainer.Evaluate();
}
