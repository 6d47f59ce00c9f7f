using System;
using System.Globalization;
using System.Text;

namespace BertGen.Runtime;

/// <summary>
/// Puts text that came from a file (a tensor name, a token, a label) into an error message safely: quoted, with
/// control characters written as escapes so a terminal never executes them, and cut to <see cref="MaxQuotedLength"/>
/// characters so a 1 MB name cannot make a 1 MB error line.
/// </summary>
internal static class MessageText
{
    /// <summary>Characters of a quoted value kept before it is cut (and its full length stated instead).</summary>
    public const int MaxQuotedLength = 80;

    /// <summary>Characters of a quoted path kept: a path is the user's own and usually worth printing whole.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>
    /// <c>'value'</c> with control characters escaped, and invisible (format) characters too, cut to
    /// <see cref="MaxQuotedLength"/> characters: a quoted value is what the reader compares with what they meant, and a
    /// label read as '\uFEFFOT' (a byte order mark left mid-file by joining two files) printed as 'OT' beside the
    /// expected OT.
    /// </summary>
    public static string Quote(string value) => Quote(value, MaxQuotedLength);

    /// <summary>A path quoted as <see cref="Quote(string)"/> does, cut only past <see cref="MaxPathLength"/> characters.</summary>
    public static string QuotePath(string path) => Quote(path, MaxPathLength);

    private static string Quote(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(Math.Min(value.Length, maxLength) + 32);
        builder.Append('\'');
        int kept = Math.Min(value.Length, maxLength);

        // Never cut between the halves of a surrogate pair.
        if (kept < value.Length && kept > 0 && char.IsHighSurrogate(value[kept - 1]))
        {
            kept--;
        }

        AppendEscaped(builder, value.AsSpan(0, kept), escapeInvisible: true);
        builder.Append('\'');
        if (kept < value.Length)
        {
            builder.Append("… (").Append(value.Length.ToString("N0", CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return builder.ToString();
    }

    /// <summary>
    /// Appends <paramref name="text"/> with every character a terminal could act on written as a visible escape:
    /// C0 and C1 controls and DEL (ESC starts colour and cursor sequences), bidirectional overrides and isolates
    /// (they reorder what follows them on screen), and lone surrogates.
    /// </summary>
    public static void AppendPrintable(StringBuilder builder, ReadOnlySpan<char> text) => AppendEscaped(builder, text, escapeInvisible: false);

    private static void AppendEscaped(StringBuilder builder, ReadOnlySpan<char> text, bool escapeInvisible)
    {
        ArgumentNullException.ThrowIfNull(builder);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (NeedsEscape(c) || (escapeInvisible && char.GetUnicodeCategory(c) == UnicodeCategory.Format))
            {
                builder.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                builder.Append(c);
            }
        }
    }

    /// <summary><paramref name="text"/> with the characters <see cref="AppendPrintable"/> escapes written as escapes.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (char c in text)
        {
            if (NeedsEscape(c))
            {
                var builder = new StringBuilder(text.Length + 16);
                AppendPrintable(builder, text);
                return builder.ToString();
            }
        }

        return text;
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || char.IsSurrogate(c)
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069';
}
