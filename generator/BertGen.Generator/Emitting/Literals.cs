using System.Globalization;

namespace BertGen.Generator.Emitting;

/// <summary>
/// C# literals under the invariant culture: some cultures print U+2212 for minus or a comma for the
/// decimal point, which would make the generated code differ by machine or not compile.
/// </summary>
internal static class Literals
{
    // Characters of one string literal before String splits it into a concatenation.
    private const int LiteralPiece = 100;

    /// <summary>A round-trippable float literal with the <c>f</c> suffix.</summary>
    public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>
    /// A string literal. Control, format and separator characters are escaped: a label with a newline would break
    /// the literal, and a bidirectional override (U+202E) would make the generated source read unlike what it does.
    /// </summary>
    public static string String(string value)
    {
        if (Width(value, 0, value.Length) <= LiteralPiece)
        {
            return Escaped(value, 0, value.Length);
        }

        // A long text (a label may have 512 characters) as a concatenation the writer can wrap between pieces, each of at
        // most LiteralPiece characters as written, escapes included (512 escaped controls were lines of 3,000 characters),
        // and cut after a space where there is one.
        var pieces = new System.Collections.Generic.List<string>();
        for (int start = 0; start < value.Length;)
        {
            int end = start, width = 0, space = -1;
            while (end < value.Length && (end == start || width + Width(value[end]) <= LiteralPiece))
            {
                space = value[end] == ' ' ? end : space;
                width += Width(value[end++]);
            }

            end = end < value.Length && space > start ? space + 1 : end;
            pieces.Add(Escaped(value, start, end));
            start = end;
        }

        return string.Join(" + ", pieces);
    }

    private static string Escaped(string value, int start, int end)
    {
        var sb = new System.Text.StringBuilder(end - start + 2).Append('"');
        for (int i = start; i < end; i++)
        {
            char c = value[i];
            if (c is '\\' or '"')
            {
                sb.Append('\\').Append(c);
            }
            else if (Parsing.JsonNode.IsInvisible(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.Append('"').ToString();
    }

    // Characters a source character takes inside a literal: \" and \\ take 2, an escaped invisible one \uXXXX takes 6.
    private static int Width(char c) => c is '\\' or '"' ? 2 : Parsing.JsonNode.IsInvisible(c) ? 6 : 1;

    private static int Width(string value, int start, int end)
    {
        int width = 0;
        for (int i = start; i < end; i++)
        {
            width += Width(value[i]);
        }

        return width;
    }

    /// <summary>A count with thousands separators for comments: 110,106,428.</summary>
    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
