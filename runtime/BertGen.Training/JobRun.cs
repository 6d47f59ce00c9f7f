using System;
using System.Threading;
using BertGen.Runtime.Training;

namespace BertGen.Training;

/// <summary>How every training job runs its trainer once built: resume if asked, evaluate, train, evaluate, report.</summary>
internal static class JobRun
{
    /// <summary>Runs <paramref name="trainer"/> (and disposes it) and returns the held-out metrics before and after.</summary>
    /// <param name="trainer">The trainer, disposed here.</param>
    /// <param name="recorder">Records the evaluations.</param>
    /// <param name="resume">Continue from the newest checkpoint, if there is one.</param>
    /// <param name="resumeFrom">Continue from this checkpoint folder instead (one chosen and verified by the caller).</param>
    /// <param name="trainingExamples">Reported in the result.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="cancellation">Stops the run after a step, with a checkpoint.</param>
    public static JobResult Execute(Trainer trainer, EvaluationRecorder recorder, bool resume, string? resumeFrom, int trainingExamples, Action<string>? log, CancellationToken cancellation)
    {
        using (trainer)
        {
            bool resumed = resume && resumeFrom is null && trainer.ResumeFromLatest();
            if (resumeFrom is not null)
            {
                trainer.Resume(resumeFrom);
                resumed = true;
            }

            if (resumed)
            {
                log?.Invoke($"resumed at step {trainer.Step}");
            }

            EvaluationMetrics before = trainer.Evaluate();
            trainer.Run(cancellation);
            EvaluationMetrics after = recorder.Final(trainer);
            return new JobResult(before, after, trainer.Step, resumed, trainingExamples);
        }
    }
}
