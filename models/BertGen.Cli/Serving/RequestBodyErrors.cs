using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BertGen.Runtime;

namespace BertGen.Cli.Serving;

/// <summary>
/// A field's value the route cannot take, found by one of the request converters (<see cref="TextInputsConverter"/>):
/// <see cref="Exception.Message"/> says which part of the value is wrong ("input 2 is a number"), and
/// <see cref="RequestBodyErrors"/> puts the field and what it takes in front.
/// </summary>
internal sealed class RequestValueException(string detail) : JsonException(detail);

/// <summary>
/// Words System.Text.Json's refusal of a request body as one sentence about the body: the field its path names, the JSON
/// type that field takes and the value sent (<c>'truncate' must be true or false, not "yes"</c>), never the .NET type the
/// field is bound to ("could not be converted to System.Nullable`1[System.Boolean]").
/// </summary>
internal static class RequestBodyErrors
{
    /// <summary>What each bound type takes, in JSON's words: every property type of the request bodies is here (a test checks).</summary>
    public static readonly IReadOnlyDictionary<Type, string> Takes = new Dictionary<Type, string>()
    {
        [typeof(bool)] = "true or false",
        [typeof(bool?)] = "true or false",
        [typeof(int?)] = "a whole number",
        [typeof(string)] = "a string",
        [typeof(TextInputs)] = "a string or an array of strings",
        [typeof(PredictInputs)] = "a string, a pair of strings or an array of them",
    };

    /// <summary>Longer values are described by their kind ("a string"), not quoted.</summary>
    private const int MaxQuoted = 40;

    /// <summary>The sentence for <paramref name="error"/>, thrown reading <paramref name="body"/> as <paramref name="type"/>.</summary>
    public static string Describe(JsonException error, JsonTypeInfo type, ReadOnlyMemory<byte> body)
    {
        // The reader's own errors (a JsonException inside) are about the text, not a field: they name no .NET type.
        if (error.InnerException is JsonException)
        {
            return $"the body is not valid JSON{JsonErrorText.Where(error)}: {JsonErrorText.Reason(error)}";
        }

        JsonElement? root = Parse(body);
        string? field = TopLevelField(error.Path);
        if (field is null)
        {
            return $"the body must be a JSON object{(root is JsonElement value && Found(value) is string sentBody ? $", not {sentBody}" : "")}";
        }

        if (root is JsonElement { ValueKind: JsonValueKind.Object } fields && fields.EnumerateObject().Count(p => p.NameEquals(field)) > 1)
        {
            return $"'{field}' is given twice; send it once";
        }

        JsonPropertyInfo? property = type.Properties.FirstOrDefault(p => p.Name == field);
        string takes = property is not null && Takes.TryGetValue(property.PropertyType, out string? words) ? words : "another kind of value";
        if (error is RequestValueException)
        {
            return $"'{field}' must be {takes}; {error.Message}";
        }

        if (root is not JsonElement { ValueKind: JsonValueKind.Object } request || !request.TryGetProperty(field, out JsonElement sent))
        {
            return $"'{field}' must be {takes}";
        }

        return Found(sent) is string found ? $"'{field}' must be {takes}, not {found}" : $"'{field}' must be {takes} of valid UTF-8";
    }

    /// <summary>The value sent, as JSON when short (<c>"yes"</c>, <c>3.5</c>), else its kind (an array); null when it is not UTF-8.</summary>
    private static string? Found(JsonElement value)
    {
        string raw;
        try
        {
            raw = value.GetRawText();
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String when raw.Length > MaxQuoted => "a long string",
            JsonValueKind.Number when raw.Length > MaxQuoted => "a long number",
            _ => raw,
        };
    }

    /// <summary>The property a JSON path starts with (<c>$.inputs[2]</c> → inputs, <c>$['a.b']</c> → a.b); null for the body itself.</summary>
    private static string? TopLevelField(string? path)
    {
        if (path is null || !path.StartsWith('$') || path.Length == 1)
        {
            return null;
        }

        if (path.StartsWith("$['", StringComparison.Ordinal))
        {
            int end = path.IndexOf("']", 3, StringComparison.Ordinal);
            return end < 0 ? null : path[3..end];
        }

        int stop = path.IndexOfAny(['.', '['], 2);
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..(stop < 0 ? path.Length : stop)] : null;
    }

    /// <summary>The body as a document, to quote the value sent; null when it is not whole JSON.</summary>
    private static JsonElement? Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
