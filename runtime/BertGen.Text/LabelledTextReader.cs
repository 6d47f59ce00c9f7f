using System.Collections.Generic;
using System.IO;

namespace BertGen.Text;

/// <summary>
/// Reads labelled text as TSV without a header: <c>label&lt;TAB&gt;text</c> or
/// <c>label&lt;TAB&gt;textA&lt;TAB&gt;textB</c> per line (gzip-compressed files are read too).
/// </summary>
public static class LabelledTextReader
{
    public static List<LabelledText> ReadFile(string path)
    {
        using TextReader reader = SentenceCorpusReader.OpenText(path);
        return Read(reader, path);
    }

    public static List<LabelledText> Read(TextReader reader, string sourceName)
    {
        var examples = new List<LabelledText>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string[] fields = line.Split('\t');
            if (fields.Length is < 2 or > 3)
            {
                throw new TextDataException($"{sourceName} line {lineNumber}: expected label<TAB>text or label<TAB>textA<TAB>textB, found {fields.Length} field(s).");
            }

            if (fields[0].Length == 0 || string.IsNullOrWhiteSpace(fields[1]) || (fields.Length == 3 && string.IsNullOrWhiteSpace(fields[2])))
            {
                throw new TextDataException($"{sourceName} line {lineNumber}: the label or a text is empty.");
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
