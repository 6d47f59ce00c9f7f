using System;
using System.Collections.Generic;
using System.IO;

namespace BertGen.Text;

/// <summary>
/// Reads labelled text as TSV without a header: <c>label&lt;TAB&gt;text</c> or
/// <c>label&lt;TAB&gt;textA&lt;TAB&gt;textB</c> per line (gzip-compressed files are read too).
/// </summary>
public static class LabelledTextReader
{
    /// <summary>
    /// Reads a labelled-text file, plain or gzip (told apart by content), checked as it is read: invalid UTF-8, a cut or
    /// padded gzip stream and a file cut mid-line are errors naming the file and line. Blank lines are skipped; line
    /// numbers in messages count them.
    /// </summary>
    public static List<LabelledText> ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(TextFileLines.Read(path, "labelled text"), path);
    }

    public static List<LabelledText> Read(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Read(Lines(reader), sourceName);
    }

    private static IEnumerable<(int Number, string Text)> Lines(TextReader reader)
    {
        int number = 0;
        while (reader.ReadLine() is { } line)
        {
            yield return (++number, line);
        }
    }

    private static List<LabelledText> Read(IEnumerable<(int Number, string Text)> lines, string sourceName)
    {
        var examples = new List<LabelledText>();
        foreach ((int lineNumber, string line) in lines)
        {
            // A blank line holds no example (an editor's extra newline at the end, a gap between blocks): skipped, as
            // pandas' and HuggingFace datasets' TSV readers skip it. A line with a label and a blank text is an error below.
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] fields = line.Split('\t');
            if (fields.Length is < 2 or > 3)
            {
                throw new TextDataException($"{sourceName} line {lineNumber}: expected label<TAB>text or label<TAB>textA<TAB>textB, found {fields.Length} field(s).");
            }

            // A label of only whitespace names no class, as an empty one does (it was taken as a class named " "): refused alike.
            if (string.IsNullOrWhiteSpace(fields[0]) || string.IsNullOrWhiteSpace(fields[1]) || (fields.Length == 3 && string.IsNullOrWhiteSpace(fields[2])))
            {
                throw new TextDataException($"{sourceName} line {lineNumber}: the label or a text is empty or only whitespace.");
            }

            examples.Add(new LabelledText(fields[0], fields[1], fields.Length == 3 ? fields[2] : null, $"{sourceName} line {lineNumber}"));
        }

        if (examples.Count == 0)
        {
            throw new TextDataException($"{sourceName} has no examples.");
        }

        return examples;
    }
}
