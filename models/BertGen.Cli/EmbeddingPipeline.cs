using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>
/// Texts → embeddings, shared by <c>embed</c> and <c>similarity</c>: tokenise (warning about truncation),
/// load the weights and run the compiled model in chunks under a progress display.
/// </summary>
internal static class EmbeddingPipeline
{
    /// <summary>Texts per chunk: four batches of the 8-sequence shape, and the step of the progress display.</summary>
    public const int ChunkSize = 32;

    /// <summary>Calls <paramref name="consume"/> with each chunk's first index and embeddings, in input order.</summary>
    public static void Run(CliConsole console, bool quiet, bool verbose, EncoderOptions options, PoolingMode? pooling, bool normalize,
        IReadOnlyList<string> texts, Action<int, float[][]> consume)
    {
        var timings = new StageTimings();
        using SentenceEncoder encoder = SentenceEncoder.Open(options);
        timings.Mark("vocabulary");
        var inputs = new TokenizedInput[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            EncodedInput encoded = encoder.Tokenizer.Encode(texts[i], encoder.MaxSequence);
            if (encoded.Truncated)
            {
                console.Warn($"text {i + 1} is longer than {encoder.MaxSequence} tokens, the largest compiled sequence; truncated");
            }

            inputs[i] = new TokenizedInput(encoded.InputIds.ToArray(), encoded.SegmentIds.ToArray());
        }

        timings.Mark("tokenize");
        WorkProgress.Run(console, quiet, progress =>
        {
            progress.Begin($"loading {encoder.Description}");
            encoder.LoadWeights(timings);
            using var embedder = new SentenceEmbedder(encoder.Model, pooling ?? encoder.DefaultPooling, normalize);
            progress.Begin("embedding", texts.Count);
            for (int start = 0; start < inputs.Length; start += ChunkSize)
            {
                int count = Math.Min(ChunkSize, inputs.Length - start);
                float[][] embeddings = embedder.Embed(new ArraySegment<TokenizedInput>(inputs, start, count));
                for (int i = 0; i < count; i++)
                {
                    FiniteOutput.Require(embeddings[i], start + i + 1);
                }

                timings.Mark(start == 0 ? "embed the first chunk" : "embed the other chunks");
                consume(start, embeddings);
                timings.Mark("write output");
                progress.Report(start + count);
            }

            return 0;
        });

        // After the live display has gone, so the lines do not tangle with it.
        if (verbose)
        {
            timings.WriteTo(console.Error);
        }
    }
}
