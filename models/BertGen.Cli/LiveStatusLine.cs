using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace BertGen.Cli;

/// <summary>
/// One status line kept at the bottom of a terminal and redrawn in place: a carriage return, the line cut to one
/// column less than the terminal is wide, and "erase to end of line". A line that never reaches the last column
/// never wraps, so the carriage return always lands on its start and no fragment of an older, longer line is left
/// behind — at any width, including after a resize. Other lines (a log line, a warning) are written above it: the
/// status is erased, the line printed and the status drawn again below it. A timer redraws once a second so the
/// clock moves while a long step or evaluation runs. Only for a terminal: piped output gets plain lines instead.
/// </summary>
internal sealed class LiveStatusLine : IDisposable
{
    private const string EraseToEnd = "\u001b[K";

    private readonly TextWriter _terminal;
    private readonly Func<int> _width;
    private readonly Func<int, string> _render;
    private readonly Lock _gate = new();
    private readonly Timer _clock;
    private bool _shown;
    private bool _disposed;

    /// <param name="terminal">The terminal's stream (standard error).</param>
    /// <param name="width">The terminal's width, asked at each redraw.</param>
    /// <param name="render">The status for a width: at most that many columns (it is cut to width − 1 anyway).</param>
    public LiveStatusLine(TextWriter terminal, Func<int> width, Func<int, string> render)
    {
        _terminal = terminal;
        _width = width;
        _render = render;
        _clock = new Timer(_ => Redraw(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Draws the status again, now.</summary>
    public void Redraw()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            int width = _width();
            _terminal.Write('\r' + Fit(_render(width), width - 1) + EraseToEnd);
            _terminal.Flush();
            _shown = true;
        }
    }

    /// <summary>Writes <paramref name="line"/> above the status (it may wrap: it scrolls up as ordinary output) and redraws the status.</summary>
    public void WriteLine(string line)
    {
        lock (_gate)
        {
            if (_shown)
            {
                _terminal.Write("\r" + EraseToEnd);
            }

            _terminal.Write(line + "\n");
            _shown = false;
        }

        Redraw();
    }

    /// <summary>Stops the clock and erases the status, leaving the cursor at the start of an empty line.</summary>
    public void Dispose()
    {
        _clock.Dispose();
        lock (_gate)
        {
            if (_shown)
            {
                _terminal.Write("\r" + EraseToEnd);
                _terminal.Flush();
            }

            _disposed = true;
        }
    }

    /// <summary>At most <paramref name="columns"/> characters, ending in "…" when cut.</summary>
    public static string Fit(string text, int columns) =>
        text.Length <= columns ? text : columns <= 1 ? text[..Math.Max(0, columns)] : text[..(columns - 1)] + "…";

    /// <summary>
    /// Lays out a status line in <paramref name="width"/> columns: <paramref name="head"/>, a bar of
    /// <paramref name="fraction"/> (10 to 30 columns) and the optional parts in order, dropping the parts of lowest
    /// priority (the highest numbers) first and the bar before a part of priority 0, until it fits.
    /// </summary>
    public static string Layout(int width, string head, double? fraction, IReadOnlyList<(string Text, int Priority)> parts)
    {
        const int MinimumBar = 10, MaximumBar = 30;
        var kept = new List<(string Text, int Priority)>(parts);
        bool bar = fraction is not null;
        int columns = width - 1;
        while (true)
        {
            int used = head.Length + (bar ? 1 + MinimumBar : 0);
            foreach ((string text, _) in kept)
            {
                used += 3 + text.Length;
            }

            if (used <= columns || (kept.Count == 0 && !bar))
            {
                int barWidth = bar ? Math.Min(MaximumBar, MinimumBar + columns - used) : 0;
                var line = new StringBuilder(head);
                if (bar)
                {
                    int filled = (int)Math.Round(Math.Clamp(fraction!.Value, 0, 1) * barWidth);
                    line.Append(' ').Append('━', filled).Append('─', barWidth - filled);
                }

                foreach ((string text, _) in kept)
                {
                    line.Append(" · ").Append(text);
                }

                return Fit(line.ToString(), columns);
            }

            int lowest = -1;
            for (int i = 0; i < kept.Count; i++)
            {
                if (lowest < 0 || kept[i].Priority >= kept[lowest].Priority)
                {
                    lowest = i;
                }
            }

            if (bar && (lowest < 0 || kept[lowest].Priority == 0))
            {
                bar = false;
            }
            else
            {
                kept.RemoveAt(lowest);
            }
        }
    }
}
