using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace BertGen.Text;

/// <summary>
/// Reads the sentence-per-line format of Google's <c>create_pretraining_data.py</c>: one sentence per line,
/// a blank (or whitespace-only) line between documents. Empty documents are dropped, as there.
/// </summary>
public static class SentenceCorpusReader
{
    public static IReadOnlyList<IReadOnlyList<string>> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Group(Lines(reader));
    }

    /// <summary>
    /// Reads a corpus file, plain or gzip (told apart by content), checked as it is read: invalid UTF-8, a cut or
    /// padded gzip stream and a file cut mid-line are errors naming the file and line.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the file was read.</exception>
    public static IReadOnlyList<IReadOnlyList<string>> ReadFile(string path, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Group(TextFileLines.Read(path, "corpus").Select(l =>
        {
            cancellation.ThrowIfCancellationRequested();
            return l.Text;
        }));
    }

    /// <summary>Opens a UTF-8 text file that may be gzip-compressed (detected by content, not by name; a gzip file is checked whole).</summary>
    public static TextReader OpenText(string path) =>
        new StreamReader(TextFileLines.Open(path, "text"), new UTF8Encoding(false, throwOnInvalidBytes: true));

    private static IEnumerable<string> Lines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static List<IReadOnlyList<string>> Group(IEnumerable<string> lines)
    {
        var documents = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        foreach (string line in lines)
        {
            string sentence = line.Trim();
            if (sentence.Length == 0)
            {
                if (current.Count > 0)
                {
                    documents.Add(current);
                    current = new List<string>();
                }

                continue;
            }

            current.Add(sentence);
        }

        if (current.Count > 0)
        {
            documents.Add(current);
        }

        return documents;
    }
}
