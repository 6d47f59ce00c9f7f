using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using BertGen.Text;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged pretraining corpora (<see cref="SentenceCorpusReader.ReadFile"/>, then WordPiece) or labelled-text files
/// (<see cref="LabelledTextReader.ReadFile"/>), plain and gzip. Plain files get byte damage and line damage (lone CRs,
/// invalid UTF-8, cuts mid-line, escape codes, NULs, byte-order marks) judged by an independent reading of the damaged
/// bytes (<see cref="ReferenceTextData"/>). Gzip files get container damage (flips, cuts, garbage after the end), which
/// must be refused or be harmless, with its CRC-32 making "harmless and different" impossible; header fields gzip
/// ignores (modification time, OS) must change nothing; and damaged content, compressed whole, judged by the reference.
/// </summary>
public sealed class TextDataTarget : IFuzzTarget, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _plain;
    private readonly byte[] _gzip;
    private readonly Func<byte[], string?> _reference;
    private readonly Func<string, string> _read;
    private readonly string _answer;

    private TextDataTarget(string family, string text, Func<byte[], string?> reference, Func<string, string> read)
    {
        Family = family;
        Directory.CreateDirectory(_folder);
        _plain = Encoding.UTF8.GetBytes(text);
        _gzip = Gzip(_plain);
        _reference = reference;
        _read = read;
        _answer = reference(_plain) ?? throw new InvalidOperationException($"the undamaged {family} file is not valid");
    }

    public string Family { get; }

    /// <summary>Sentence-per-line corpora, read and tokenised with the bundled vocabulary as pretraining does.</summary>
    public static TextDataTarget Corpus()
    {
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.FromVocabularyFile(Path.Combine(AppContext.BaseDirectory, "data", "bert-base-uncased-vocab.txt"));
        string text = string.Join("\n\n", Enumerable.Range(0, 6).Select(d => string.Join("\n", Enumerable.Range(0, 5).Select(s =>
            $"In the beginning of document {d}, sentence {s} said: “café” and naïve text ☃ 漢字 ok.")))) + "\n";
        return new TextDataTarget("corpus", text, ReferenceTextData.Corpus, path =>
        {
            IReadOnlyList<IReadOnlyList<string>> documents = SentenceCorpusReader.ReadFile(path);

            // Tokenising arbitrary damaged text must not fail either; the answer is the text the reader produced.
            PretrainingCorpus.Tokenize(documents, tokenizer);
            return ReferenceTextData.FormatCorpus(documents);
        });
    }

    /// <summary>label TAB text [TAB text_b] files, as fine-tuning reads them.</summary>
    public static TextDataTarget Labels()
    {
        string text = string.Join("\n", Enumerable.Range(0, 12).Select(i =>
            i % 3 == 2 ? $"{(i % 2 == 0 ? "OT" : "NT")}\tverse {i} part one\tverse {i} part two" : $"{(i % 2 == 0 ? "OT" : "NT")}\tverse {i}: and it was so.")) + "\n";
        return new TextDataTarget("labels", text, ReferenceTextData.Labels, path =>
            ReferenceTextData.FormatLabels(LabelledTextReader.ReadFile(path).Select(e => e.TextB is null ? new[] { e.Label, e.Text } : [e.Label, e.Text, e.TextB])));
    }

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            int kind = random.Next(8);
            if (kind < 4)
            {
                (string mutation, byte[] bytes) = kind < 2 ? ByteMutations.Any(_plain, random) : LineEdit(random);
                yield return Judged(mutation, bytes, bytes);
            }
            else if (kind == 4)
            {
                (string mutation, byte[] bytes) = random.Next(2) == 0 ? ByteMutations.Any(_plain, random) : LineEdit(random);
                yield return Judged($"gzip of ({mutation})", Gzip(bytes), bytes);
            }
            else if (kind == 5)
            {
                // RFC 1952: MTIME (bytes 4–7), XFL (8) and OS (9) are information only.
                int at = random.Pick([4, 5, 6, 7, 8, 9]);
                byte[] copy = (byte[])_gzip.Clone();
                copy[at] = (byte)random.Next(256);
                yield return new FuzzCase(Family, $"gzip header byte {at} (time, extra flags or OS) set to 0x{copy[at]:X2}", copy, FuzzExpectation.Accept(_answer));
            }
            else if (kind == 6)
            {
                // Damage inside the stream: the CRC-32 leaves "refused" or (header bytes gzip ignores) "unchanged".
                (string mutation, byte[] bytes) = ByteMutations.Any(_gzip, random, 0, _gzip.Length - 1);
                bool cut = bytes.Length < _gzip.Length && _gzip.AsSpan().StartsWith(bytes);
                yield return cut ? Cut("gzip: " + mutation, bytes) : new FuzzCase(Family, "gzip: " + mutation, bytes, FuzzExpectation.RejectOrSame(_answer));
            }
            else
            {
                // A stream cut short or followed by bytes that are not gzip is never the whole file, even at a line end.
                (string mutation, byte[] bytes) = random.Next(2) == 0 ? ByteMutations.Truncate(_gzip, random, 0, _gzip.Length) : ByteMutations.Append(_gzip, random);
                yield return Cut("gzip: " + mutation, bytes);
            }
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string path = Path.Combine(_folder, Family + ".data");
        File.WriteAllBytes(path, fuzzCase.Bytes);
        try
        {
            return FuzzOutcome.Accepted(_read(path));
        }
        catch (Exception e)
        {
            return FuzzOutcome.Rejected(e);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // A gzip stream cut short (or extended) is refused, unless the cut left fewer than its two magic bytes: then it is
    // no longer a gzip file but a (tiny) plain one, judged as such.
    private FuzzCase Cut(string mutation, byte[] bytes) =>
        bytes.Length < 2 ? Judged(mutation, bytes, bytes) : new FuzzCase(Family, mutation, bytes, FuzzExpectation.Reject);

    private FuzzCase Judged(string mutation, byte[] file, byte[] content)
    {
        // A damaged plain file that happens to start with the gzip magic bytes is read as gzip: refused or harmless.
        bool looksGzip = file == content && content.Length >= 2 && content[0] == 0x1F && content[1] == 0x8B;
        string? answer = looksGzip ? null : _reference(content);
        return new FuzzCase(Family, mutation, file, looksGzip ? FuzzExpectation.Reject : answer is null ? FuzzExpectation.Reject : FuzzExpectation.Accept(answer));
    }

    private (string, byte[]) LineEdit(FuzzRandom random)
    {
        byte[] text = _plain;
        int at = random.Next(text.Length);
        byte[] inserted;
        string what;
        switch (random.Next(9))
        {
            case 0:
                inserted = "\r"u8.ToArray();
                what = "a lone CR";
                break;
            case 1:
                inserted = [random.Pick(new byte[] { 0xFF, 0xC0, 0x80, 0xED, 0xF5 })];
                what = $"byte 0x{inserted[0]:X2}";
                break;
            case 2:
                return ($"cut at {at} (mid-line)", text[..at]);
            case 3:
                inserted = "\u001b[2J\u009b31m"u8.ToArray();
                what = "escape codes";
                break;
            case 4:
                inserted = [0, 0, 0];
                what = "NUL bytes";
                break;
            case 5:
                return ("byte-order mark added", [0xEF, 0xBB, 0xBF, .. text]);
            case 6:
                return ("CRLF line endings", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(text).Replace("\n", "\r\n", StringComparison.Ordinal)));
            case 7:
                inserted = "\t"u8.ToArray();
                what = "a tab";
                break;
            default:
                inserted = "\n\n\n"u8.ToArray();
                what = "blank lines";
                break;
        }

        return ($"{what} inserted at byte {at}", [.. text[..at], .. inserted, .. text[at..]]);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
