using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BertGen.Cli;

namespace BertGen.Fuzzing;

/// <summary>
/// The contract for a refusal, checked on the line <c>bertgen</c> would print for the exception (rendered by the CLI's
/// own <see cref="CliErrors"/>): one line, short, about the input. Never <c>internal error (…)</c> (an exception type
/// the CLI does not know is a bug, whatever its message), never "out of memory" (a size that should have been
/// refused before it was allocated), never a raw control character.
/// </summary>
public static class ErrorContract
{
    /// <summary>The longest acceptable error line: a sentence with a path or two in it.</summary>
    public const int MaxLineLength = 600;

    /// <summary>What is wrong with how <paramref name="error"/> would be reported, or null when it keeps the contract.</summary>
    public static string? Violation(Exception error)
    {
        var writer = new StringWriter();
        int code = CliErrors.Report(error, writer, verbose: false);
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1)
        {
            return $"{lines.Length} lines on stderr";
        }

        string line = lines[0].TrimEnd('\r');
        if (code == ExitCodes.Success || line.Contains("internal error", StringComparison.Ordinal) || line.EndsWith("out of memory", StringComparison.Ordinal))
        {
            return $"{error.GetType().Name}: {Shorten(line)}";
        }

        if (line.Length > MaxLineLength)
        {
            return $"an error line of {line.Length} characters: {Shorten(line)}";
        }

        return line.Any(char.IsControl) ? $"a raw control character in: {Shorten(line)}" : null;
    }

    /// <summary>What is wrong with a failed <c>bertgen</c> run's exit code and output, or null.</summary>
    public static string? PrintedViolation(CliRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int code = run.ExitCode;
        string output = run.Output;
        string[] lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        if (code is not (ExitCodes.Failure or ExitCodes.Usage))
        {
            return $"exit code {code}";
        }

        if (output.Length > 0)
        {
            return $"a failed run printed {output.Length} characters on stdout";
        }

        if (lines.Length != 1 || !lines[0].StartsWith("bertgen: error: ", StringComparison.Ordinal))
        {
            return $"{lines.Length} lines on stderr, not one 'bertgen: error:' line: {Shorten(string.Join(" | ", lines))}";
        }

        string line = lines[0];
        return line.Contains("internal error", StringComparison.Ordinal) || line.EndsWith("out of memory", StringComparison.Ordinal) || line.Contains("   at ", StringComparison.Ordinal)
            ? Shorten(line)
            : line.Length > MaxLineLength ? $"an error line of {line.Length} characters: {Shorten(line)}"
            : line.Any(char.IsControl) ? $"a raw control character in: {Shorten(line)}"
            : null;
    }

    /// <summary>
    /// What is wrong with an error answer of <c>bertgen serve</c> (models/README.md "serve"), or null: a status among
    /// <paramref name="allowed"/> (never a 5xx), a JSON body — TEI's <c>{"error", "error_type"}</c>, or on the OpenAI route
    /// OpenAI's <c>{"message", "code", "type"}</c> with <c>code</c> the status — whose message keeps the line rules above.
    /// </summary>
    /// <param name="openAi">true: OpenAI's body; false: TEI's; null: either (a path under /v1 no route has).</param>
    /// <param name="message">The error message, or a shortened body when there is none.</param>
    public static string? ServedViolation(HttpAnswer answer, IReadOnlyCollection<int> allowed, bool? openAi, out string message)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(allowed);
        string body = System.Text.Encoding.UTF8.GetString(answer.Body);
        message = Shorten(body);
        string? problem = null;
        try
        {
            using var json = JsonDocument.Parse(answer.Body);
            JsonElement root = json.RootElement;
            bool isTei = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String
                && root.TryGetProperty("error_type", out JsonElement t) && t.ValueKind == JsonValueKind.String;
            bool isOpenAi = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String
                && root.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int code) && code == answer.Status
                && root.TryGetProperty("type", out JsonElement y) && y.ValueKind == JsonValueKind.String;
            if (openAi == true ? !isOpenAi : openAi == false ? !isTei : !(isTei || isOpenAi))
            {
                problem = $"not the {(openAi == true ? "OpenAI" : openAi == false ? "TEI" : "")} error body: {Shorten(body)}";
            }
            else
            {
                message = root.GetProperty(isTei ? "error" : "message").GetString()!;
            }
        }
        catch (JsonException)
        {
            problem = $"an error body that is not JSON: '{Shorten(body)}'";
        }

        string? contentType = answer.Header("content-type");
        return answer.Status >= 500 ? $"{answer.Status}: {message}"
            : !allowed.Contains(answer.Status) ? $"{answer.Status} where the contract says {string.Join(" or ", allowed)}: {message}"
            : problem is not null ? problem
            : contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ? $"an error body of Content-Type '{contentType}'"
            : message.Contains("internal error", StringComparison.Ordinal) || message.EndsWith("out of memory", StringComparison.Ordinal) ? Shorten(message)
            : message.Length > MaxLineLength ? $"an error message of {message.Length} characters: {Shorten(message)}"
            : message.Length == 0 ? "an empty error message"
            : message.Any(char.IsControl) ? $"a raw control character (or a second line) in: {Shorten(message)}"
            : null;
    }

    /// <summary>The line <c>bertgen</c> prints for <paramref name="error"/>.</summary>
    public static string Line(Exception error)
    {
        var writer = new StringWriter();
        CliErrors.Report(error, writer, verbose: false);
        return writer.ToString().TrimEnd('\n', '\r');
    }

    private static string Shorten(string line) => line.Length <= 300 ? line : line[..300] + "…";
}
