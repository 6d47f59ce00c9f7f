using System;
using System.Globalization;
using System.Text.Json;

namespace BertGen.Runtime;

/// <summary>
/// System.Text.Json's reason for a document that does not parse, fit for a one-line error: without its
/// <c>Path: $ | LineNumber: 0 | BytePositionInLine: 24</c> tail (<see cref="Where"/> gives the 1-based line and byte
/// an editor shows instead), and with the text it quotes cut as <see cref="MessageText.Quote(string)"/> cuts any quoted
/// value. An invalid literal quotes the whole rest of the document: the 20 KB header of a real safetensors file, or a
/// request body, made one error line of that length.
/// </summary>
internal static class JsonErrorText
{
    /// <summary>Characters of a reason kept when it quotes nothing that can be cut (no reason of System.Text.Json is this long).</summary>
    private const int MaxReasonLength = 300;

    /// <summary>The reason, as one short sentence without a full stop.</summary>
    public static string Reason(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string reason = error.Message;
        int tail = First(reason.IndexOf(" Path: ", StringComparison.Ordinal), reason.IndexOf(" LineNumber: ", StringComparison.Ordinal));
        if (tail >= 0)
        {
            reason = reason[..tail];
        }

        reason = reason.TrimEnd().TrimEnd('.');

        // "'<text>' is an invalid JSON literal. Expected the literal 'true'", "'x' is invalid after a value. …": the quoted
        // text comes first and ends at the last "' is ".
        int quoteEnd = reason.LastIndexOf("' is ", StringComparison.Ordinal);
        if (reason.StartsWith('\'') && quoteEnd > 0)
        {
            reason = MessageText.Quote(reason[1..quoteEnd]) + reason[(quoteEnd + 1)..];
        }

        reason = MessageText.Printable(reason);
        return reason.Length <= MaxReasonLength ? reason : string.Concat(reason.AsSpan(0, MaxReasonLength - 1), "…");
    }

    /// <summary><c> (line L, byte B)</c>, 1-based, or empty when the error says nowhere.</summary>
    public static string Where(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.LineNumber is long line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {(error.BytePositionInLine ?? 0) + 1})")
            : string.Empty;
    }

    /// <summary>What went wrong reading a JSON file: <see cref="Reason"/> and <see cref="Where"/> for a JSON error, the message of any other.</summary>
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is JsonException json ? Reason(json) + Where(json) : error.Message;
    }

    private static int First(int a, int b) => a < 0 ? b : b < 0 ? a : Math.Min(a, b);
}
