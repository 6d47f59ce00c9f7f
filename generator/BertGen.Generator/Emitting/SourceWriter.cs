using System;
using System.Text;

namespace BertGen.Generator.Emitting;

/// <summary>
/// An indented text writer for generated C#: <c>using (writer.Block())</c> opens a brace scope and closes
/// it, so emitters read like the code they produce. Always writes '\n' line endings so output is identical
/// on every OS (snapshot baselines compare byte for byte).
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
            _sb.Append(text);
        }

        _sb.Append('\n');
    }

    /// <summary>A <c>//</c> comment line (or several, one per '\n' in <paramref name="text"/>).</summary>
    public void Comment(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            Line(line.Length == 0 ? "//" : "// " + line);
        }
    }

    /// <summary>A <c>///</c> summary doc comment.</summary>
    public void Summary(string text)
    {
        Line("/// <summary>");
        foreach (string line in text.Split('\n'))
        {
            Line("/// " + Escape(line));
        }

        Line("/// </summary>");
    }

    public IDisposable Block(string? header = null, string close = "}")
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return new Scope(this, close);
    }

    public override string ToString() => _sb.ToString();

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private sealed class Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _close;

        public Scope(SourceWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line(_close);
        }
    }
}
