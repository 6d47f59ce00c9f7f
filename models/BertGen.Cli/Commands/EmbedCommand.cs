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

        var command = new Command("embed", "Sentence embeddings as JSON lines: {\"text\": …, \"embedding\": […]} per input text. "
            + "Texts longer than the largest compiled sequence (128 tokens for minilm) are truncated with a warning.")
        {
            texts, file, model, pooling, noNormalize, weights, vocabulary, threads,
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<string> inputs = TextInput.Gather(parse.GetValue(texts), parse.GetValue(file), context);
            var options = new EncoderOptions(parse.GetValue(model)!, parse.GetValue(weights), parse.GetValue(vocabulary), parse.GetValue(threads));
            var line = new ArrayBufferWriter<byte>();
            var jsonOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            EmbeddingPipeline.Run(context.Console, parse.GetValue(context.Quiet), parse.GetValue(context.Verbose), options, CommonOptions.ParsePooling(parse.GetValue(pooling)),
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
                });
            return ExitCodes.Success;
        });
        return command;
    }
}
