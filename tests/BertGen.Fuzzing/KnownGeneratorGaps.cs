using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace BertGen.Fuzzing;

/// <summary>
/// Specs that hit the generator limits issue 15 lists as items 1–5 and another change (issue 10's reshaping of
/// generator/) is fixing: nesting beyond any sane depth (item 1, a stack overflow that takes the compiler down), sizes
/// and counts without an upper bound (item 2; the issue proposes layers ≤ 128, shapes ≤ 32, tokens per shape ≤ 2²⁰),
/// values whose arithmetic overflows 32 bits (items 3 and 4), duplicate keys and names that are not plain identifiers
/// (item 5). Such a case is told apart here, by reading the spec with System.Text.Json rather than the generator's
/// parser, and set aside under <see cref="Reason"/> instead of run: running the deep ones would crash the test host.
/// When the generator bounds these, <see cref="Enabled"/> goes to true and every case runs.
/// </summary>
public static class KnownGeneratorGaps
{
    /// <summary>Whether the cases are run anyway (true once issue 15 items 1–5 are fixed in generator/).</summary>
    public const bool Enabled = true;

    /// <summary>The skip reason the tests and the bench print.</summary>
    public const string Reason = "issue 15 items 1–5 (generator bounds, depth limit, 64-bit size arithmetic, duplicate keys, name checks), fixed in generator/ by issue 10's change";

    private const int MaxDepth = 64;
    private const long MaxValue = 1 << 24;

    /// <summary>Which of items 1–5 the spec bytes hit, or null when none does.</summary>
    public static string? Classify(byte[] spec)
    {
        if (Depth(spec) > MaxDepth)
        {
            return "item 1: nested deeper than 64";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(spec, new JsonDocumentOptions { MaxDepth = MaxDepth + 1 });
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            try
            {
                return Walk(document.RootElement, "");
            }
            catch (InvalidOperationException)
            {
                // A name that is not UTF-8: a spec the generator must refuse (BG0001), not one of items 1–5.
                return null;
            }
        }
    }

    private static string? Walk(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (!keys.Add(property.Name))
                    {
                        return $"item 5: key '{property.Name}' twice";
                    }

                    if (Walk(property.Value, path + "." + property.Name) is string found)
                    {
                        return found;
                    }
                }

                return path == "" ? Counts(element) : null;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (Walk(item, path + "[]") is string found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Number:
                return !element.TryGetDouble(out double value) || Math.Abs(value) >= MaxValue ? $"items 2–4: {path} = {element.GetRawText()}" : null;
            case JsonValueKind.String:
                string text = element.GetString() ?? "";
                return (path.EndsWith(".type_name", StringComparison.Ordinal) || path.EndsWith(".namespace", StringComparison.Ordinal))
                    && (text.Length > 512 || text.Any(c => c > 0x7E))
                    ? $"item 5: {path} is not a plain ASCII name of at most 512 characters"
                    : null;
            default:
                return null;
        }
    }

    // Item 2: counts with no upper bound today (the emitted code grows with each).
    private static string? Counts(JsonElement root)
    {
        if (root.TryGetProperty("num_hidden_layers", out JsonElement layers) && Number(layers) is double l && l > 128)
        {
            return $"item 2: num_hidden_layers = {l}";
        }

        if (root.TryGetProperty("bertgen", out JsonElement bertgen) && bertgen.ValueKind == JsonValueKind.Object
            && bertgen.TryGetProperty("shapes", out JsonElement shapes) && shapes.ValueKind == JsonValueKind.Array)
        {
            if (shapes.GetArrayLength() > 32)
            {
                return $"item 2: {shapes.GetArrayLength()} shapes";
            }

            foreach (JsonElement shape in shapes.EnumerateArray())
            {
                if (shape.ValueKind == JsonValueKind.Object
                    && shape.TryGetProperty("batch", out JsonElement b) && Number(b) is double batch
                    && shape.TryGetProperty("sequence", out JsonElement s) && Number(s) is double sequence
                    && batch * sequence > 1 << 20)
                {
                    return $"items 2–4: a shape of {batch} × {sequence} tokens";
                }
            }
        }

        return null;
    }

    private static double? Number(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out double value) ? value : null;

    /// <summary>Deepest nesting of [ and { outside strings.</summary>
    private static int Depth(byte[] json)
    {
        int depth = 0;
        int deepest = 0;
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            byte b = json[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)'[' or (byte)'{')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (b is (byte)']' or (byte)'}')
            {
                depth--;
            }
        }

        return deepest;
    }
}
