using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Parsing;

/// <summary>Raised for malformed JSON; carries the offending span so the diagnostic can point at it.</summary>
internal sealed class JsonSyntaxException : Exception
{
    public JsonSyntaxException(string message, TextSpan span)
        : base(message) => Span = span;

    public TextSpan Span { get; }
}

/// <summary>
/// Raised for a key repeated within one object. RFC 8259 leaves the meaning of a repeat open and readers
/// disagree (first wins, last wins, error), so a spec that has one does not say what it means.
/// </summary>
internal sealed class JsonDuplicateKeyException : Exception
{
    public JsonDuplicateKeyException(string name, string objectPath, TextSpan span, TextSpan firstSpan)
        : base("duplicate key " + name)
    {
        Name = name;
        ObjectPath = objectPath;
        Span = span;
        FirstSpan = firstSpan;
    }

    public string Name { get; }

    /// <summary>Where the object is, as messages name fields: <c>bertgen.shapes[0].</c>, empty at the root.</summary>
    public string ObjectPath { get; }

    public TextSpan Span { get; }

    public TextSpan FirstSpan { get; }
}

/// <summary>
/// A small strict JSON (RFC 8259) parser that keeps the source span of every value and key.
/// Written here rather than taken from System.Text.Json because a generator loaded into the compiler cannot
/// rely on a specific System.Text.Json being present on netstandard2.0, and because spec diagnostics need
/// line/column spans for every field, which a DOM without positions cannot give. Nesting is bounded
/// (<see cref="SpecLimits.JsonDepth"/>): the parser recurses once per level, and a stack overflow would take
/// the whole compiler process down with it.
/// </summary>
internal sealed class JsonParser
{
    private readonly string _text;
    private int _pos;
    private int _depth;

    // The keys and indices from the root to the value being parsed, so a repeated key is named as a field is.
    private readonly List<string> _path = new();

    private JsonParser(string text) => _text = text;

    public static JsonNode Parse(string text)
    {
        var parser = new JsonParser(text);
        parser.RejectForeignEncoding();
        parser.SkipWhitespace();
        JsonNode root = parser.ParseValue();
        parser.SkipWhitespace();
        if (parser._pos < text.Length)
        {
            throw parser.Error("unexpected text after the end of the document", parser._pos, 1);
        }

        return root;
    }

    // The compiler reads a spec as UTF-8 unless it starts with a byte order mark, and reads a byte that is not UTF-8 as
    // U+FFFD: a spec saved in Latin-1 or Windows-1252 had its label "négatif" compiled as "n�gatif" without a word. A
    // UTF-16 file without a byte order mark reads as a NUL between every two characters, which was reported as "expected a
    // property name in double quotes". Neither character may stand raw in JSON that means what it says (RFC 8259 §8.1:
    // UTF-8), so the first one found is named for what it most likely is.
    private void RejectForeignEncoding()
    {
        for (int i = 0; i < _text.Length; i++)
        {
            if (_text[i] == '\0')
            {
                throw Error("it holds a NUL character, as a UTF-16 file without a byte order mark reads; save the spec as UTF-8", i, 1);
            }

            if (_text[i] == '\uFFFD')
            {
                throw Error("it holds a byte that is not UTF-8 (read as U+FFFD, the replacement character); save the spec as UTF-8, and write U+FFFD itself as \\ufffd", i, 1);
            }
        }
    }

    private JsonNode ParseValue()
    {
        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of file, expected a value", _text.Length, 0);
        }

        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return Nested(ParseObject);
            case '[':
                return Nested(ParseArray);
            case '"':
                int start = _pos;
                string s = ParseString();
                return new JsonString(TextSpan.FromBounds(start, _pos), s);
            case 't':
                return ParseLiteral("true", span => new JsonBoolean(span, true));
            case 'f':
                return ParseLiteral("false", span => new JsonBoolean(span, false));
            case 'n':
                return ParseLiteral("null", span => new JsonNull(span));
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber();
                }

                throw Error($"unexpected character '{JsonNode.Visible(c.ToString())}', expected a value", _pos, 1);
        }
    }

    private JsonNode Nested(Func<JsonNode> parse)
    {
        if (++_depth > SpecLimits.JsonDepth)
        {
            throw Error($"arrays and objects nested deeper than {SpecLimits.JsonDepth} levels", _pos, 1);
        }

        JsonNode node = parse();
        _depth--;
        return node;
    }

    private JsonObject ParseObject()
    {
        int start = _pos;
        _pos++; // '{'
        var properties = new List<JsonProperty>();
        var seen = new Dictionary<string, TextSpan>(StringComparer.Ordinal);
        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return new JsonObject(TextSpan.FromBounds(start, _pos), properties);
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error("expected a property name in double quotes", _pos, 1);
            }

            int nameStart = _pos;
            string name = ParseString();
            var nameSpan = TextSpan.FromBounds(nameStart, _pos);
            if (seen.TryGetValue(name, out TextSpan first))
            {
                throw new JsonDuplicateKeyException(name, ObjectPath(), nameSpan, first);
            }

            seen.Add(name, nameSpan);
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            _path.Add((_path.Count > 0 ? "." : string.Empty) + Shortened(name));
            JsonNode value = ParseValue();
            _path.RemoveAt(_path.Count - 1);
            properties.Add(new JsonProperty(name, nameSpan, value));
            SkipWhitespace();
            char c = Peek();
            if (c == ',')
            {
                _pos++;
                continue;
            }

            if (c == '}')
            {
                _pos++;
                return new JsonObject(TextSpan.FromBounds(start, _pos), properties);
            }

            throw Error("expected ',' or '}' after a property", _pos, 1);
        }
    }

    private JsonArray ParseArray()
    {
        int start = _pos;
        _pos++; // '['
        var items = new List<JsonNode>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _pos++;
            return new JsonArray(TextSpan.FromBounds(start, _pos), items);
        }

        while (true)
        {
            SkipWhitespace();
            _path.Add("[" + items.Count.ToString(CultureInfo.InvariantCulture) + "]");
            items.Add(ParseValue());
            _path.RemoveAt(_path.Count - 1);
            SkipWhitespace();
            char c = Peek();
            if (c == ',')
            {
                _pos++;
                continue;
            }

            if (c == ']')
            {
                _pos++;
                return new JsonArray(TextSpan.FromBounds(start, _pos), items);
            }

            throw Error("expected ',' or ']' after an array element", _pos, 1);
        }
    }

    private string ParseString()
    {
        int start = _pos;
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated string", start, 1);
            }

            char c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c < ' ')
            {
                throw Error("control character in a string", _pos - 1, 1);
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw Error("unterminated string", start, 1);
            }

            char e = _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    int code = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        int digit = _pos + i < _text.Length ? HexValue(_text[_pos + i]) : -1;
                        if (digit < 0)
                        {
                            throw Error("invalid \\u escape: four hexadecimal digits expected", _pos - 2, 2);
                        }

                        code = (code * 16) + digit;
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error($"invalid escape '\\{JsonNode.Visible(e.ToString())}'", _pos - 2, 2);
            }
        }
    }

    private JsonNumber ParseNumber()
    {
        int start = _pos;
        if (Peek() == '-')
        {
            _pos++;
        }

        if (Peek() == '0')
        {
            _pos++;
            if (IsDigit(Peek()))
            {
                // RFC 8259 allows no leading zero, and readers disagree on 0100 (100, octal 64, an error).
                throw Error("invalid number: a leading 0 may not be followed by digits", start, _pos + 1 - start);
            }
        }
        else if (IsDigit(Peek()))
        {
            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }
        else
        {
            throw Error("invalid number", start, Math.Max(1, _pos - start));
        }

        if (Peek() == '.')
        {
            _pos++;
            if (!IsDigit(Peek()))
            {
                throw Error("invalid number: digits expected after '.'", start, _pos - start);
            }

            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        if (Peek() == 'e' || Peek() == 'E')
        {
            _pos++;
            if (Peek() == '+' || Peek() == '-')
            {
                _pos++;
            }

            if (!IsDigit(Peek()))
            {
                throw Error("invalid number: digits expected in the exponent", start, _pos - start);
            }

            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        string text = _text.Substring(start, _pos - start);
        // A number beyond double's range (1e400) is ±∞ on .NET Core, but .NET Framework, on which the compiler inside Visual
        // Studio and MSBuild.exe runs this generator, throws OverflowException (BG0018, at no field): read it as ±∞ on both,
        // which every field's bound then refuses where it stands.
        double value = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed
            : text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
        return new JsonNumber(TextSpan.FromBounds(start, _pos), text, value);
    }

    private JsonNode ParseLiteral(string literal, Func<TextSpan, JsonNode> create)
    {
        if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0)
        {
            throw Error($"invalid literal, expected '{literal}'", _pos, 1);
        }

        int start = _pos;
        _pos += literal.Length;
        return create(TextSpan.FromBounds(start, _pos));
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error($"expected '{c}'", _pos, 1);
        }

        _pos++;
    }

    private string ObjectPath() => _path.Count == 0 ? string.Empty : string.Concat(_path) + ".";

    private static string Shortened(string name) =>
        name.Length <= JsonNode.DisplayLength ? name : name.Substring(0, JsonNode.DisplayLength) + "…";

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static int HexValue(char c) =>
        c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t' || _text[_pos] == '\n' || _text[_pos] == '\r'))
        {
            _pos++;
        }
    }

    private JsonSyntaxException Error(string message, int start, int length)
    {
        start = Math.Min(start, _text.Length);
        length = Math.Max(0, Math.Min(length, _text.Length - start));
        return new JsonSyntaxException(message, new TextSpan(start, length));
    }
}
