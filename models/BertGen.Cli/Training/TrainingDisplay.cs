using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using BertGen.Runtime.Training;

namespace BertGen.Cli.Training;

/// <summary>What the progress display shows of a run: pretraining reports masked-LM accuracy, fine-tuning its task accuracy.</summary>
internal enum TrainingKind
{
    Pretraining,
    FineTuning,
}

/// <summary>
/// The trainer's metrics as people see them while a run goes: on a terminal, one live status line (step, a bar,
/// loss, accuracy, tokens/s, ETA; or which held-out evaluation runs and how far it is) that fits the terminal's
/// width, with the log lines printed above it; otherwise a plain <c>bertgen: step …</c> line per tenth of the run and
/// per evaluation and checkpoint; nothing with <c>--quiet</c>. The job's own log lines go the same way.
/// </summary>
internal abstract class TrainingDisplay : ITrainingMetricsSink
{
    protected TrainingDisplay(TrainingKind kind, long totalSteps)
    {
        Kind = kind;
        TotalSteps = totalSteps;
    }

    protected TrainingKind Kind { get; }

    protected long TotalSteps { get; }

    /// <param name="console">Where the display goes (standard error).</param>
    /// <param name="quiet">No display at all.</param>
    /// <param name="kind">What the accuracy is.</param>
    /// <param name="totalSteps">The step the run ends at.</param>
    /// <param name="evaluateEvery">The trainer's evaluation interval, for the ETA (0: only at the end).</param>
    /// <param name="work">The run, given the display.</param>
    public static T Run<T>(CliConsole console, bool quiet, TrainingKind kind, long totalSteps, long evaluateEvery, Func<TrainingDisplay, T> work)
    {
        if (quiet)
        {
            return work(new Silent(kind, totalSteps));
        }

        if (!console.ErrorIsTerminal)
        {
            return work(new Plain(console, kind, totalSteps));
        }

        using var live = new Live(console, kind, totalSteps, evaluateEvery);
        return work(live);
    }

    /// <summary>A line from the job (corpus size, resumed step) or the command.</summary>
    public abstract void Log(string message);

    public abstract void OnTrainingStep(in TrainingStepMetrics metrics);

    public abstract void OnEvaluation(in EvaluationMetrics metrics);

    public virtual void OnEvaluationProgress(long step, int batchesDone, int batches)
    {
    }

    public abstract void OnCheckpoint(long step, string path);

    protected string StepText(in TrainingStepMetrics m)
    {
        double accuracy = Kind == TrainingKind.Pretraining ? m.MaskedLmAccuracy : m.TaskAccuracy;
        string what = Kind == TrainingKind.Pretraining ? "MLM accuracy" : "accuracy";
        return string.Create(CultureInfo.InvariantCulture, $"step {m.Step}/{TotalSteps}: loss {m.Loss:F4}, {what} {Percent(accuracy)}, {m.TokensPerSecond:N0} tokens/s");
    }

    protected string EvaluationText(in EvaluationMetrics m) => Kind == TrainingKind.Pretraining
        ? string.Create(CultureInfo.InvariantCulture, $"held-out at step {m.Step}: MLM loss {m.MaskedLmLoss:F4}, MLM accuracy {Percent(m.MaskedLmAccuracy)}, NSP accuracy {Percent(m.NextSentenceAccuracy)}")
        : string.Create(CultureInfo.InvariantCulture, $"held-out at step {m.Step}: loss {m.TaskLoss:F4}, accuracy {Percent(m.TaskAccuracy)}");

    /// <summary>The log line of a checkpoint, its folder as the user types it back (<see cref="ShownPath"/>).</summary>
    protected static string CheckpointText(long step, string path) => $"checkpoint of step {step}: {ShownPath.Of(path)}";

    public static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>A duration as h:mm:ss (hours unbounded).</summary>
    public static string Clock(TimeSpan time) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}");

    private sealed class Silent(TrainingKind kind, long totalSteps) : TrainingDisplay(kind, totalSteps)
    {
        public override void Log(string message)
        {
        }

        public override void OnTrainingStep(in TrainingStepMetrics metrics)
        {
        }

        public override void OnEvaluation(in EvaluationMetrics metrics)
        {
        }

        public override void OnCheckpoint(long step, string path)
        {
        }
    }

    /// <summary>For logs: one step line per tenth of the run (and the last step), so a long run's log stays short.</summary>
    private sealed class Plain(CliConsole console, TrainingKind kind, long totalSteps) : TrainingDisplay(kind, totalSteps)
    {
        private readonly long _every = Math.Max(1, totalSteps / 10);

        public override void Log(string message) => console.Error.WriteLine($"bertgen: {message}");

        public override void OnTrainingStep(in TrainingStepMetrics metrics)
        {
            if (metrics.Step % _every == 0 || metrics.Step == TotalSteps)
            {
                Log(StepText(metrics));
            }
        }

        public override void OnEvaluation(in EvaluationMetrics metrics) => Log(EvaluationText(metrics));

        public override void OnCheckpoint(long step, string path) => Log(CheckpointText(step, path));
    }

    /// <summary>The live status line; the trainer's thread updates it, the line's clock redraws it.</summary>
    private sealed class Live : TrainingDisplay, IDisposable
    {
        private readonly LiveStatusLine _line;
        private readonly TrainingEta _eta;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Lock _gate = new();
        private TrainingStepMetrics? _last;
        private (long Step, int Done, int Total)? _evaluation;
        private bool _evaluated;

        public Live(CliConsole console, TrainingKind kind, long totalSteps, long evaluateEvery)
            : base(kind, totalSteps)
        {
            _eta = new TrainingEta(totalSteps, evaluateEvery);
            _line = new LiveStatusLine(console.Error, () => console.Width, Status);
            _line.Redraw();
        }

        public override void Log(string message) => _line.WriteLine(message);

        public override void OnTrainingStep(in TrainingStepMetrics metrics)
        {
            lock (_gate)
            {
                _last = metrics;
                _evaluation = null;
                _eta.OnTrainingStep(metrics.Seconds);
            }

            _line.Redraw();
        }

        public override void OnEvaluationProgress(long step, int batchesDone, int batches)
        {
            lock (_gate)
            {
                _evaluation = (step, batchesDone, batches);
                _eta.OnEvaluationProgress(batchesDone, batches, Stopwatch.GetTimestamp());
            }

            _line.Redraw();
        }

        public override void OnEvaluation(in EvaluationMetrics metrics)
        {
            lock (_gate)
            {
                _evaluation = null;
                _evaluated = true;
            }

            Log(EvaluationText(metrics));
        }

        public override void OnCheckpoint(long step, string path) => Log(CheckpointText(step, path));

        public void Dispose() => _line.Dispose();

        /// <summary>The status for <paramref name="width"/> columns.</summary>
        internal string Status(int width)
        {
            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                string elapsed = "elapsed " + Clock(Stopwatch.GetElapsedTime(_started, now));
                long step = _last?.Step ?? 0;
                TimeSpan? remaining = _eta.Remaining(step, _evaluation is { } e ? (e.Done, e.Total) : null, now);
                string eta = "ETA " + (remaining is TimeSpan r ? Clock(r) : "--:--:--");
                if (_evaluation is (long at, int done, int total))
                {
                    string head = string.Create(CultureInfo.InvariantCulture, $"held-out evaluation {(at == 0 && _last is null ? "before training" : $"at step {at}")}: batch {done}/{total}");
                    return LiveStatusLine.Layout(width, head, total > 0 ? (double)done / total : 0, [(eta, 0), (elapsed, 1)]);
                }

                if (_last is not TrainingStepMetrics m)
                {
                    // Before the first step: the data is read and tokenised, then the evaluation before training runs.
                    return _evaluated
                        ? LiveStatusLine.Layout(width, $"step 0/{TotalSteps}", 0, [(eta, 0), (elapsed, 1)])
                        : LiveStatusLine.Layout(width, "preparing the data", null, [(elapsed, 0)]);
                }

                double accuracy = Kind == TrainingKind.Pretraining ? m.MaskedLmAccuracy : m.TaskAccuracy;
                var parts = new List<(string, int)>
                {
                    (string.Create(CultureInfo.InvariantCulture, $"{100.0 * m.Step / TotalSteps:F0}%"), 1),
                    (string.Create(CultureInfo.InvariantCulture, $"loss {m.Loss:F4}"), 2),
                    ((Kind == TrainingKind.Pretraining ? "MLM accuracy " : "accuracy ") + Percent(accuracy), 3),
                    (string.Create(CultureInfo.InvariantCulture, $"{m.TokensPerSecond:N0} tokens/s"), 4),
                    (eta, 0),
                    (elapsed, 5),
                };
                return LiveStatusLine.Layout(width, string.Create(CultureInfo.InvariantCulture, $"step {m.Step}/{TotalSteps}"), (double)m.Step / TotalSteps, parts);
            }
        }
    }
}
