using System;
using System.Collections.Generic;
using System.IO;
using BertGen.Text;

namespace BertGen.Text.Tests;

/// <summary>The committed vocabulary and KJV corpus, loaded and tokenised once for all tests.</summary>
internal static class TestData
{
    private static readonly Lazy<BertWordPieceTokenizer> LazyTokenizer =
        new(() => BertWordPieceTokenizer.FromVocabularyFile(PathOf("bert-base-uncased-vocab.txt")));

    private static readonly Lazy<IReadOnlyList<IReadOnlyList<string>>> LazyDocuments =
        new(() => SentenceCorpusReader.ReadFile(PathOf("kjv-sentences.txt.gz")));

    private static readonly Lazy<PretrainingCorpus> LazyCorpus =
        new(() => PretrainingCorpus.Load(PathOf("kjv-sentences.txt.gz"), Tokenizer));

    public static BertWordPieceTokenizer Tokenizer => LazyTokenizer.Value;
    public static BertVocabulary Vocabulary => Tokenizer.Vocabulary;
    public static IReadOnlyList<IReadOnlyList<string>> Documents => LazyDocuments.Value;
    public static PretrainingCorpus Corpus => LazyCorpus.Value;

    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "data", fileName);

    /// <summary>Every <paramref name="step"/>-th sentence of the corpus, in order.</summary>
    public static List<string> SampleSentences(int step)
    {
        var sample = new List<string>();
        int n = 0;
        foreach (IReadOnlyList<string> document in Documents)
        {
            foreach (string sentence in document)
            {
                if (n++ % step == 0)
                {
                    sample.Add(sentence);
                }
            }
        }

        return sample;
    }
}
