using System;
using System.Threading;
using BertGen.Runtime;
using BertGen.Runtime.Training;

namespace BertGen.Training;

/// <summary>How every training job runs its trainer once built: resume if asked, evaluate, train, evaluate, report.</summary>
internal static class JobRun
{
    /// <summary>Runs <paramref name="trainer"/> (and disposes it) and returns the held-out metrics before and after.</summary>
    public static JobResult Execute(Trainer trainer, EvaluationRecorder recorder, bool resume, int trainingExamples, Action<string>? log, CancellationToken cancellation)
    {
        using (trainer)
        {
            if (!resume)
            {
                trainer.BeginAfresh();
            }

            bool resumed = resume && trainer.ResumeFromLatest();
            if (resumed)
            {
                log?.Invoke($"resumed at step {trainer.Step}");
                if (trainer.ResumeNote is { } note)
                {
                    log?.Invoke(note);
                }
            }
            else if (resume)
            {
                // As bertgen's --resume says it: a misspelt folder otherwise began a run from step 0 without a word.
                log?.Invoke(trainer.Options.CheckpointDirectory is { Length: > 0 } folder
                    ? $"nothing to resume: {MessageText.QuotePath(folder)} holds no checkpoint; starting at step 0"
                    : "nothing to resume: the job has no checkpoint directory; starting at step 0");
            }

            // A stop asked for while the data was prepared ends the job here, before it evaluates or writes anything.
            cancellation.ThrowIfCancellationRequested();
            EvaluationMetrics before = trainer.Evaluate();
            trainer.Run(cancellation);
            EvaluationMetrics after = recorder.Final(trainer);
            return new JobResult(before, after, trainer.Step, resumed, trainingExamples);
        }
    }
}
