using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Runtime.Intrinsics;
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

            string shape = parse.GetValue(format)!;
            if (shape == "table" && inputs.Count > MaxTableTexts)
            {
                throw new CliUsageException(
                    $"a table shows at most {MaxTableTexts} texts side by side, and {inputs.Count} were given; use --format csv or json, which write any number row by row");
            }

            var embeddings = new float[inputs.Count][];
            pipeline.Run(context.Console, parse.GetValue(context.Quiet), parse.GetValue(context.Verbose), CommonOptions.ParsePooling(parse.GetValue(pooling)),
                normalize: true, inputs, (start, batch) => batch.CopyTo(embeddings, start), parse.GetValue(chunk));
            var cosines = new CosineRows(embeddings);
            switch (shape)
            {
                case "csv":
                    WriteCsv(context.Console, inputs, cosines);
                    break;
                case "json":
                    WriteJson(context.Console, inputs, cosines);
                    break;
                default:
                    WriteTable(context.Console, inputs, cosines);
                    break;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Texts a table holds: each is a column too, so a few hundred make a table nobody reads, and 20,000 made one of 400
    /// million cells that ran for minutes; CSV and JSON stream any number.
    /// </summary>
    internal const int MaxTableTexts = 100;

    /// <summary>
    /// The cosine matrix one row at a time (n texts hold n² cells: 3.2 GB of doubles for 20,000, where the vectors are
    /// 30 MB): cos(a, b) = a·b / (‖a‖‖b‖) in double, exactly 1 on the diagonal, and symmetric, since a·b and b·a are the
    /// same products summed in the same order.
    /// </summary>
    internal sealed class CosineRows
    {
        private readonly IReadOnlyList<float[]> _vectors;
        private readonly double[] _norms;
        private readonly double[] _row;

        public CosineRows(IReadOnlyList<float[]> vectors)
        {
            _vectors = vectors;
            _norms = vectors.Select(v => Math.Sqrt(Dot(v, v))).ToArray();
            _row = new double[vectors.Count];
        }

        /// <summary>Row <paramref name="i"/>, valid until the next call.</summary>
        public ReadOnlySpan<double> Row(int i)
        {
            for (int j = 0; j < _row.Length; j++)
            {
                _row[j] = i == j ? 1.0 : Dot(_vectors[i], _vectors[j]) / Math.Max(_norms[i] * _norms[j], 1e-12);
            }

            return _row;
        }

        // In double, 8 floats at a time widened to two vectors of 4 (a row is n dot products, where the whole matrix once
        // computed half of them one product at a time); a·b and b·a are the same products in the same order.
        private static double Dot(float[] a, float[] b)
        {
            Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
            int k = 0;
            for (; k + Vector256<float>.Count <= a.Length; k += Vector256<float>.Count)
            {
                (Vector256<double> aLow, Vector256<double> aHigh) = Vector256.Widen(Vector256.Create(a.AsSpan(k, Vector256<float>.Count)));
                (Vector256<double> bLow, Vector256<double> bHigh) = Vector256.Widen(Vector256.Create(b.AsSpan(k, Vector256<float>.Count)));
                low += aLow * bLow;
                high += aHigh * bHigh;
            }

            double sum = Vector256.Sum(low + high);
            for (; k < a.Length; k++)
            {
                sum += (double)a[k] * b[k];
            }

            return sum;
        }
    }

    /// <summary>Rows and columns carry each text's number as the user gave it (<see cref="NumberedTexts.Number"/>): its argument or line.</summary>
    private static void WriteTable(CliConsole console, NumberedTexts texts, CosineRows cosines)
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
            foreach (double cosine in cosines.Row(i))
            {
                row.Add(cosine.ToString("F3", CultureInfo.InvariantCulture));
            }

            table.AddRow(row.ToArray());
        }

        TableOutput.Write(console, table);
    }

    private static void WriteCsv(CliConsole console, IReadOnlyList<string> texts, CosineRows cosines)
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
            foreach (double cosine in cosines.Row(i))
            {
                line.Append(',').Append(cosine.ToString("F6", CultureInfo.InvariantCulture));
            }

            console.Output.WriteLine(line.ToString());
        }
    }

    /// <summary>One line, written a row at a time (the whole document in one buffer held gigabytes for many texts).</summary>
    private static void WriteJson(CliConsole console, IReadOnlyList<string> texts, CosineRows cosines)
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
                foreach (double cosine in cosines.Row(i))
                {
                    writer.WriteNumberValue(cosine);
                }

                writer.WriteEndArray();
                Drain(writer, buffer, console);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            Drain(writer, buffer, console);
        }

        console.Output.WriteLine();
    }

    private static void Drain(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, CliConsole console)
    {
        writer.Flush();
        console.Output.Write(CliConsole.Utf8.GetString(buffer.WrittenSpan));
        buffer.ResetWrittenCount();
    }

    /// <summary>RFC 4180: quote a field holding a comma, quote or line break, doubling inner quotes.</summary>
    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
