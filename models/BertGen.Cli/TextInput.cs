using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using BertGen.Runtime;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>
/// Gathers a command's texts: its arguments, or one per line from a file or standard input. Bytes are decoded strictly
/// as UTF-8: an invalid sequence is an error naming its line and byte, never a silent U+FFFD. A leading byte-order mark
/// and CR before LF are dropped. Blank lines (<see cref="BlankText"/>: nothing the model's tokenizer keeps) are skipped (a
/// blank line in a file is layout, and each output line carries its text, so nothing misaligns; messages name a text by its
/// line). An empty or blank text argument is refused instead: it was typed as a text, and dropping it shifted every later
/// text's number and left one answer fewer than arguments.
/// </summary>
internal static class TextInput
{
    /// <summary>
    /// Where the texts of a command come from: arguments, <c>--file</c>, or standard input; blank for
    /// <paramref name="tokenizer"/>, the one the texts will be run through, is judged by it.
    /// </summary>
    public static NumberedTexts Gather(IReadOnlyList<string>? arguments, string? file, CliContext context, BertWordPieceTokenizer tokenizer)
    {
        CliConsole console = context.Console;
        if (arguments is { Count: > 0 })
        {
            RejectMistypedOptions(arguments, context.Arguments);
            if (file is not null)
            {
                throw new CliUsageException("give texts as arguments or with --file, not both");
            }

            NumberedTexts texts = NumberedTexts.FromArguments(arguments);
            for (int i = 0; i < texts.Count; i++)
            {
                if (BlankText.Describe(texts[i], tokenizer) is string blank)
                {
                    throw new CliUsageException($"{texts.Name(i)} {blank}");
                }
            }

            return texts;
        }

        IReadOnlyList<string> lines;
        string source;
        if (file is not null && file != "-")
        {
            if (InputFiles.Problem(file, "input") is string problem)
            {
                throw new CliFailureException(problem);
            }

            lines = ReadLines(File.ReadAllBytes(file), file);
            source = $"'{file}'";
        }
        else
        {
            if (file is null && !console.InputIsRedirected)
            {
                throw new CliUsageException("no input: give texts as arguments, with --file, or one per line on standard input");
            }

            using Stream stdin = console.OpenInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            lines = ReadLines(buffer.ToArray(), "standard input");
            source = "standard input";
        }

        var kept = new List<string>(lines.Count);
        var numbers = new List<int>(lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            if (BlankText.Describe(lines[i], tokenizer) is null)
            {
                kept.Add(lines[i]);
                numbers.Add(i + 1);
            }
        }

        if (kept.Count == 0)
        {
            throw new CliFailureException($"empty input: no text in {source}");
        }

        return NumberedTexts.FromLines(kept, numbers, source);
    }

    /// <summary>
    /// A text argument that looks like an option (<c>--frobnicate</c>) is almost surely a typo: without this it
    /// would be embedded as text, a silent wrong answer. Texts that really start with '-' go after <c>--</c>.
    /// </summary>
    private static void RejectMistypedOptions(IReadOnlyList<string> texts, IReadOnlyList<string> commandLine)
    {
        int doubleDash = -1;
        for (int i = 0; i < commandLine.Count; i++)
        {
            if (commandLine[i] == "--")
            {
                doubleDash = i;
                break;
            }
        }

        foreach (string text in texts)
        {
            if (text.Length > 1 && text[0] == '-' && !char.IsDigit(text[1]) && !char.IsWhiteSpace(text[1]))
            {
                int at = -1;
                for (int i = 0; i < commandLine.Count; i++)
                {
                    if (commandLine[i] == text)
                    {
                        at = i;
                        break;
                    }
                }

                if (doubleDash < 0 || at < doubleDash)
                {
                    throw new CliUsageException($"unknown option '{text}' (a text that starts with '-' goes after '--')");
                }
            }
        }
    }

    /// <summary>Splits UTF-8 bytes into lines, failing on the first invalid byte with its line and column.</summary>
    public static IReadOnlyList<string> ReadLines(ReadOnlySpan<byte> bytes, string sourceName)
    {
        int offset = 0;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            offset = 3;
        }

        var lines = new List<string>();
        int lineNumber = 0;
        while (offset < bytes.Length)
        {
            lineNumber++;
            ReadOnlySpan<byte> rest = bytes[offset..];
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            int bad = FirstInvalidByte(line);
            if (bad >= 0)
            {
                throw new CliFailureException(
                    $"{sourceName}: invalid UTF-8 on line {lineNumber} at byte {bad + 1} (0x{line[bad]:X2}, offset {offset + bad} in the input)");
            }

            lines.Add(Encoding.UTF8.GetString(line));
            offset += end < 0 ? rest.Length : end + 1;
        }

        return lines;
    }

    /// <summary>The index of the first byte that does not start a valid UTF-8 scalar, or −1.</summary>
    private static int FirstInvalidByte(ReadOnlySpan<byte> line)
    {
        int at = 0;
        while (at < line.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(line[at..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return -1;
    }
}
