using System;
using System.IO;
using System.Linq;
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

    /// <summary>The line <c>bertgen</c> prints for <paramref name="error"/>.</summary>
    public static string Line(Exception error)
    {
        var writer = new StringWriter();
        CliErrors.Report(error, writer, verbose: false);
        return writer.ToString().TrimEnd('\n', '\r');
    }

    private static string Shorten(string line) => line.Length <= 300 ? line : line[..300] + "…";
}
