using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Model;

/// <summary>
/// Where something is in a spec file, as plain values (path, character span, zero-based line/column span)
/// rather than a Roslyn <see cref="Location"/>, so that pipeline values stay comparable and hold no tree.
/// </summary>
internal readonly record struct SpecLocation(string Path, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public Location ToLocation() => Location.Create(
        Path,
        new TextSpan(Start, Length),
        new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
}
