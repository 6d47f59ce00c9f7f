using System;
using BertGen.Runtime;
using Microsoft.Net.Http.Headers;

namespace BertGen.Cli.Serving;

/// <summary>
/// The text encoding of a request body. JSON between systems is UTF-8 (RFC 8259 §8.1), which is all System.Text.Json
/// reads, and without a byte-order mark: the BOM that PowerShell and some .NET writers put first was refused as "'0xEF'
/// is an invalid start of a value", and a UTF-16 body (.NET's <c>Encoding.Unicode</c>) for its first byte or a NUL.
/// The UTF-8 BOM says nothing and is skipped. UTF-16 and UTF-32 — named by the Content-Type's charset, by a BOM, or by
/// the NULs around the ASCII a JSON text starts with (RFC 4627 §3) — are refused (415) naming the encoding: the server
/// does not transcode, as it does not decompress. Any other charset is ignored, as RFC 8259 §11 says a recipient does
/// (application/json has no charset parameter): the body is read as UTF-8, and a byte that is not is named where it is.
/// </summary>
internal static class RequestBodyEncoding
{
    private const string ReadsUtf8Only = "the server reads UTF-8 JSON only; send the body as UTF-8";

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>Refuses a Content-Type whose charset is UTF-16 or UTF-32, before the body is read.</summary>
    public static void RefuseDeclared(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? type) || type.Charset.Value is not string charset)
        {
            return;
        }

        charset = charset.Trim('"');
        string plain = charset.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (plain.StartsWith("utf16", StringComparison.OrdinalIgnoreCase) || plain.StartsWith("utf32", StringComparison.OrdinalIgnoreCase)
            || plain.StartsWith("ucs2", StringComparison.OrdinalIgnoreCase) || plain.StartsWith("ucs4", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ApiError.UnsupportedEncoding, $"Content-Type charset {MessageText.Quote(charset)}: {ReadsUtf8Only}");
        }
    }

    /// <summary>Where the JSON of <paramref name="body"/> starts: after a UTF-8 BOM, else at 0; UTF-16 and UTF-32 are refused.</summary>
    public static int JsonStart(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(Utf8ByteOrderMark))
        {
            return Utf8ByteOrderMark.Length;
        }

        if (Detect(body) is string encoding)
        {
            throw new ApiException(ApiError.UnsupportedEncoding, $"the body is {encoding}: {ReadsUtf8Only}");
        }

        return 0;
    }

    /// <summary>UTF-16 or UTF-32 by its BOM, or by where the NULs fall around a first ASCII character; null for anything else.</summary>
    private static string? Detect(ReadOnlySpan<byte> body) => body switch
    {
        [0x00, 0x00, 0xFE, 0xFF, ..] => "UTF-32BE",
        [0xFF, 0xFE, 0x00, 0x00, ..] => "UTF-32LE",
        [0xFE, 0xFF, ..] => "UTF-16BE",
        [0xFF, 0xFE, ..] => "UTF-16LE",
        [0x00, 0x00, 0x00, var c, ..] when IsText(c) => "UTF-32BE",
        [var c, 0x00, 0x00, 0x00, ..] when IsText(c) => "UTF-32LE",
        [0x00, var c, ..] when IsText(c) => "UTF-16BE",
        [var c, 0x00, ..] when IsText(c) => "UTF-16LE",
        _ => null,
    };

    // What a JSON text can start with is ASCII: whitespace, a bracket, a quote, a letter or a digit.
    private static bool IsText(byte c) => c is (byte)'\t' or (byte)'\n' or (byte)'\r' or >= 0x20 and < 0x7F;
}
