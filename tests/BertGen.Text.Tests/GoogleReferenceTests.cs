using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// Instance-for-instance comparison with Reference/create_pretraining_data_reference.py, a line-by-line
/// Python rendering of Google's create_pretraining_data.py that uses the same xoshiro256** draws. Any
/// difference in the order or kind of random draws, the chunking, the put-back of unused sentences,
/// truncation or masking shows up as a mismatch. The expected files were made with (Reference/README.md):
/// <c>create_pretraining_data_reference.py kjv-small-books.ids.txt OUT 128 20 3 12345</c> and
/// <c>… 48 8 4 7</c>.
/// </summary>
public sealed class GoogleReferenceTests
{
    // Ruth, Obadiah, Jonah, Philemon, 2 John, 3 John, Jude: the books of Reference/kjv-small-books.ids.txt.
    private static readonly int[] Books = [7, 30, 31, 56, 62, 63, 64];

    private static List<IReadOnlyList<int[]>> ReadInput()
    {
        var documents = new List<IReadOnlyList<int[]>> { new List<int[]>() };
        foreach (string line in File.ReadLines(TestData.PathOf("kjv-small-books.ids.txt")))
        {
            if (line.Length == 0)
            {
                documents.Add(new List<int[]>());
                continue;
            }

            ((List<int[]>)documents[^1]).Add(line.Split(' ').Select(int.Parse).ToArray());
        }

        return documents;
    }

    [Fact]
    public void ReferenceInput_IsTheseBooksAsTheTokenizerTokenisesThem()
    {
        List<IReadOnlyList<int[]>> input = ReadInput();
        Assert.Equal(Books.Length, input.Count);
        for (int k = 0; k < Books.Length; k++)
        {
            IReadOnlyList<int[]> book = TestData.Corpus.Document(Books[k]);
            Assert.Equal(book.Count, input[k].Count);
            for (int s = 0; s < book.Count; s++)
            {
                Assert.Equal(book[s], input[k][s]);
            }
        }
    }

    [Theory]
    [InlineData("expected-s128-p20-dupe3-seed12345.tsv.gz", 128, 20, 3, 12345UL)]
    [InlineData("expected-s48-p8-dupe4-seed7.tsv.gz", 48, 8, 4, 7UL)]
    public void Instances_EqualGoogleAlgorithmDrawForDraw(string expectedFile, int maxSeqLength, int maxPredictions, int dupeFactor, ulong seed)
    {
        var options = new PretrainingOptions { MaxSeqLength = maxSeqLength, MaxPredictionsPerSeq = maxPredictions, DupeFactor = dupeFactor };
        List<PretrainingInstance> actual = new PretrainingInstanceBuilder(PretrainingCorpus.FromTokenIds(ReadInput()), TestData.Vocabulary, options)
            .CreateInstances(new Xoshiro256StarStar(seed), mask: true);

        var expected = new List<string>();
        using (TextReader reader = SentenceCorpusReader.OpenText(TestData.PathOf(expectedFile)))
        {
            while (reader.ReadLine() is { } line)
            {
                expected.Add(line);
            }
        }

        Assert.True(expected.Count > 200, $"{expected.Count} reference instances");
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            PretrainingInstance instance = actual[i];
            string line = string.Join('\t',
                instance.IsRandomNext ? "1" : "0",
                string.Join(' ', instance.InputIds),
                string.Join(' ', instance.SegmentIds),
                string.Join(' ', instance.MaskedLmPositions),
                string.Join(' ', instance.MaskedLmLabels));
            Assert.True(expected[i] == line, $"instance {i} differs:\n expected {expected[i]}\n actual   {line}");
        }
    }
}
