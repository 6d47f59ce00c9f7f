namespace BertGen.Runtime.Training;

/// <summary>Where the trainer reports progress: a CSV file (<see cref="CsvMetricsSink"/>), a console display, both.</summary>
public interface ITrainingMetricsSink
{
    void OnTrainingStep(in TrainingStepMetrics metrics);

    void OnEvaluation(in EvaluationMetrics metrics);

    /// <summary>A checkpoint of <paramref name="step"/> was committed to <paramref name="path"/>.</summary>
    void OnCheckpoint(long step, string path);
}
