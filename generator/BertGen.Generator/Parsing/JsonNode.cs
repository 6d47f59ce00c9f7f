using System.Collections.Generic;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Parsing;

/// <summary>
/// A parsed JSON value with the span it came from, so that every spec diagnostic can point at the exact
/// field. Lives only inside the parse step: the pipeline never carries it.
/// </summary>
internal abstract class JsonNode
{
    protected JsonNode(TextSpan span) => Span = span;

    public TextSpan Span { get; }

    /// <summary>
    /// The value as it would be quoted in a message: strings in quotes, numbers as written, either cut to
    /// <see cref="DisplayLength"/> characters so a megabyte-long value makes a readable message.
    /// </summary>
    public abstract string Display { get; }

    /// <summary>Characters of a value a message quotes before it is cut with an ellipsis.</summary>
    public const int DisplayLength = 64;

    protected static string Shorten(string text) =>
        Visible(text.Length <= DisplayLength ? text : text.Substring(0, DisplayLength) + "…");

    /// <summary>
    /// The text with control, format (bidirectional overrides, zero-width characters) and separator characters
    /// written as <c>\uXXXX</c>, so a message shows what the spec holds instead of being reordered or cut by it.
    /// </summary>
    public static string Visible(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (IsInvisible(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>Control, format, surrogate and line/paragraph separator characters.</summary>
    public static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator;
}

internal sealed class JsonObject : JsonNode
{
    // By name, because the parser asks for each known field of every unknown one (BG0017): a linear search made a
    // spec with 30,000 unknown keys take 40 s to compile and one with a million minutes.
    private readonly Dictionary<string, JsonProperty> _byName;

    public JsonObject(TextSpan span, IReadOnlyList<JsonProperty> properties)
        : base(span)
    {
        Properties = properties;
        _byName = new Dictionary<string, JsonProperty>(properties.Count, System.StringComparer.Ordinal);
        foreach (JsonProperty p in properties)
        {
            _byName.Add(p.Name, p);
        }
    }

    public IReadOnlyList<JsonProperty> Properties { get; }


    public override string Display => "an object";

    /// <summary>The property named <paramref name="name"/>; keys are unique (the parser rejects repeats).</summary>
    public JsonProperty? Find(string name) => _byName.TryGetValue(name, out JsonProperty? p) ? p : null;
}

internal sealed class JsonProperty
{
    public JsonProperty(string name, TextSpan nameSpan, JsonNode value)
    {
        Name = name;
        NameSpan = nameSpan;
        Value = value;
    }

    public string Name { get; }

    public TextSpan NameSpan { get; }

    public JsonNode Value { get; }
}

internal sealed class JsonArray : JsonNode
{
    public JsonArray(TextSpan span, IReadOnlyList<JsonNode> items)
        : base(span) => Items = items;

    public IReadOnlyList<JsonNode> Items { get; }


    public override string Display => Items.Count == 0 ? "an empty array" : "an array";
}

internal sealed class JsonString : JsonNode
{
    public JsonString(TextSpan span, string value)
        : base(span) => Value = value;

    public string Value { get; }


    public override string Display => "\"" + Shorten(Value) + "\"";
}

internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(TextSpan span, string text, double value)
        : base(span)
    {
        Text = text;
        Value = value;
    }

    /// <summary>The number exactly as written, for messages and integer checks.</summary>
    public string Text { get; }

    public double Value { get; }

    public bool IsInteger => Text.IndexOfAny(new[] { '.', 'e', 'E' }) < 0;


    public override string Display => Shorten(Text);
}

internal sealed class JsonBoolean : JsonNode
{
    public JsonBoolean(TextSpan span, bool value)
        : base(span) => Value = value;

    public bool Value { get; }


    public override string Display => Value ? "true" : "false";
}

internal sealed class JsonNull : JsonNode
{
    public JsonNull(TextSpan span)
        : base(span)
    {
    }


    public override string Display => "null";
}
