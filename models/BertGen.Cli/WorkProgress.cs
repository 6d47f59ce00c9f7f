using System;
using Spectre.Console;

namespace BertGen.Cli;

/// <summary>Reports the stages of a long piece of work and how far each has got.</summary>
internal interface IProgressSink
{
    /// <summary>Starts a stage; <paramref name="total"/> is null when its length is unknown.</summary>
    void Begin(string description, int? total = null);

    /// <summary>Sets how much of the current stage is done.</summary>
    void Report(int done);
}

/// <summary>
/// Runs long work under a live Spectre.Console progress display when standard error is a terminal, and with
/// plain <c>bertgen: stage: done/total</c> lines otherwise, one per tenth. Plain lines are written only for counted
/// stages longer than <see cref="PlainLineThreshold"/> items, so short runs and their errors stay one line on stderr.
/// </summary>
internal static class WorkProgress
{
    public const int PlainLineThreshold = 64;

    public static T Run<T>(CliConsole console, bool quiet, Func<IProgressSink, T> work)
    {
        if (quiet)
        {
            return work(new SilentSink());
        }

        if (!console.ErrorIsTerminal)
        {
            return work(new PlainSink(console));
        }

        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Error),
            Interactive = InteractionSupport.Yes,
        });
        return terminal.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => work(new SpectreSink(context)));
    }

    private sealed class SilentSink : IProgressSink
    {
        public void Begin(string description, int? total = null)
        {
        }

        public void Report(int done)
        {
        }
    }

    /// <summary>One line per tenth of a counted stage, so a log of a long run stays short.</summary>
    private sealed class PlainSink(CliConsole console) : IProgressSink
    {
        private string _description = "";
        private int? _total;
        private int _tenthsReported;

        public void Begin(string description, int? total = null)
        {
            _description = description;
            _total = total;
            _tenthsReported = 0;
        }

        public void Report(int done)
        {
            if (_total is int total && total > PlainLineThreshold)
            {
                int tenths = (int)(10L * done / total);
                if (tenths > _tenthsReported)
                {
                    _tenthsReported = tenths;
                    console.Error.WriteLine($"bertgen: {_description}: {done}/{total}");
                }
            }
        }
    }

    private sealed class SpectreSink(ProgressContext context) : IProgressSink
    {
        private ProgressTask? _task;

        public void Begin(string description, int? total = null)
        {
            if (_task is not null)
            {
                _task.Value = _task.MaxValue;
                _task.StopTask();
            }

            _task = context.AddTask(Markup.Escape(description), autoStart: true, maxValue: total ?? 1);
            _task.IsIndeterminate = total is null;
            context.Refresh();
        }

        public void Report(int done)
        {
            if (_task is not null)
            {
                _task.Value = done;
                context.Refresh();
            }
        }
    }
}
