using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace BertGen.Text;

/// <summary>
/// Reads the sentence-per-line format of Google's <c>create_pretraining_data.py</c>: one sentence per line,
/// a blank (or whitespace-only) line between documents. Empty documents are dropped, as there.
/// </summary>
public static class SentenceCorpusReader
{
    public static IReadOnlyList<IReadOnlyList<string>> Read(TextReader reader)
    {
        var documents = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        while (reader.ReadLine() is { } line)
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

    /// <summary>Reads a corpus file, gunzipping it first when it starts with the gzip magic bytes.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ReadFile(string path)
    {
        using TextReader reader = OpenText(path);
        return Read(reader);
    }

    /// <summary>Opens a UTF-8 text file that may be gzip-compressed (detected by content, not by name).</summary>
    public static TextReader OpenText(string path)
    {
        if (!File.Exists(path))
        {
            throw new TextDataException($"Text file '{path}' does not exist.");
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        int b0 = file.ReadByte();
        int b1 = file.ReadByte();
        file.Position = 0;
        Stream content = b0 == 0x1F && b1 == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
        return new StreamReader(content, new UTF8Encoding(false, throwOnInvalidBytes: true));
    }
}
