using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace BertGen.Cli;

/// <summary>
/// Wall-clock time per stage of a command (vocabulary, reading the package, parsing ONNX, packing weights,
/// the forward passes), printed by <c>--verbose</c>: where the time to the first embedding goes.
/// </summary>
internal sealed class StageTimings
{
    private readonly List<(string Stage, TimeSpan Time)> _stages = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastMark;

    /// <summary>Charges the time since the previous mark to <paramref name="stage"/> (summed when repeated).</summary>
    public void Mark(string stage)
    {
        TimeSpan now = _clock.Elapsed;
        TimeSpan spent = now - _lastMark;
        _lastMark = now;
        int at = _stages.FindIndex(s => s.Stage == stage);
        if (at >= 0)
        {
            _stages[at] = (stage, _stages[at].Time + spent);
        }
        else
        {
            _stages.Add((stage, spent));
        }
    }

    public void WriteTo(TextWriter error)
    {
        foreach ((string stage, TimeSpan time) in _stages)
        {
            error.WriteLine($"bertgen: time: {stage}: {Milliseconds(time)}");
        }

        using Process self = Process.GetCurrentProcess();
        error.WriteLine($"bertgen: time: since process start: {Milliseconds(DateTime.Now - self.StartTime)}");
    }

    private static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) + " ms";
}
