using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace BertGen.Text;

/// <summary>
/// Documents of WordPiece-tokenised sentences, the input of pretraining-example creation. Sentences that
/// tokenise to nothing and documents left empty are dropped, as Google's script does.
/// </summary>
public sealed class PretrainingCorpus
{
    private readonly int[][][] _documents;

    private PretrainingCorpus(int[][][] documents)
    {
        _documents = documents;
    }

    public int DocumentCount => _documents.Length;

    /// <summary>Sentences of one document, each an array of WordPiece ids (no special tokens).</summary>
    public IReadOnlyList<int[]> Document(int index) => _documents[index];

    public long SentenceCount
    {
        get
        {
            long n = 0;
            foreach (int[][] d in _documents)
            {
                n += d.Length;
            }

            return n;
        }
    }

    public long TokenCount
    {
        get
        {
            long n = 0;
            foreach (int[][] d in _documents)
            {
                foreach (int[] s in d)
                {
                    n += s.Length;
                }
            }

            return n;
        }
    }

    /// <summary>
    /// Reads a sentence-per-line corpus file (plain or gzip) and tokenises it: one sentence per line, a blank line between
    /// documents (<see cref="SentenceCorpusReader"/>'s format). A file without blank lines is one document: too few for
    /// pretraining instances, whose random-next B segments come from another document (<see cref="CutDocuments"/>).
    /// </summary>
    /// <exception cref="TextDataException">The file holds no sentence with a token (blank lines only, or text the tokenizer
    /// keeps nothing of): named here, not later as a held-out split short of documents.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the corpus was tokenised
    /// (checked at every line read and every sentence tokenised: a big corpus takes minutes).</exception>
    public static PretrainingCorpus Load(string path, BertWordPieceTokenizer tokenizer, CancellationToken cancellation = default)
    {
        // Before the file is read: a null tokenizer was a NullReferenceException after the whole corpus had been read.
        ArgumentNullException.ThrowIfNull(tokenizer);
        PretrainingCorpus corpus = Tokenize(SentenceCorpusReader.ReadFile(path, cancellation), tokenizer, cancellation);
        return corpus.DocumentCount > 0
            ? corpus
            : throw new TextDataException($"{path} has no sentences: only blank lines, or text the tokenizer keeps nothing of.");
    }

    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before every sentence was tokenised.</exception>
    public static PretrainingCorpus Tokenize(IReadOnlyList<IReadOnlyList<string>> documents, BertWordPieceTokenizer tokenizer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var result = new List<int[][]>(documents.Count);
        var sentences = new List<int[]>();
        foreach (IReadOnlyList<string> document in documents)
        {
            sentences.Clear();
            foreach (string sentence in document)
            {
                cancellation.ThrowIfCancellationRequested();
                int[] ids = tokenizer.Tokenize(sentence);
                if (ids.Length > 0)
                {
                    sentences.Add(ids);
                }
            }

            if (sentences.Count > 0)
            {
                result.Add(sentences.ToArray());
            }
        }

        return new PretrainingCorpus(result.ToArray());
    }

    /// <summary>Builds a corpus from already tokenised documents (each sentence non-empty).</summary>
    public static PretrainingCorpus FromTokenIds(IReadOnlyList<IReadOnlyList<int[]>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var result = new int[documents.Count][][];
        for (int d = 0; d < documents.Count; d++)
        {
            if (documents[d].Count == 0)
            {
                throw new TextDataException($"Document {d} has no sentences.");
            }

            result[d] = new int[documents[d].Count][];
            for (int s = 0; s < documents[d].Count; s++)
            {
                if (documents[d][s].Length == 0)
                {
                    throw new TextDataException($"Sentence {s} of document {d} has no tokens.");
                }

                result[d][s] = documents[d][s];
            }
        }

        return new PretrainingCorpus(result);
    }

    /// <summary>Documents each side of a held-out split needs: random-next B segments come from another document.</summary>
    public const int MinimumDocumentsPerSide = 2;

    /// <summary>
    /// How many whole documents a held-out share of <paramref name="share"/> is: the share of
    /// <see cref="DocumentCount"/>, rounded, but at least <see cref="MinimumDocumentsPerSide"/> and leaving at least
    /// as many to train on (a 9-document corpus holds out 2 at 10%, not a fixed number that would leave 3).
    /// </summary>
    /// <exception cref="TextDataException">The share is not in (0, 0.5], or the corpus has too few documents to split.</exception>
    public int HeldOutDocumentsFor(double share)
    {
        if (!(share > 0 && share <= 0.5))
        {
            throw new TextDataException($"A held-out share must be above 0 and at most 0.5, not {share.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (_documents.Length < 2 * MinimumDocumentsPerSide)
        {
            throw new TextDataException($"A held-out split needs at least {2 * MinimumDocumentsPerSide} documents, {MinimumDocumentsPerSide} on each side; the corpus has {_documents.Length}.");
        }

        long rounded = (long)Math.Round(share * _documents.Length, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(rounded, MinimumDocumentsPerSide, _documents.Length - MinimumDocumentsPerSide);
    }

    /// <summary>
    /// The same sentences with every document cut into <paramref name="piecesPerDocument"/> runs of consecutive
    /// sentences (as equal as the sentence counts allow; a document with fewer sentences gives one piece per sentence).
    /// For a corpus too small in documents to hold any out — a sentence-per-line file without blank lines is one
    /// document — so that a held-out share of it can be whole pieces of text that training never sees.
    /// </summary>
    public PretrainingCorpus CutDocuments(int piecesPerDocument)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(piecesPerDocument, 1);
        var pieces = new List<int[][]>();
        foreach (int[][] document in _documents)
        {
            int count = Math.Min(piecesPerDocument, document.Length);
            for (int piece = 0; piece < count; piece++)
            {
                int from = (int)((long)document.Length * piece / count);
                int to = (int)((long)document.Length * (piece + 1) / count);
                pieces.Add(document[from..to]);
            }
        }

        return new PretrainingCorpus(pieces.ToArray());
    }

    /// <summary>
    /// Holds out <paramref name="heldOutDocuments"/> whole documents, chosen by a seeded shuffle, for
    /// evaluation: held-out text never appears in training, not even as a random-next B segment.
    /// </summary>
    public (PretrainingCorpus Training, PretrainingCorpus HeldOut) SplitHeldOut(int heldOutDocuments, ulong seed)
    {
        if (heldOutDocuments < MinimumDocumentsPerSide || heldOutDocuments > _documents.Length - MinimumDocumentsPerSide)
        {
            throw new TextDataException($"Holding out {heldOutDocuments} of {_documents.Length} documents leaves a side with fewer than {MinimumDocumentsPerSide} (random-next B comes from another document).");
        }

        var order = new int[_documents.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new Xoshiro256StarStar(seed).Shuffle(order.AsSpan());
        Array.Sort(order, 0, heldOutDocuments);
        Array.Sort(order, heldOutDocuments, order.Length - heldOutDocuments);
        var heldOut = new int[heldOutDocuments][][];
        var training = new int[_documents.Length - heldOutDocuments][][];
        for (int i = 0; i < order.Length; i++)
        {
            if (i < heldOutDocuments)
            {
                heldOut[i] = _documents[order[i]];
            }
            else
            {
                training[i - heldOutDocuments] = _documents[order[i]];
            }
        }

        return (new PretrainingCorpus(training), new PretrainingCorpus(heldOut));
    }
}
