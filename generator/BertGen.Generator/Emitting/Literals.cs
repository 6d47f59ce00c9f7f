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
        if (value.Length > LiteralPiece)
        {
            // A long text (a label may have 512 characters) as a concatenation the writer can wrap between
            // pieces, each cut after a space where there is one.
            var pieces = new System.Collections.Generic.List<string>();
            for (int start = 0; start < value.Length;)
            {
                int length = System.Math.Min(LiteralPiece, value.Length - start);
                int space = value.LastIndexOf(' ', start + length - 1, length);
                length = start + length < value.Length && space > start ? space + 1 - start : length;
                pieces.Add(String(value.Substring(start, length)));
                start += length;
            }

            return string.Join(" + ", pieces);
        }

        var sb = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
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

    /// <summary>A count with thousands separators for comments: 110,106,428.</summary>
    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
