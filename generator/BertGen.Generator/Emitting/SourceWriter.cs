using System;
using System.Collections.Generic;
using System.Text;

namespace BertGen.Generator.Emitting;

/// <summary>
/// An indented text writer for generated C#: <c>using (writer.Block())</c> opens a brace scope and closes
/// it, so emitters read like the code they produce. Lines are kept to <see cref="MaxLineLength"/> characters
/// the way a person wraps them: a call's arguments continue on the next line, one level deeper, and comments
/// wrap between words. Always writes '\n' line endings so output is identical on every OS (snapshot baselines
/// compare byte for byte).
/// </summary>
internal sealed class SourceWriter
{
    /// <summary>The longest line the generator writes (the repo's style for hand-written code too).</summary>
    public const int MaxLineLength = 140;

    private readonly StringBuilder _sb = new();
    private int _indent;

    /// <summary>A line of code, wrapped after an argument's comma (or before a <c>+</c>) when it is too long.</summary>
    /// <param name="text">The line.</param>
    /// <param name="continuation">The line continues an argument list opened on an earlier line.</param>
    public void Line(string text = "", bool continuation = false)
    {
        if (text.Length == 0)
        {
            _sb.Append('\n');
            return;
        }

        int indent = _indent * 4, depth = continuation ? 1 : 0;
        string rest = text;
        while (indent + rest.Length > MaxLineLength && Break(rest, MaxLineLength - indent, depth) is { } at)
        {
            Append(indent, rest.Substring(0, at.Index).TrimEnd());
            rest = rest.Substring(at.Index).TrimStart();
            indent = (_indent + 1) * 4;
            depth = at.Depth;
        }

        Append(indent, rest);
    }

    /// <summary>A <c>//</c> comment (several lines for each '\n' in <paramref name="text"/>, and where it is too long).</summary>
    public void Comment(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                Line("//");
                continue;
            }

            foreach (string part in Words(line, MaxLineLength - (_indent * 4) - 3))
            {
                Line("// " + part);
            }
        }
    }

    /// <summary>A <c>///</c> summary doc comment.</summary>
    public void Summary(string text)
    {
        Line("/// <summary>");
        foreach (string line in text.Split('\n'))
        {
            foreach (string part in Words(Escape(line), MaxLineLength - (_indent * 4) - 4))
            {
                Line("/// " + part);
            }
        }

        Line("/// </summary>");
    }

    /// <summary>Lines one level deeper without braces (a call's arguments on lines of their own).</summary>
    public IDisposable Indented()
    {
        _indent++;
        return new Scope(this, null);
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

    private void Append(int indent, string text)
    {
        _sb.Append(' ', indent);
        _sb.Append(text);
        _sb.Append('\n');
    }

    /// <summary>
    /// Where to break <paramref name="text"/> so that its first part fits <paramref name="width"/>: the last
    /// ", " inside parentheses or brackets, or the last " + " between string literals, outside any literal; failing
    /// both, right after the first opening parenthesis.
    /// <paramref name="depth"/> is how many brackets are open where the text starts (a continuation line); the
    /// result carries the depth at the break. Null when there is no such place (a long token stays long).
    /// </summary>
    private static (int Index, int Depth)? Break(string text, int width, int depth)
    {
        (int, int)? best = null;
        bool inString = false;
        for (int i = 0; i < text.Length && i <= width; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '(' when i + 1 < text.Length && text[i + 1] != ')' && i + 1 <= width && best is null:
                    // A call whose arguments do not fit after it: they start on the next line.
                    depth++;
                    best = (i + 1, depth);
                    break;
                case '(':
                case '[':
                case '{':
                    depth++;
                    break;
                case ')':
                case ']':
                case '}':
                    depth--;
                    break;
                case ',' when depth > 0 && i + 1 < text.Length && text[i + 1] == ' ' && i + 1 <= width:
                    best = (i + 2, depth);
                    break;
                case ' ' when i > 0 && text[i - 1] == '"' && i + 3 < text.Length && text[i + 1] == '+' && text[i + 2] == ' ' && text[i + 3] == '"':
                    best = (i + 1, depth);
                    break;
            }
        }

        return best;
    }

    /// <summary>Whole words packed into lines of at most <paramref name="width"/> characters.</summary>
    private static IEnumerable<string> Words(string text, int width)
    {
        var line = new StringBuilder();
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        yield return line.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private sealed class Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string? _close;

        public Scope(SourceWriter writer, string? close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._indent--;
            if (_close is not null)
            {
                _writer.Line(_close);
            }
        }
    }
}
