using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BertGen.Runtime;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary><c>bertgen similarity</c>: the cosine similarity of every pair of texts.</summary>
internal sealed class SimilarityCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        Argument<string[]> texts = CommonOptions.Texts("Two or more texts (default: --file, else one per line on standard input).");
        Option<string?> file = CommonOptions.File();
        Option<string> model = CommonOptions.Model();
        Option<string?> pooling = CommonOptions.Pooling();
        Option<string?> weights = CommonOptions.Weights();
        Option<string?> vocabulary = CommonOptions.Vocabulary();
        Option<int?> threads = CommonOptions.Threads();
        Option<string?> precision = CommonOptions.Precision();
        Option<string?> modelDirectory = CommonOptions.ModelDirectory();
        Option<bool> chunk = CommonOptions.Chunk();
        var format = new Option<string>("--format")
        {
            Description = "table (aligned, for people), csv (header row of texts) or json ({\"texts\": […], \"similarity\": [[…]]}).",
            DefaultValueFactory = _ => "table",
            HelpName = "table|csv|json",
        };
        format.AcceptOnlyFromAmong("table", "csv", "json");

        var command = new Command("similarity", "Cosine similarity matrix of the texts' sentence embeddings.")
        {
            texts, file, model, modelDirectory, pooling, weights, vocabulary, threads, precision, chunk, format,
        };
        command.SetAction(parse =>
        {
            EncoderOptions options = CommonOptions.Encoder(parse, model, weights, vocabulary, threads, modelDirectory, precision);
            using EmbeddingPipeline pipeline = EmbeddingPipeline.Open(options);
            NumberedTexts inputs = TextInput.Gather(parse.GetValue(texts), parse.GetValue(file), context, pipeline.Tokenizer);
            if (inputs.Count < 2)
            {
                throw new CliUsageException($"similarity needs at least two texts, got {inputs.Count}");
            }

            var embeddings = new float[inputs.Count][];
            pipeline.Run(context.Console, parse.GetValue(context.Quiet), parse.GetValue(context.Verbose), CommonOptions.ParsePooling(parse.GetValue(pooling)),
                normalize: true, inputs, (start, batch) => batch.CopyTo(embeddings, start), parse.GetValue(chunk));
            double[,] matrix = CosineMatrix(embeddings);
            switch (parse.GetValue(format))
            {
                case "csv":
                    WriteCsv(context.Console, inputs, matrix);
                    break;
                case "json":
                    WriteJson(context.Console, inputs, matrix);
                    break;
                default:
                    WriteTable(context.Console, inputs, matrix);
                    break;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>cos(a, b) = a·b / (‖a‖‖b‖) in double; exactly 1 on the diagonal and symmetric by construction.</summary>
    internal static double[,] CosineMatrix(IReadOnlyList<float[]> vectors)
    {
        int n = vectors.Count;
        var norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            norms[i] = Math.Sqrt(Dot(vectors[i], vectors[i]));
        }

        var matrix = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            matrix[i, i] = 1.0;
            for (int j = i + 1; j < n; j++)
            {
                double cosine = Dot(vectors[i], vectors[j]) / Math.Max(norms[i] * norms[j], 1e-12);
                matrix[i, j] = cosine;
                matrix[j, i] = cosine;
            }
        }

        return matrix;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
        {
            sum += (double)a[k] * b[k];
        }

        return sum;
    }

    /// <summary>Rows and columns carry each text's number as the user gave it (<see cref="NumberedTexts.Number"/>): its argument or line.</summary>
    private static void WriteTable(CliConsole console, NumberedTexts texts, double[,] matrix)
    {
        var table = new Table();
        table.AddColumn("#");
        table.AddColumn("text");
        for (int j = 0; j < texts.Count; j++)
        {
            table.AddColumn(TableOutput.Number(texts.Number(j).ToString(CultureInfo.InvariantCulture)));
        }

        for (int i = 0; i < texts.Count; i++)
        {
            var row = new List<string> { texts.Number(i).ToString(CultureInfo.InvariantCulture), Markup.Escape(Shorten(MessageText.Printable(texts[i]), 48)) };
            for (int j = 0; j < texts.Count; j++)
            {
                row.Add(matrix[i, j].ToString("F3", CultureInfo.InvariantCulture));
            }

            table.AddRow(row.ToArray());
        }

        TableOutput.Write(console, table);
    }

    private static void WriteCsv(CliConsole console, IReadOnlyList<string> texts, double[,] matrix)
    {
        var line = new StringBuilder("text");
        foreach (string text in texts)
        {
            line.Append(',').Append(CsvField(text));
        }

        console.Output.WriteLine(line.ToString());
        for (int i = 0; i < texts.Count; i++)
        {
            line.Clear().Append(CsvField(texts[i]));
            for (int j = 0; j < texts.Count; j++)
            {
                line.Append(',').Append(matrix[i, j].ToString("F6", CultureInfo.InvariantCulture));
            }

            console.Output.WriteLine(line.ToString());
        }
    }

    private static void WriteJson(CliConsole console, IReadOnlyList<string> texts, double[,] matrix)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("texts");
            foreach (string text in texts)
            {
                writer.WriteStringValue(text);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("similarity");
            for (int i = 0; i < texts.Count; i++)
            {
                writer.WriteStartArray();
                for (int j = 0; j < texts.Count; j++)
                {
                    writer.WriteNumberValue(matrix[i, j]);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        console.Output.WriteLine(CliConsole.Utf8.GetString(buffer.WrittenSpan));
    }

    /// <summary>RFC 4180: quote a field holding a comma, quote or line break, doubling inner quotes.</summary>
    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
