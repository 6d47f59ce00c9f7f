using System;
using System.Globalization;
using BertGen.Runtime.Training;
using Spectre.Console;

namespace BertGen.Cli.Training;

/// <summary>What the progress display shows of a run: pretraining reports masked-LM accuracy, fine-tuning its task accuracy.</summary>
internal enum TrainingKind
{
    Pretraining,
    FineTuning,
}

/// <summary>
/// The trainer's metrics as people see them while a run goes: a live Spectre progress bar (step, loss, accuracy,
/// tokens/s, ETA) when stderr is a terminal, otherwise a plain <c>bertgen: step …</c> line per tenth of the run and
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

    public static T Run<T>(CliConsole console, bool quiet, TrainingKind kind, long totalSteps, Func<TrainingDisplay, T> work)
    {
        if (quiet)
        {
            return work(new Silent(kind, totalSteps));
        }

        if (!console.ErrorIsTerminal)
        {
            return work(new Plain(console, kind, totalSteps));
        }

        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Error),
            Interactive = InteractionSupport.Yes,
        });
        return terminal.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
            .Start(context => work(new Live(terminal, context, kind, totalSteps)));
    }

    /// <summary>A line from the job (corpus size, resumed step) or the command.</summary>
    public abstract void Log(string message);

    public abstract void OnTrainingStep(in TrainingStepMetrics metrics);

    public abstract void OnEvaluation(in EvaluationMetrics metrics);

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

    public static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%" : "n/a";

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

        public override void OnCheckpoint(long step, string path) => Log($"checkpoint of step {step}: {path}");
    }

    private sealed class Live : TrainingDisplay
    {
        private readonly IAnsiConsole _terminal;
        private readonly ProgressContext _context;
        private readonly ProgressTask _task;

        public Live(IAnsiConsole terminal, ProgressContext context, TrainingKind kind, long totalSteps)
            : base(kind, totalSteps)
        {
            _terminal = terminal;
            _context = context;
            _task = context.AddTask("preparing the data", autoStart: true, maxValue: Math.Max(1, totalSteps));
        }

        public override void Log(string message)
        {
            _terminal.MarkupLine(Markup.Escape(message));
            _context.Refresh();
        }

        public override void OnTrainingStep(in TrainingStepMetrics metrics)
        {
            _task.Description = Markup.Escape(StepText(metrics));
            _task.Value = metrics.Step;
            _context.Refresh();
        }

        public override void OnEvaluation(in EvaluationMetrics metrics) => Log(EvaluationText(metrics));

        public override void OnCheckpoint(long step, string path) => Log($"checkpoint of step {step}: {path}");
    }
}
