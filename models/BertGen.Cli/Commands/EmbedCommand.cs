using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertGen.Cli.Commands;

/// <summary><c>bertgen embed</c>: one JSON line per text, <c>{"text": …, "embedding": […]}</c>.</summary>
internal sealed class EmbedCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        Argument<string[]> texts = CommonOptions.Texts("Texts to embed (default: --file, else one per line on standard input).");
        Option<string?> file = CommonOptions.File();
        Option<string> model = CommonOptions.Model();
        Option<string?> pooling = CommonOptions.Pooling();
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep the pooled vector as is instead of scaling it to unit length." };
        Option<string?> weights = CommonOptions.Weights();
        Option<string?> vocabulary = CommonOptions.Vocabulary();
        Option<int?> threads = CommonOptions.Threads();
        Option<string?> precision = CommonOptions.Precision();
        Option<string?> modelDirectory = CommonOptions.ModelDirectory();
        Option<bool> chunk = CommonOptions.Chunk();
        var tokens = new Option<bool>("--tokens")
        {
            Description = "Every token's vector instead: {\"text\": …, \"tokens\": […], \"embeddings\": [[…], …]}, the last hidden state of each token, special ones included, neither pooled nor normalised.",
        };

        var command = new Command("embed", "Sentence embeddings as JSON lines: {\"text\": …, \"embedding\": […]} per input text. "
            + "Texts longer than the model's limit (256 tokens for minilm, 512 for arctic-xs, as sentence-transformers truncates them) are truncated with a warning, or with --chunk embedded whole as overlapping windows.")
        {
            texts, file, model, modelDirectory, pooling, noNormalize, weights, vocabulary, threads, precision, chunk, tokens,
        };
        command.SetAction(parse =>
        {
            EncoderOptions options = CommonOptions.Encoder(parse, model, weights, vocabulary, threads, modelDirectory, precision);
            using EmbeddingPipeline pipeline = EmbeddingPipeline.Open(options);
            NumberedTexts inputs = TextInput.Gather(parse.GetValue(texts), parse.GetValue(file), context, pipeline.Tokenizer);
            var line = new ArrayBufferWriter<byte>();
            var jsonOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            if (parse.GetValue(tokens))
            {
                if (parse.GetValue(chunk) || parse.GetValue(pooling) is not null || parse.GetValue(noNormalize))
                {
                    throw new CliUsageException("--tokens gives every token's unpooled vector: it does not go with --chunk, --pooling or --no-normalize");
                }

                pipeline.RunTokens(context.Console, parse.GetValue(context.Quiet), parse.GetValue(context.Verbose), inputs, (index, names, states) =>
                {
                    line.ResetWrittenCount();
                    using (var writer = new Utf8JsonWriter(line, jsonOptions))
                    {
                        writer.WriteStartObject();
                        writer.WriteString("text", inputs[index]);
                        writer.WriteStartArray("tokens");
                        foreach (string name in names)
                        {
                            writer.WriteStringValue(name);
                        }

                        writer.WriteEndArray();
                        writer.WriteStartArray("embeddings");
                        int hidden = states.Length / names.Length;
                        for (int t = 0; t < names.Length; t++)
                        {
                            writer.WriteStartArray();
                            foreach (float value in states.AsSpan(t * hidden, hidden))
                            {
                                writer.WriteNumberValue(value);
                            }

                            writer.WriteEndArray();
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }

                    context.Console.Output.WriteLine(CliConsole.Utf8.GetString(line.WrittenSpan));
                    context.Console.Output.Flush();
                });
                return ExitCodes.Success;
            }

            pipeline.Run(context.Console, parse.GetValue(context.Quiet), parse.GetValue(context.Verbose), CommonOptions.ParsePooling(parse.GetValue(pooling)),
                !parse.GetValue(noNormalize), inputs, (start, embeddings) =>
                {
                    for (int i = 0; i < embeddings.Length; i++)
                    {
                        line.ResetWrittenCount();
                        using (var writer = new Utf8JsonWriter(line, jsonOptions))
                        {
                            writer.WriteStartObject();
                            writer.WriteString("text", inputs[start + i]);
                            writer.WriteStartArray("embedding");
                            foreach (float value in embeddings[i])
                            {
                                writer.WriteNumberValue(value);
                            }

                            writer.WriteEndArray();
                            writer.WriteEndObject();
                        }

                        context.Console.Output.WriteLine(CliConsole.Utf8.GetString(line.WrittenSpan));
                    }

                    // Stream: a long file's first embeddings appear while the rest are computed.
                    context.Console.Output.Flush();
                }, parse.GetValue(chunk));
            return ExitCodes.Success;
        });
        return command;
    }
}
