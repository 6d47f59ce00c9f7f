using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BertGen.Text;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged vocabularies through <see cref="BertVocabulary.Load(string)"/> and the WordPiece tokenizer built on it:
/// lone carriage returns, deleted, repeated and swapped lines, blank lines, stray whitespace, escape codes, invalid
/// UTF-8, byte-order marks, cuts and byte damage. The answer is the vocabulary's size and the ids of a sample text.
/// The oracle reads the damaged bytes itself (<see cref="ReferenceVocabulary"/>: the format as HuggingFace's
/// <c>load_vocab</c> and Python's universal newlines read it, with greedy longest-match WordPiece), so a lone CR that
/// shifts the tokenizer's ids but not the vocabulary's count is a wrong answer here, as it was for users.
/// </summary>
public sealed class VocabularyTarget : IFuzzTarget, IDisposable
{
    /// <summary>Lower-case ASCII words only, so BERT's basic tokenisation is a plain split and the oracle need not redo it.</summary>
    public const string SampleText = "the rain in spain falls mainly on the plain and the raining plains unknownword";

    private static readonly string[] Words =
    [
        "the", "rain", "in", "spain", "falls", "mainly", "on", "plain", "and", "fall", "main", "span", "pain", "s", "a", "i", "n",
        "##s", "##ing", "##ly", "##ain", "##n", "##ai", "##l", "##y", "##in", "##g", "unknown", "##word", "word", "plains",
    ];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _seed;

    public VocabularyTarget()
    {
        Directory.CreateDirectory(_folder);

        // CRLF line endings, as the vocabulary inside the all-MiniLM-L6-v2 package has.
        string[] lines = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words];
        _seed = Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");
    }

    public string Family => "vocabulary";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            (string mutation, byte[] bytes) = random.Next(3) == 0 ? ByteMutations.Any(_seed, random) : LineEdit(random);
            string? answer = ReferenceVocabulary.Answer(bytes, SampleText);
            yield return new FuzzCase(Family, mutation, bytes, answer is null ? FuzzExpectation.Reject : FuzzExpectation.Accept(answer));
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string path = Path.Combine(_folder, "vocab.txt");
        File.WriteAllBytes(path, fuzzCase.Bytes);
        try
        {
            BertVocabulary vocabulary = BertVocabulary.Load(path);
            int[] ids = BertWordPieceTokenizer.Create(vocabulary).Tokenize(SampleText);
            return FuzzOutcome.Accepted(ReferenceVocabulary.Format(vocabulary.Count, ids));
        }
        catch (Exception e)
        {
            return FuzzOutcome.Rejected(e);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (string, byte[]) LineEdit(FuzzRandom random)
    {
        List<string> lines = Encoding.UTF8.GetString(_seed).Split("\r\n").SkipLast(1).ToList();
        int at = random.Next(lines.Count);
        string ending = "\r\n";
        string mutation;
        switch (random.Next(12))
        {
            case 0:
                int cut = random.Next(lines[at].Length + 1);
                lines[at] = lines[at][..cut] + "\r" + lines[at][cut..];
                mutation = $"a lone CR inside line {at + 1}";
                break;
            case 1:
                lines.RemoveAt(at);
                mutation = $"line {at + 1} deleted";
                break;
            case 2:
                lines.Insert(random.Next(lines.Count + 1), lines[at]);
                mutation = $"line {at + 1} repeated";
                break;
            case 3:
                int other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                mutation = $"lines {at + 1} and {other + 1} swapped";
                break;
            case 4:
                lines.Insert(at, random.Pick(["", " ", "\t"]));
                mutation = $"a blank line before line {at + 1}";
                break;
            case 5:
                string space = random.Pick([" ", "\u00A0", "\t"]);
                lines[at] = random.Next(2) == 0 ? space + lines[at] : lines[at] + space;
                mutation = $"whitespace around line {at + 1}";
                break;
            case 6:
                lines.Insert(at, random.Pick(["\u001b[2J", "\u001b]0;title\u0007", "\u009b31m", "tok\u202Eenized"]));
                mutation = $"an escape-code token before line {at + 1}";
                break;
            case 7:
                ending = random.Pick(["\n", "\r"]);
                mutation = $"every line ending {(ending == "\n" ? "LF" : "CR")}";
                break;
            case 8:
                return ($"byte-order mark added", [0xEF, 0xBB, 0xBF, .. _seed]);
            case 9:
                return ("no final line break", _seed[..^2]);
            case 10:
            {
                byte[] bytes = Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");
                int offset = Encoding.UTF8.GetByteCount(string.Join("\r\n", lines.Take(at)) + (at > 0 ? "\r\n" : ""));
                byte bad = random.Pick(new byte[] { 0xFF, 0xC0, 0x80, 0xED, 0xF4 });
                return ($"byte 0x{bad:X2} inserted at the start of line {at + 1}", [.. bytes[..offset], bad, .. bytes[offset..]]);
            }

            default:
                lines[at] = new string('x', 300 + random.Next(200));
                mutation = $"line {at + 1} replaced by a {lines[at].Length}-character token";
                break;
        }

        return (mutation, Encoding.UTF8.GetBytes(string.Join(ending, lines) + ending));
    }
}
