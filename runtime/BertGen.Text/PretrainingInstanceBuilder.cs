using System;
using System.Collections.Generic;
using System.Threading;

namespace BertGen.Text;

/// <summary>
/// Google's <c>create_training_instances</c> and <c>create_instances_from_document</c>: cuts each document
/// into chunks of whole sentences near a target length, splits a chunk into A and B, and pairs A with a
/// random other document's text half of the time (next-sentence prediction).
/// </summary>
public sealed class PretrainingInstanceBuilder
{
    private readonly PretrainingCorpus _corpus;
    private readonly BertVocabulary _vocabulary;
    private readonly PretrainingOptions _options;
    private readonly MaskedLmMasker _masker;

    public PretrainingInstanceBuilder(PretrainingCorpus corpus, BertVocabulary vocabulary, PretrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (corpus.DocumentCount < 2)
        {
            throw new TextDataException(
                $"The corpus has {corpus.DocumentCount} document(s): random-next pairs need at least 2 (a corpus file separates documents with a blank line; PretrainingCorpus.CutDocuments cuts one into several).");
        }

        _corpus = corpus;
        _vocabulary = vocabulary;
        _options = options;
        _masker = new MaskedLmMasker(vocabulary, options);
    }

    public MaskedLmMasker Masker => _masker;

    /// <summary>
    /// <c>DupeFactor</c> passes over the documents (shuffled once first, as the original shuffles its
    /// document list; "another document" for random-next is drawn from that shuffled list), then all
    /// instances shuffled. Masked when <paramref name="mask"/> is true (static masking); otherwise
    /// <see cref="PretrainingInstance.MaskedLmPositions"/> are empty. With the same generator state this
    /// makes the same draws in the same order as Google's script.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (checked at every document).</exception>
    public List<PretrainingInstance> CreateInstances(Xoshiro256StarStar rng, bool mask, CancellationToken cancellation = default)
    {
        IReadOnlyList<int[]>[] documents = CorpusDocuments();
        rng.Shuffle(documents.AsSpan());
        var instances = new List<PretrainingInstance>();
        for (int dupe = 0; dupe < _options.DupeFactor; dupe++)
        {
            for (int document = 0; document < documents.Length; document++)
            {
                cancellation.ThrowIfCancellationRequested();
                CreateInstancesFromDocument(documents, document, rng, mask, instances);
            }
        }

        PretrainingInstance[] shuffled = instances.ToArray();
        rng.Shuffle(shuffled.AsSpan());
        return new List<PretrainingInstance>(shuffled);
    }

    /// <summary>The instances of corpus document <paramref name="documentIndex"/>, appended to <paramref name="output"/>.</summary>
    public void CreateInstancesFromDocument(int documentIndex, Xoshiro256StarStar rng, bool mask, List<PretrainingInstance> output) =>
        CreateInstancesFromDocument(CorpusDocuments(), documentIndex, rng, mask, output);

    private IReadOnlyList<int[]>[] CorpusDocuments()
    {
        var documents = new IReadOnlyList<int[]>[_corpus.DocumentCount];
        for (int i = 0; i < documents.Length; i++)
        {
            documents[i] = _corpus.Document(i);
        }

        return documents;
    }

    private void CreateInstancesFromDocument(IReadOnlyList<int[]>[] documents, int documentIndex, Xoshiro256StarStar rng, bool mask, List<PretrainingInstance> output)
    {
        IReadOnlyList<int[]> document = documents[documentIndex];
        int maxNumTokens = _options.MaxSeqLength - 3;

        // Mostly fill the whole budget; sometimes aim shorter so the model also sees short sequences at
        // pretraining time. As in the original, the target is drawn once per document per pass.
        int targetSeqLength = maxNumTokens;
        if (rng.NextDouble() < _options.ShortSeqProb)
        {
            targetSeqLength = rng.NextIntInclusive(2, maxNumTokens);
        }

        var chunk = new List<int[]>();
        int chunkLength = 0;
        int i = 0;
        while (i < document.Count)
        {
            int[] segment = document[i];
            chunk.Add(segment);
            chunkLength += segment.Length;
            if (i == document.Count - 1 || chunkLength >= targetSeqLength)
            {
                // A = the first aEnd sentences of the chunk.
                int aEnd = chunk.Count >= 2 ? rng.NextIntInclusive(1, chunk.Count - 1) : 1;
                var tokensA = new List<int>(chunkLength);
                for (int j = 0; j < aEnd; j++)
                {
                    tokensA.AddRange(chunk[j]);
                }

                var tokensB = new List<int>();
                bool isRandomNext;
                if (chunk.Count == 1 || rng.NextDouble() < 0.5)
                {
                    isRandomNext = true;
                    int targetBLength = targetSeqLength - tokensA.Count;

                    // Ten tries to draw another document, as the original (which then gives up and may
                    // reuse this one; with at least 2 documents that has probability < 1e-3 per draw on a
                    // 2-document corpus and far less on real ones).
                    int randomDocumentIndex = 0;
                    for (int attempt = 0; attempt < 10; attempt++)
                    {
                        randomDocumentIndex = rng.NextInt(documents.Length);
                        if (randomDocumentIndex != documentIndex)
                        {
                            break;
                        }
                    }

                    IReadOnlyList<int[]> randomDocument = documents[randomDocumentIndex];
                    int randomStart = rng.NextInt(randomDocument.Count);
                    for (int j = randomStart; j < randomDocument.Count; j++)
                    {
                        tokensB.AddRange(randomDocument[j]);
                        if (tokensB.Count >= targetBLength)
                        {
                            break;
                        }
                    }

                    // The chunk's sentences after A were not used: step back so the next chunk starts there.
                    i -= chunk.Count - aEnd;
                }
                else
                {
                    isRandomNext = false;
                    for (int j = aEnd; j < chunk.Count; j++)
                    {
                        tokensB.AddRange(chunk[j]);
                    }
                }

                SequencePairTruncation.Truncate(tokensA, tokensB, maxNumTokens, rng);
                output.Add(Assemble(tokensA, tokensB, isRandomNext, rng, mask));
                chunk.Clear();
                chunkLength = 0;
            }

            i++;
        }
    }

    /// <summary>Masks an unmasked instance afresh (dynamic masking); the instance itself is not changed.</summary>
    public PretrainingInstance Remask(PretrainingInstance instance, Xoshiro256StarStar rng)
    {
        var tokens = new int[instance.InputIds.Count];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = instance.InputIds[i];
        }

        (int[] positions, int[] labels) = _masker.Mask(tokens, rng);
        return instance with { InputIds = tokens, MaskedLmPositions = positions, MaskedLmLabels = labels };
    }

    private PretrainingInstance Assemble(List<int> a, List<int> b, bool isRandomNext, Xoshiro256StarStar rng, bool mask)
    {
        int length = a.Count + b.Count + 3;
        var tokens = new int[length];
        tokens[0] = _vocabulary.ClassificationId;
        a.CopyTo(tokens, 1);
        tokens[a.Count + 1] = _vocabulary.SeparatorId;
        b.CopyTo(tokens, a.Count + 2);
        tokens[length - 1] = _vocabulary.SeparatorId;
        IReadOnlyList<int> segments = CompactInstanceLists.SegmentIds(length, secondStart: a.Count + 2);
        if (!mask)
        {
            return new PretrainingInstance(CompactInstanceLists.TokenIds(tokens), segments, isRandomNext, Array.Empty<int>(), Array.Empty<int>());
        }

        (int[] positions, int[] labels) = _masker.Mask(tokens, rng);
        return new PretrainingInstance(CompactInstanceLists.TokenIds(tokens), segments, isRandomNext, positions, labels);
    }
}
