using System;
using System.Globalization;
using System.Text.Json;

namespace BertGen.Cli;

/// <summary>
/// Why a JSON file the CLI reads (a model folder's config.json, sentence_bert_config.json) does not parse, in the
/// words a person editing it uses: System.Text.Json's reason, with its zero-based
/// <c>LineNumber: 0 | BytePositionInLine: 24</c> written as the 1-based line and byte an editor shows.
/// </summary>
internal static class JsonFileErrors
{
    public static string NotValid(string path, JsonException error)
    {
        string reason = error.Message;
        int position = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (position >= 0)
        {
            reason = reason[..position];
        }

        reason = reason.TrimEnd().TrimEnd('.');
        string where = error.LineNumber is long line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {(error.BytePositionInLine ?? 0) + 1})")
            : "";
        return $"'{path}' is not valid JSON{where}: {reason}";
    }

    /// <summary>The line for a JSON file that is not UTF-8 (naming the first bad byte), or null when it is.</summary>
    public static string? InvalidUtf8(string path, ReadOnlySpan<byte> bytes)
    {
        int at = BertGen.Runtime.InvalidUtf8.FirstBadByte(bytes);
        return at < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"'{path}' is not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at})");
    }
}
