using System;
using System.Globalization;
using System.Text.Json;
using BertGen.Runtime;

namespace BertGen.Cli;

/// <summary>
/// Why a JSON file the CLI reads (a model folder's config.json, sentence_bert_config.json) does not parse, in the
/// words a person editing it uses: System.Text.Json's reason as <see cref="JsonErrorText"/> words it (the 1-based
/// line and byte an editor shows, what it quotes cut).
/// </summary>
internal static class JsonFileErrors
{
    public static string NotValid(string path, JsonException error) =>
        $"'{path}' is not valid JSON{JsonErrorText.Where(error)}: {JsonErrorText.Reason(error)}";

    /// <summary>The line for a JSON file that is not UTF-8 (naming the first bad byte), or null when it is.</summary>
    public static string? InvalidUtf8(string path, ReadOnlySpan<byte> bytes)
    {
        int at = BertGen.Runtime.InvalidUtf8.FirstBadByte(bytes);
        return at < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"'{path}' is not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at})");
    }
}
