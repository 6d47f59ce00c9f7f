using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using BertGen.Runtime;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>Exit codes of <c>bertgen</c>.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work failed: a missing or corrupt file, bad input data, weights that do not fit.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown option or model, missing argument.</summary>
    public const int Usage = 2;

    /// <summary>
    /// Ctrl-C stopped the work (128 + SIGINT, as a shell reports it); a training run checkpointed first. A SIGTERM that
    /// training or <c>quantize</c> handles ends with this code too, not 143: the work stopped where asked, it was not killed.
    /// </summary>
    public const int Interrupted = 130;
}

/// <summary>The command line asked for something that cannot be done as written (exit code 2).</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message)
        : base(message)
    {
    }
}

/// <summary>A command failed for a reason the user can act on (exit code 1); the message is the whole story.</summary>
internal sealed class CliFailureException : Exception
{
    public CliFailureException(string message)
        : base(message)
    {
    }

    public CliFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Ctrl-C or SIGTERM stopped a command after it put its work in a resumable state, or before it wrote anything (exit code 130).</summary>
internal sealed class CliInterruptedException : Exception
{
    public CliInterruptedException(string message)
        : base(message)
    {
    }
}

/// <summary>Turns any exception into the one line <c>bertgen: error: …</c> and an exit code.</summary>
internal static partial class CliErrors
{
    /// <param name="prefix">Put after <c>bertgen: error: </c> (a data-parallel rank's name); the empty string prints nothing.</param>
    public static int Report(Exception exception, TextWriter error, bool verbose, string? prefix = null)
    {
        (int code, string message) = Classify(exception);
        if (prefix is { Length: 0 })
        {
            return code;
        }

        error.WriteLine($"bertgen: error: {prefix}{AsClause(OneLine(message))}");
        if (verbose)
        {
            error.WriteLine(exception.ToString());
        }

        return code;
    }

    /// <summary>The longest error line printed: the runtime already cuts names it quotes, this bounds everything else.</summary>
    public const int MaxLength = 1000;

    /// <summary>
    /// Collapses line breaks, tabs and runs of spaces, so that an error is always exactly one tidy line; writes other
    /// control characters as escapes (a terminal never runs an escape sequence from a file) and cuts the line at
    /// <see cref="MaxLength"/> characters.
    /// </summary>
    public static string OneLine(string message)
    {
        string line = Collapse(message);
        line = MessageText.Printable(line);
        return line.Length <= MaxLength ? line : string.Concat(line.AsSpan(0, MaxLength - 1), "…");
    }

    private static string Collapse(string message)
    {
        var builder = new StringBuilder(message.Length);
        bool space = false;
        foreach (char c in message.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// The runtime's libraries write their messages as sentences ("Cannot …", "The corpus has …."); after
    /// <c>bertgen: error:</c> every message reads as one clause, so a capitalised first word (not a name such as
    /// <c>BertTiny</c> or <c>MLM</c>) is lower-cased and a closing full stop dropped.
    /// </summary>
    public static string AsClause(string message)
    {
        int word = 0;
        while (word < message.Length && char.IsLetter(message[word]))
        {
            word++;
        }

        bool capitalised = word >= 1 && char.IsUpper(message[0]) && message.AsSpan(1, word - 1).IndexOfAnyInRange('A', 'Z') < 0;
        string clause = capitalised ? char.ToLowerInvariant(message[0]) + message[1..] : message;
        return clause.EndsWith('.') && !clause.EndsWith("..", StringComparison.Ordinal) ? clause[..^1] : clause;
    }

    /// <summary>
    /// System.CommandLine says what an option takes by .NET type name ("as expected type
    /// 'System.Nullable`1[System.Int32]'"); the user is told in words instead. Every numeric option type the
    /// commands declare is in the table (a new one falls through to System.CommandLine's text).
    /// </summary>
    public static string WithoutTypeNames(string parseError) =>
        ExpectedType().Replace(parseError, m => m.Groups["type"].Value switch
        {
            "Int32" or "Int64" => " as an integer",
            "UInt64" => " as an integer of 0 or more",
            "Double" => " as a number",
            _ => m.Value,
        });

    [GeneratedRegex(@" as expected type '(System\.Nullable`1\[)?System\.(?<type>\w+)\]?'\.", RegexOptions.CultureInvariant)]
    private static partial Regex ExpectedType();

    /// <summary>The exit code and the one-line message <see cref="Report"/> gives an exception.</summary>
    internal static (int Code, string Message) Classify(Exception exception) => exception switch
    {
        CliUsageException e => (ExitCodes.Usage, e.Message),
        CliFailureException e => (ExitCodes.Failure, e.Message),
        CliInterruptedException e => (ExitCodes.Interrupted, e.Message),

        // The runtime's own one-line errors about files, weights and inputs.
        WeightFileException e => (ExitCodes.Failure, e.Message),
        PretrainedPackageException e => (ExitCodes.Failure, e.Message),
        BertInputException e => (ExitCodes.Failure, e.Message),
        TextDataException e => (ExitCodes.Failure, e.Message),
        ComputePoolException e => (ExitCodes.Failure, e.Message),
        CheckpointException e => (ExitCodes.Failure, e.Message),
        TrainingException e => (ExitCodes.Failure, e.Message),
        OptimizationException e => (ExitCodes.Failure, e.Message),
        DataParallelException e => (ExitCodes.Failure, e.Message),
        FileNotFoundException e => (ExitCodes.Failure, e.FileName is null ? e.Message : $"file '{e.FileName}' not found"),
        DirectoryNotFoundException e => (ExitCodes.Failure, e.Message),
        UnauthorizedAccessException e => (ExitCodes.Failure, e.Message),
        IOException e => (ExitCodes.Failure, e.Message),
        OutOfMemoryException => (ExitCodes.Failure, "out of memory"),

        // Anything else is a bug in bertgen; still one line, with the type so it can be reported.
        _ => (ExitCodes.Failure, $"internal error ({exception.GetType().Name}): {exception.Message} (run with --verbose for details)"),
    };
}
