using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Text;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary><c>bertgen fill-mask</c>: the most likely tokens for each <c>[MASK]</c> in a text, from a BertGen-pretrained checkpoint's MLM head.</summary>
internal sealed class FillMaskCommand : ICliCommand
{
    public const string MaskMarker = "[MASK]";

    public Command Build(CliContext context)
    {
        Argument<string[]> texts = CommonOptions.Texts("Texts with one or more [MASK] (default: --file, else one per line on standard input).");
        Option<string?> file = CommonOptions.File();
        var model = new Option<string?>("--model", "-m")
        {
            Description = "The compiled model the checkpoint was pretrained as, one with the pretraining head (default: the one its checkpoint folder records, else bert-tiny).",
            HelpName = "NAME",
        };
        var checkpoint = new Option<string>("--checkpoint", "-c")
        {
            Description = "A BertGen checkpoint: a .safetensors file, a checkpoint-* folder, or a run's folder (its newest checkpoint).",
            Required = true,
            HelpName = "PATH",
        };
        var topK = new Option<int>("--top-k", "-k") { Description = "Tokens to list per [MASK].", DefaultValueFactory = _ => 5, HelpName = "K" };
        var format = new Option<string>("--format")
        {
            Description = "table (for people) or json (one line per text: {\"text\", \"masks\": [{\"position\", \"predictions\": [{\"token\", \"id\", \"probability\"}]}]}).",
            DefaultValueFactory = _ => "table",
            HelpName = "table|json",
        };
        format.AcceptOnlyFromAmong("table", "json");
        var vocabulary = new Option<string?>("--vocab") { Description = "WordPiece vocabulary (default: the bundled bert-base-uncased vocabulary).", HelpName = "FILE" };
        Option<int?> threads = CommonOptions.Threads();

        var command = new Command("fill-mask", "The top-k tokens and their probabilities for each [MASK] in a text, from a model pretrained with 'bertgen pretrain'.")
        {
            texts, file, model, checkpoint, topK, format, vocabulary, threads,
        };
        command.SetAction(parse =>
        {
            ModelDescriptor? chosen = parse.GetValue(model) is string name ? ModelCatalog.RequireCompiledWithHead(name, ModelCatalog.PretrainingHead, training: false) : null;
            string weights = CheckpointWeights.Resolve(parse.GetValue(checkpoint)!, "--checkpoint");
            ModelDescriptor descriptor = CheckpointWeights.ModelFor(chosen, weights, "bert-tiny", ModelCatalog.PretrainingHead);
            int k = parse.GetValue(topK);
            if (k < 1 || k > descriptor.VocabSize)
            {
                throw new CliUsageException($"--top-k must be between 1 and {descriptor.VocabSize}, not {k}");
            }

            BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.FromVocabularyFile(BundledData.Resolve(parse.GetValue(vocabulary), BundledData.Vocabulary, "--vocab"));
            if (tokenizer.Vocabulary.Count != descriptor.VocabSize)
            {
                throw new CliFailureException($"the vocabulary has {tokenizer.Vocabulary.Count} tokens but model '{ModelCatalog.CliName(descriptor)}' has {descriptor.VocabSize}");
            }

            NumberedTexts inputs = TextInput.Gather(parse.GetValue(texts), parse.GetValue(file), context, tokenizer);

            int maxSequence = descriptor.Shapes.Max(s => s.Sequence);
            var encoded = new int[inputs.Count][];
            for (int i = 0; i < inputs.Count; i++)
            {
                encoded[i] = Encode(inputs[i], inputs.Name(i), tokenizer, maxSequence);
            }

            using CheckpointModel loaded = CheckpointModel.Load(descriptor, weights, parse.GetValue(threads));
            var results = new List<MaskPrediction[]>(inputs.Count);
            for (int i = 0; i < encoded.Length; i++)
            {
                results.Add(Predict(loaded, tokenizer.Vocabulary, encoded[i], k, inputs.Name(i)));
            }

            if (parse.GetValue(format) == "json")
            {
                WriteJson(context.Console, inputs, results);
            }
            else
            {
                WriteTable(context.Console, inputs, results);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One [MASK]: its position in the model's input (after [CLS]) and its top-k tokens, most likely first.</summary>
    internal sealed record MaskPrediction(int Position, IReadOnlyList<(string Token, int Id, double Probability)> Predictions);

    /// <summary>
    /// [CLS] text [SEP] with the mask id wherever the text says [MASK]. The WordPiece tokenizer splits "[MASK]" at its
    /// brackets like any other text, so the text is cut at the markers and the pieces tokenised on their own.
    /// </summary>
    internal static int[] Encode(string text, string name, BertWordPieceTokenizer tokenizer, int maxSequence)
    {
        BertVocabulary vocabulary = tokenizer.Vocabulary;
        string[] pieces = text.Split(MaskMarker, StringSplitOptions.None);
        if (pieces.Length == 1)
        {
            throw new CliFailureException($"{name} has no {MaskMarker}: write {MaskMarker} where a token should be predicted");
        }

        var ids = new List<int> { vocabulary.ClassificationId };
        for (int i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                ids.Add(vocabulary.MaskId);
            }

            ids.AddRange(tokenizer.Tokenize(pieces[i]));
        }

        ids.Add(vocabulary.SeparatorId);
        if (ids.Count > maxSequence)
        {
            throw new CliFailureException($"{name} is {ids.Count} tokens with [CLS] and [SEP], longer than the model's longest compiled sequence ({maxSequence})");
        }

        return ids.ToArray();
    }

    private static MaskPrediction[] Predict(CheckpointModel loaded, BertVocabulary vocabulary, int[] ids, int k, string name)
    {
        (int batch, int sequence) = loaded.SmallestShapeFor(ids.Length);
        var inputIds = new int[batch * sequence];
        var mask = new int[batch * sequence];
        var types = new int[batch * sequence];

        // Every row holds the text: the spare rows of a batch shape cost the same and keep each row a real input.
        for (int row = 0; row < batch; row++)
        {
            ids.CopyTo(inputIds, row * sequence);
            mask.AsSpan(row * sequence, ids.Length).Fill(1);
        }

        IForwardPass pass = loaded.Pass(batch, sequence);
        pass.Run(inputIds, mask, types);
        int vocabularySize = loaded.Descriptor.VocabSize;
        var predictions = new List<MaskPrediction>();
        for (int position = 0; position < ids.Length; position++)
        {
            if (ids[position] != vocabulary.MaskId)
            {
                continue;
            }

            FiniteOutput.Require(pass.MaskedLmLogits.Slice(position * vocabularySize, vocabularySize), name);
            double[] probabilities = Softmax.Of(pass.MaskedLmLogits.Slice(position * vocabularySize, vocabularySize));
            int[] top = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i).Take(k).ToArray();
            predictions.Add(new MaskPrediction(position, top.Select(i => (vocabulary.TokenOf(i), i, probabilities[i])).ToList()));
        }

        return predictions.ToArray();
    }

    /// <summary>Texts and tokens come from files: control characters in them (a vocabulary line can hold a terminal
    /// escape sequence) are shown as escapes, never sent to the terminal. JSON output escapes them by its own rules.</summary>
    private static void WriteTable(CliConsole console, IReadOnlyList<string> texts, IReadOnlyList<MaskPrediction[]> results)
    {
        var table = new Table();
        table.AddColumn("text");
        table.AddColumn(TableOutput.Number("mask"));
        table.AddColumn(TableOutput.Number("rank"));
        table.AddColumn("token");
        table.AddColumn(TableOutput.Number("probability"));
        for (int t = 0; t < texts.Count; t++)
        {
            for (int m = 0; m < results[t].Length; m++)
            {
                MaskPrediction mask = results[t][m];
                for (int r = 0; r < mask.Predictions.Count; r++)
                {
                    table.AddRow(
                        m == 0 && r == 0 ? Markup.Escape(MessageText.Printable(texts[t])) : "",
                        r == 0 ? (m + 1).ToString(CultureInfo.InvariantCulture) : "",
                        (r + 1).ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(MessageText.Printable(mask.Predictions[r].Token)),
                        mask.Predictions[r].Probability.ToString("F4", CultureInfo.InvariantCulture));
                }
            }
        }

        TableOutput.Write(console, table);
    }

    private static void WriteJson(CliConsole console, IReadOnlyList<string> texts, IReadOnlyList<MaskPrediction[]> results)
    {
        var buffer = new ArrayBufferWriter<byte>();
        for (int t = 0; t < texts.Count; t++)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("text", texts[t]);
                writer.WriteStartArray("masks");
                foreach (MaskPrediction mask in results[t])
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("position", mask.Position);
                    writer.WriteStartArray("predictions");
                    foreach ((string token, int id, double probability) in mask.Predictions)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("token", token);
                        writer.WriteNumber("id", id);
                        writer.WriteNumber("probability", probability);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            console.Output.WriteLine(CliConsole.Utf8.GetString(buffer.WrittenSpan));
        }
    }
}
