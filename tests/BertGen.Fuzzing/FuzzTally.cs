using System;
using System.Collections.Generic;

namespace BertGen.Fuzzing;

/// <summary>The figures of one family's run: cases tried, refused with a good line, accepted with the right answer, and every failure.</summary>
public sealed class FuzzTally(string family)
{
    public string Family { get; } = family;

    public int Tried { get; internal set; }

    public int Rejected { get; internal set; }

    public int AcceptedCorrect { get; internal set; }

    /// <summary>Cases set aside as known gaps (see <see cref="SpecTarget"/>), not run.</summary>
    public int Skipped { get; set; }

    public List<FuzzFailure> Failures { get; } = [];

    public TimeSpan Elapsed { get; internal set; }

    public override string ToString() =>
        $"{Family}: {Tried} tried, {Rejected} rejected, {AcceptedCorrect} accepted and correct, {Failures.Count} failures{(Skipped > 0 ? $", {Skipped} skipped" : "")} ({Elapsed.TotalSeconds:F1} s)";
}
