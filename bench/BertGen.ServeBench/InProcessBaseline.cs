using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using BertGen.Text;

namespace BertGen.ServeBench;

/// <summary>
/// The same model and texts without HTTP: all-MiniLM-L6-v2 on the compiled MiniLmL6 through <see cref="SentenceEmbedder"/>
/// (the batch runner), in batches of the size the server formed, as the server's ceiling.
/// </summary>
internal sealed class InProcessBaseline : IDisposable
{
    private readonly MiniLmL6 _model = new();
    private readonly SentenceEmbedder _embedder;

    public InProcessBaseline()
    {
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, _model.Parameters.AsSpan());
        _model.PrepareWeightsForInference();
        _embedder = new SentenceEmbedder(_model, PoolingMode.Mean);
        // The server's tokenizer for the package (special tokens written in a text found first, words past 100 characters
        // [UNK], the fast tokenizers' CJK ranges, as HuggingFace reads them), so tokenising costs the same.
        Tokenizer = BertWordPieceTokenizer.Create(BertVocabulary.Parse(PretrainedModel.MiniLmL6V2.ReadVocabularyText(), "all-MiniLM-L6-v2"),
            BertNormalization.FromHuggingFace(lowercase: true, stripAccents: null, handleChineseCharacters: true, cleanText: true),
            HuggingFaceTokenizerFile.DefaultMaxInputCharsPerWord, AddedToken.BertSpecialTokens);
    }

    public BertWordPieceTokenizer Tokenizer { get; }

    /// <summary>Texts per second over <paramref name="texts"/>, embedded in consecutive batches of <paramref name="batch"/> (tokenising included, as the server does).</summary>
    public double TextsPerSecond(IReadOnlyList<string> texts, int batch)
    {
        _embedder.Embed([Encode(texts[0])]);
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < texts.Count; start += batch)
        {
            _embedder.Embed(texts.Skip(start).Take(batch).Select(Encode).ToArray());
        }

        return texts.Count / clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _embedder.Dispose();
        _model.Dispose();
    }

    private TokenizedInput Encode(string text)
    {
        EncodedInput encoded = Tokenizer.Encode(text, 256);
        return new TokenizedInput(encoded.InputIds.ToArray(), encoded.SegmentIds.ToArray());
    }
}
