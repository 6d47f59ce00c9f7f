using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

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
/// Runs long work under a live status line (<see cref="LiveStatusLine"/>: stage, bar, share done, elapsed time, cut to
/// the terminal's width) when standard error is a terminal, and with plain <c>bertgen: stage: done/total</c> lines
/// otherwise, one per tenth. Plain lines are written only for counted
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

        using var sink = new TerminalSink(console);
        return work(sink);
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

    /// <summary>The stage on one live line; each stage replaces the one before.</summary>
    private sealed class TerminalSink : IProgressSink, IDisposable
    {
        private readonly LiveStatusLine _line;
        private readonly Lock _gate = new();
        private string _description = "";
        private int? _total;
        private int _done;
        private long _started = Stopwatch.GetTimestamp();

        public TerminalSink(CliConsole console) => _line = new LiveStatusLine(console.Error, () => console.Width, Status);

        public void Begin(string description, int? total = null)
        {
            lock (_gate)
            {
                _description = description;
                _total = total;
                _done = 0;
                _started = Stopwatch.GetTimestamp();
            }

            _line.Redraw();
        }

        public void Report(int done)
        {
            lock (_gate)
            {
                _done = done;
            }

            _line.Redraw();
        }

        public void Dispose() => _line.Dispose();

        private string Status(int width)
        {
            lock (_gate)
            {
                string elapsed = Training.TrainingDisplay.Clock(Stopwatch.GetElapsedTime(_started));
                if (_total is not int total || total <= 0)
                {
                    return LiveStatusLine.Layout(width, _description, null, [(elapsed, 0)]);
                }

                string head = string.Create(CultureInfo.InvariantCulture, $"{_description}: {_done}/{total}");
                string percent = string.Create(CultureInfo.InvariantCulture, $"{100.0 * _done / total:F0}%");
                return LiveStatusLine.Layout(width, head, (double)_done / total, [(percent, 1), (elapsed, 0)]);
            }
        }
    }
}
