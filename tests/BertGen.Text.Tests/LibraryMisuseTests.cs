using System;
using System.IO;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// BertGen.Text's public API called as a careless program calls it: nulls, indices out of range, shapes that do not fit.
/// Each was a NullReferenceException, an IndexOutOfRangeException, a DivideByZeroException, an exception naming a
/// parameter the caller never wrote ('text', 'key', 'value'), a misleading message or a silently wrong result; now
/// an exception naming the argument, thrown before anything moved.
/// </summary>
public sealed class LibraryMisuseTests
{
    private static readonly string[] Labels = ["neg", "pos"];

    private static readonly LabelledText[] Examples = [new("neg", "it was dull"), new("pos", "a joy to read")];

    [Fact]
    public void TheTokenizerNamesWhatItWasGiven()
    {
        Assert.Equal("vocabulary", Assert.Throws<ArgumentNullException>(() => BertWordPieceTokenizer.Create(null!)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => BertWordPieceTokenizer.FromVocabularyFile(null!)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentNullException>(() => TestData.Tokenizer.EncodePair(null!, "b", 16)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentNullException>(() => TestData.Tokenizer.EncodePair("a", null!, 16)).ParamName);
        Assert.Equal("tokens", Assert.Throws<ArgumentNullException>(() => BertVocabulary.FromTokens(null!, "mine")).ParamName);
        Assert.Equal(
            "Vocabulary 'mine' id 1 is empty or has surrounding whitespace.",
            Assert.Throws<TextDataException>(() => BertVocabulary.FromTokens(["[PAD]", null!], "mine")).Message);

        // Already right, and what a program relies on most: a length too short for the special tokens, a side outside the enum.
        Assert.StartsWith("Maximum sequence length 2 is too small", Assert.Throws<TextDataException>(() => TestData.Tokenizer.Encode("a", 2)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Maximum sequence length 4 is too small", Assert.Throws<TextDataException>(() => TestData.Tokenizer.EncodePair("a", "b", 4)).Message, StringComparison.Ordinal);
        Assert.Equal("side", Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Tokenizer.Encode("a", 16, (TruncationSide)5)).ParamName);
    }

    [Fact]
    public void ATokenizerFileThatIsNoFileSaysWhatItIs()
    {
        // A folder was "does not exist", and null the file ''.
        string folder = Path.GetDirectoryName(TestData.PathOf("bert-base-uncased-vocab.txt"))!;
        Assert.Equal($"tokenizer file '{folder}' is a folder, not a file", Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(folder)).Message);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => HuggingFaceTokenizerFile.Load(null!)).ParamName);
    }

    [Fact]
    public void ADataSetOfNullsIsRefusedNamingWhichOne()
    {
        BertWordPieceTokenizer tokenizer = TestData.Tokenizer;
        Assert.Equal("examples", Assert.Throws<ArgumentNullException>(() => SequenceClassificationDataset.Create(null!, tokenizer, Labels, 16)).ParamName);
        Assert.Equal("labelNames", Assert.Throws<ArgumentNullException>(() => SequenceClassificationDataset.Create(Examples, tokenizer, null!, 16)).ParamName);
        Assert.StartsWith("examples[1] is null", Assert.Throws<ArgumentNullException>(() => SequenceClassificationDataset.Create([Examples[0], null!], tokenizer, Labels, 16)).Message, StringComparison.Ordinal);
        Assert.StartsWith("labelNames[1] is null", Assert.Throws<ArgumentNullException>(() => SequenceClassificationDataset.Create(Examples, tokenizer, ["neg", null!], 16)).Message, StringComparison.Ordinal);
        Assert.StartsWith("no label names were given", Assert.Throws<ArgumentException>(() => SequenceClassificationDataset.Create(Examples, tokenizer, [], 16)).Message, StringComparison.Ordinal);
        // No examples made a data set of 0 rows, refused only later by whatever batched it (or evaluated as nothing).
        ArgumentException noExamples = Assert.Throws<ArgumentException>(() => SequenceClassificationDataset.Create([], tokenizer, Labels, 16));
        Assert.Equal("examples", noExamples.ParamName);
        Assert.StartsWith("no examples were given: a data set needs at least one", noExamples.Message, StringComparison.Ordinal);
        // An empty name was taken, and failed only when a checkpoint recording it was read back.
        Assert.Equal("Label name 2 of 2 is empty.", Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(Examples, tokenizer, ["neg", ""], 16)).Message);

        // An example built in code without its label or text is refused where it is built, not as a dictionary's 'key'.
        Assert.Equal("Label", Assert.Throws<ArgumentNullException>(() => new LabelledText(null!, "text")).ParamName);
        Assert.Equal("Text", Assert.Throws<ArgumentNullException>(() => new LabelledText("neg", null!)).ParamName);
        Assert.Equal("sourceName", Assert.Throws<ArgumentNullException>(() => LabelledTextReader.Read(new StringReader("neg\tdull\n"), null!)).ParamName);
    }

    [Fact]
    public void ADataSetRefusesIndicesAndBatchesOutsideIt()
    {
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(Examples, TestData.Tokenizer, Labels, 16);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => data.Input(2)).ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => data.Label(-1)).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => data.EvaluationBatchCount(0)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentNullException>(() => data.FillEvaluationBatch(null!, 0)).ParamName);

        // B × S past int: 65,536 × 65,537 wrapped to arrays of 65,536 tokens, a batch shorter than its shape.
        Assert.EndsWith("is too large: its 4295032832 tokens do not fit in one array.", Assert.Throws<TextDataException>(() => new SequenceClassificationBatch(65536, 65537)).Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => new PretrainingBatch(65536, 65537, 20));
    }

    [Fact]
    public void AStreamRefusesABatchOfAnotherShapeBeforeItMoves()
    {
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(Examples, TestData.Tokenizer, Labels, 16);
        Assert.Equal("dataset", Assert.Throws<ArgumentNullException>(() => new SequenceClassificationBatchStream(null!, 1, seed: 1)).ParamName);
        var stream = new SequenceClassificationBatchStream(data, batchSize: 1, seed: 1);
        Assert.Equal("batch", Assert.Throws<ArgumentNullException>(() => stream.Next(null!)).ParamName);

        // At an epoch's end a batch of another sequence length was refused only after the stream had begun the next epoch.
        SequenceClassificationBatch batch = stream.CreateBatch();
        stream.Next(batch);
        stream.Next(batch);
        SequenceClassificationStreamState before = stream.SaveState();
        Assert.Equal("Batch sequence length 8 differs from the dataset's 16.", Assert.Throws<TextDataException>(() => stream.Next(new SequenceClassificationBatch(1, 8))).Message);
        Assert.Equal(before, stream.SaveState());
    }

    [Fact]
    public void ACorpusFileWithoutBlankLinesSaysHowToMakeDocuments()
    {
        // A sentence-per-line file without blank lines is one document. The refusal said only that random-next pairs
        // need 2, leaving a program to find out that a blank line separates documents.
        string path = Path.Combine(Path.GetTempPath(), $"bertgen-one-document-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n");
        try
        {
            PretrainingCorpus corpus = PretrainingCorpus.Load(path, TestData.Tokenizer);
            TextDataException refused = Assert.Throws<TextDataException>(
                () => new PretrainingBatchStream(corpus, TestData.Vocabulary, new PretrainingOptions { MaxSeqLength = 32 }, batchSize: 1));
            Assert.Equal(
                "The corpus has 1 document(s): random-next pairs need at least 2 (a corpus file separates documents with a blank line; PretrainingCorpus.CutDocuments cuts one into several).",
                refused.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ACorpusWithoutATokenizerOrDocumentsNamesWhatIsMissing()
    {
        // Load(path, null) read the whole corpus and then threw a NullReferenceException; Tokenize and FromTokenIds of null
        // did the same.
        Assert.Equal("tokenizer", Assert.Throws<ArgumentNullException>(() => PretrainingCorpus.Load("no-such-corpus.txt", null!)).ParamName);
        Assert.Equal("tokenizer", Assert.Throws<ArgumentNullException>(() => PretrainingCorpus.Tokenize([["In the beginning."], ["And God said."]], null!)).ParamName);
        Assert.Equal("documents", Assert.Throws<ArgumentNullException>(() => PretrainingCorpus.Tokenize(null!, TestData.Tokenizer)).ParamName);
        Assert.Equal("documents", Assert.Throws<ArgumentNullException>(() => PretrainingCorpus.FromTokenIds(null!)).ParamName);
    }
}
