namespace BertGen.Runtime.Training;

/// <summary>Where the trainer reports progress: a CSV file (<see cref="CsvMetricsSink"/>), a console display, both.</summary>
public interface ITrainingMetricsSink
{
    void OnTrainingStep(in TrainingStepMetrics metrics);

    void OnEvaluation(in EvaluationMetrics metrics);

    /// <summary>
    /// An evaluation at <paramref name="step"/> has run <paramref name="batchesDone"/> of its <paramref name="batches"/>
    /// batches (0 as it starts; <see cref="OnEvaluation"/> follows the last), so a display can say that an evaluation
    /// runs instead of showing a stalled step, and leave its time out of the training rate.
    /// </summary>
    void OnEvaluationProgress(long step, int batchesDone, int batches)
    {
    }

    /// <summary>A checkpoint of <paramref name="step"/> was committed to <paramref name="path"/>.</summary>
    void OnCheckpoint(long step, string path);

    /// <summary>
    /// The trainer resumed from its checkpoint of <paramref name="step"/>: the steps after it are taken, and reported,
    /// again. A sink that keeps what it was told (<see cref="CsvMetricsSink"/>'s file) drops what it holds after that step.
    /// </summary>
    void OnResumed(long step)
    {
    }
}
