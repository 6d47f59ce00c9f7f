using System.Collections.Generic;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Parsing;

/// <summary>What a JSON value is; used in "expected a number, found a string" messages.</summary>
internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>
/// A parsed JSON value with the span it came from, so that every spec diagnostic can point at the exact
/// field. Lives only inside the parse step: the pipeline never carries it.
/// </summary>
internal abstract class JsonNode
{
    protected JsonNode(TextSpan span) => Span = span;

    public TextSpan Span { get; }

    public abstract JsonKind Kind { get; }

    /// <summary>The value as it would be quoted in a message: strings in quotes, numbers as written.</summary>
    public abstract string Display { get; }
}

internal sealed class JsonObject : JsonNode
{
    public JsonObject(TextSpan span, IReadOnlyList<JsonProperty> properties)
        : base(span) => Properties = properties;

    public IReadOnlyList<JsonProperty> Properties { get; }

    public override JsonKind Kind => JsonKind.Object;

    public override string Display => "an object";

    public JsonProperty? Find(string name)
    {
        // JSON allows a repeated key; like System.Text.Json's JsonNode, the last one wins.
        JsonProperty? found = null;
        foreach (JsonProperty p in Properties)
        {
            if (p.Name == name)
            {
                found = p;
            }
        }

        return found;
    }
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

    public override JsonKind Kind => JsonKind.Array;

    public override string Display => "an array";
}

internal sealed class JsonString : JsonNode
{
    public JsonString(TextSpan span, string value)
        : base(span) => Value = value;

    public string Value { get; }

    public override JsonKind Kind => JsonKind.String;

    public override string Display => "\"" + Value + "\"";
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

    public override JsonKind Kind => JsonKind.Number;

    public override string Display => Text;
}

internal sealed class JsonBoolean : JsonNode
{
    public JsonBoolean(TextSpan span, bool value)
        : base(span) => Value = value;

    public bool Value { get; }

    public override JsonKind Kind => JsonKind.Boolean;

    public override string Display => Value ? "true" : "false";
}

internal sealed class JsonNull : JsonNode
{
    public JsonNull(TextSpan span)
        : base(span)
    {
    }

    public override JsonKind Kind => JsonKind.Null;

    public override string Display => "null";
}
