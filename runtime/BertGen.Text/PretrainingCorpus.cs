using System;
using System.Collections.Generic;

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

    /// <summary>Reads a sentence-per-line corpus file (plain or gzip) and tokenises it.</summary>
    public static PretrainingCorpus Load(string path, BertWordPieceTokenizer tokenizer) =>
        Tokenize(SentenceCorpusReader.ReadFile(path), tokenizer);

    public static PretrainingCorpus Tokenize(IReadOnlyList<IReadOnlyList<string>> documents, BertWordPieceTokenizer tokenizer)
    {
        var result = new List<int[][]>(documents.Count);
        var sentences = new List<int[]>();
        foreach (IReadOnlyList<string> document in documents)
        {
            sentences.Clear();
            foreach (string sentence in document)
            {
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

    /// <summary>
    /// Holds out <paramref name="heldOutDocuments"/> whole documents, chosen by a seeded shuffle, for
    /// evaluation: held-out text never appears in training, not even as a random-next B segment.
    /// </summary>
    public (PretrainingCorpus Training, PretrainingCorpus HeldOut) SplitHeldOut(int heldOutDocuments, ulong seed)
    {
        if (heldOutDocuments < 2 || heldOutDocuments > _documents.Length - 2)
        {
            throw new TextDataException($"Cannot hold out {heldOutDocuments} of {_documents.Length} documents: each side needs at least 2 (random-next B comes from another document).");
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
