using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>
/// Texts → embeddings, shared by <c>embed</c> and <c>similarity</c>: open the encoder (its tokenizer is the one
/// <see cref="TextInput"/> judges blank texts by, so the texts are gathered after), tokenise (warning about truncation, or
/// with <c>--chunk</c> splitting long texts into windows), load the weights and run the compiled model in chunks under a
/// progress display.
/// </summary>
internal sealed class EmbeddingPipeline : IDisposable
{
    /// <summary>Texts per chunk: four batches of the 8-sequence shape, and the step of the progress display.</summary>
    public const int ChunkSize = 32;

    private readonly SentenceEncoder _encoder;
    private readonly StageTimings _timings;

    private EmbeddingPipeline(SentenceEncoder encoder, StageTimings timings)
    {
        _encoder = encoder;
        _timings = timings;
    }

    /// <summary>The tokenizer the texts will be run through.</summary>
    public BertWordPieceTokenizer Tokenizer => _encoder.Tokenizer;

    /// <summary>Resolves the model and reads its vocabulary (fast); the weights are loaded by <see cref="Run"/>.</summary>
    public static EmbeddingPipeline Open(EncoderOptions options)
    {
        var timings = new StageTimings();
        SentenceEncoder encoder = SentenceEncoder.Open(options);
        timings.Mark("vocabulary");
        return new EmbeddingPipeline(encoder, timings);
    }

    public void Dispose() => _encoder.Dispose();

    /// <summary>
    /// Calls <paramref name="consume"/> with each chunk's first index and embeddings, in input order. With
    /// <paramref name="chunk"/>, a text longer than the model's limit is embedded as overlapping windows whose pooled
    /// vectors are averaged (<see cref="TextPreparation"/>) instead of being truncated.
    /// </summary>
    public void Run(CliConsole console, bool quiet, bool verbose, PoolingMode? pooling, bool normalize,
        NumberedTexts texts, Action<int, float[][]> consume, bool chunk = false)
    {
        Run(console, quiet, verbose, texts, chunk, " (--chunk embeds all of it)", (encoder, prepared, start, count) =>
        {
            using var embedder = new SentenceEmbedder(encoder.Model, pooling ?? encoder.DefaultPooling, normalize: false);
            var inputs = new List<TokenizedInput>();
            for (int i = start; i < start + count; i++)
            {
                inputs.AddRange(prepared[i].Inputs);
            }

            float[][] pooled = embedder.Embed(inputs);
            var embeddings = new float[count][];
            for (int i = 0, at = 0; i < count; i++)
            {
                PreparedText text = prepared[start + i];
                embeddings[i] = TextPreparation.Combine(pooled[at..(at + text.Inputs.Count)], text.Weights);
                if (normalize)
                {
                    Pooling.NormalizeL2(embeddings[i]);
                }

                at += text.Inputs.Count;
                FiniteOutput.Require(embeddings[i], texts.Name(start + i));
            }

            consume(start, embeddings);
        });
    }

    /// <summary>
    /// <c>embed --tokens</c>: calls <paramref name="consume"/> with each text's index, its tokens (special ones
    /// included) and its last hidden state as a row-major <c>[tokens, hidden]</c> array, in input order.
    /// </summary>
    public void RunTokens(CliConsole console, bool quiet, bool verbose, NumberedTexts texts, Action<int, string[], float[]> consume)
    {
        Run(console, quiet, verbose, texts, chunk: false, "", (encoder, prepared, start, count) =>
        {
            using var embedder = new SentenceEmbedder(encoder.Model, encoder.DefaultPooling, normalize: false);
            TokenizedInput[] inputs = prepared.Skip(start).Take(count).Select(p => p.Inputs[0]).ToArray();
            float[][] states = embedder.EmbedTokens(inputs);
            for (int i = 0; i < count; i++)
            {
                FiniteOutput.Require(states[i], texts.Name(start + i));
                consume(start + i, encoder.Tokenizer.Decode(inputs[i].InputIds), states[i]);
            }
        });
    }

    private void Run(CliConsole console, bool quiet, bool verbose, NumberedTexts texts, bool chunk,
        string truncationHint, Action<SentenceEncoder, PreparedText[], int, int> embedChunk)
    {
        // Since Open: reading the texts and judging which are blank.
        _timings.Mark("read texts");
        var prepared = new PreparedText[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            prepared[i] = TextPreparation.Prepare(_encoder.Tokenizer, texts[i], _encoder.MaxTokens, chunk);
            if (prepared[i].Truncated)
            {
                console.Warn($"{texts.Name(i)} is longer than {_encoder.MaxTokens} tokens, {_encoder.TruncationReason}; truncated{truncationHint}");
            }
        }

        _timings.Mark("tokenize");
        WorkProgress.Run(console, quiet, progress =>
        {
            progress.Begin($"loading {_encoder.Description}");
            _encoder.LoadWeights(_timings);
            progress.Begin("embedding", texts.Count);
            for (int start = 0; start < texts.Count; start += ChunkSize)
            {
                int count = Math.Min(ChunkSize, texts.Count - start);
                embedChunk(_encoder, prepared, start, count);
                _timings.Mark(start == 0 ? "embed the first chunk" : "embed the other chunks");
                progress.Report(start + count);
            }

            return 0;
        });

        // After the live display has gone, so the lines do not tangle with it.
        if (verbose)
        {
            _timings.WriteTo(console.Error);
        }
    }
}
