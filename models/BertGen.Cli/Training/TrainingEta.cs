using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace BertGen.Cli.Training;

/// <summary>
/// How long a training run has left: the steps to go at the mean time of the recent steps, plus the held-out
/// evaluations still to come at the time the last one took. The two are kept apart because an evaluation stops
/// the steps: a rate that counted it as slow training would send the estimate climbing whenever one runs (a 300-step
/// fine-tuning showed 01:39:49 during its evaluations), and one that ignored them would fall short by all of them.
/// </summary>
internal sealed class TrainingEta
{
    private const int Window = 20;

    private readonly long _totalSteps;
    private readonly long _evaluateEvery;
    private readonly Queue<double> _recentSteps = new();
    private double _recentSum;
    private double? _evaluationSeconds;
    private long _evaluationStarted;

    /// <param name="totalSteps">The step the run ends at.</param>
    /// <param name="evaluateEvery">The evaluation interval (0: only at the end).</param>
    public TrainingEta(long totalSteps, long evaluateEvery)
    {
        _totalSteps = totalSteps;
        _evaluateEvery = evaluateEvery;
    }

    /// <summary>A training step took <paramref name="seconds"/> (the trainer's own measure: data, forward, backward, update).</summary>
    public void OnTrainingStep(double seconds)
    {
        _recentSteps.Enqueue(seconds);
        _recentSum += seconds;
        if (_recentSteps.Count > Window)
        {
            _recentSum -= _recentSteps.Dequeue();
        }
    }

    /// <summary>An evaluation has run <paramref name="done"/> of <paramref name="total"/> batches (0 as it starts).</summary>
    public void OnEvaluationProgress(int done, int total, long timestamp)
    {
        if (done == 0)
        {
            _evaluationStarted = timestamp;
        }
        else if (done == total)
        {
            _evaluationSeconds = Stopwatch.GetElapsedTime(_evaluationStarted, timestamp).TotalSeconds;
        }
    }

    /// <summary>The time left after <paramref name="step"/>, with an evaluation of (done, total) batches in progress or none; null until a step has been timed.</summary>
    public TimeSpan? Remaining(long step, (int Done, int Total)? evaluation, long now)
    {
        if (_recentSteps.Count == 0)
        {
            return null;
        }

        double seconds = (_totalSteps - step) * (_recentSum / _recentSteps.Count);
        double perEvaluation = _evaluationSeconds ?? 0;
        seconds += EvaluationsAfter(step) * perEvaluation;
        if (evaluation is (int done, int total) && total > 0)
        {
            double elapsed = Stopwatch.GetElapsedTime(_evaluationStarted, now).TotalSeconds;
            seconds += done > 0 ? elapsed / done * (total - done) : Math.Max(0, perEvaluation - elapsed);
        }

        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    /// <summary>Evaluations the trainer runs after <paramref name="step"/>: one per interval, and one at the end when the interval does not land on it.</summary>
    public long EvaluationsAfter(long step)
    {
        if (step >= _totalSteps)
        {
            return 0;
        }

        if (_evaluateEvery <= 0)
        {
            return 1;
        }

        long onInterval = (_totalSteps / _evaluateEvery) - (step / _evaluateEvery);
        return onInterval + (_totalSteps % _evaluateEvery == 0 ? 0 : 1);
    }
}
