using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli.Commands;

/// <summary><c>bertgen classify</c>: one JSON line per text, <c>{"text", "label", "probabilities": {label: p}}</c>, from a fine-tuned checkpoint.</summary>
internal sealed class ClassifyCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        Argument<string[]> texts = CommonOptions.Texts("Texts to classify (default: --file, else one per line on standard input).");
        Option<string?> file = CommonOptions.File();
        var model = new Option<string?>("--model", "-m")
        {
            Description = "The compiled classifier the checkpoint was fine-tuned as (default: the one its checkpoint folder records, else minilm-l6-classifier).",
            HelpName = "NAME",
        };
        var checkpoint = new Option<string>("--checkpoint", "-c")
        {
            Description = "A checkpoint written by 'bertgen finetune': a .safetensors file, a checkpoint-* folder, or a run's folder (its newest checkpoint).",
            Required = true,
            HelpName = "PATH",
        };
        var labels = new Option<string?>("--labels") { Description = "Label names in class order, comma-separated (default: those the checkpoint was fine-tuned with, else the model's own).", HelpName = "A,B,…" };
        var vocabulary = new Option<string?>("--vocab") { Description = "WordPiece vocabulary (default: the bundled bert-base-uncased vocabulary).", HelpName = "FILE" };
        Option<int?> threads = CommonOptions.Threads();
        Option<string?> precision = CommonOptions.Precision();

        var command = new Command("classify", "Labels with a fine-tuned classifier, as JSON lines: {\"text\": …, \"label\": …, \"probabilities\": {label: p, …}} per input text. "
            + "Texts longer than the compiled sequence (64 tokens for the shipped classifiers) are truncated with a warning.")
        {
            texts, file, model, checkpoint, labels, vocabulary, threads, precision,
        };
        command.SetAction(parse =>
        {
            ModelDescriptor? chosen = parse.GetValue(model) is string name ? ModelCatalog.RequireCompiledWithHead(name, ModelCatalog.SequenceClassificationHead, training: false) : null;
            string weights = CheckpointWeights.Resolve(parse.GetValue(checkpoint)!, "--checkpoint");
            ModelDescriptor descriptor = CheckpointWeights.ModelFor(chosen, weights, "minilm-l6-classifier", ModelCatalog.SequenceClassificationHead);
            IReadOnlyList<string> labelNames = parse.GetValue(labels) is string given
                ? CommonOptions.ParseLabels(given, descriptor)
                : CheckpointWeights.RecordedLabels(weights, descriptor) ?? descriptor.Labels;
            BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.FromVocabularyFile(BundledData.Resolve(parse.GetValue(vocabulary), BundledData.Vocabulary, "--vocab"));
            if (tokenizer.Vocabulary.Count != descriptor.VocabSize)
            {
                throw new CliFailureException($"the vocabulary has {tokenizer.Vocabulary.Count} tokens but model '{ModelCatalog.CliName(descriptor)}' has {descriptor.VocabSize}");
            }

            NumberedTexts inputs = TextInput.Gather(parse.GetValue(texts), parse.GetValue(file), context, tokenizer);
            using CheckpointModel loaded = CheckpointModel.Load(descriptor, weights, parse.GetValue(threads), CommonOptions.ParsePrecision(parse, precision));
            using var classifier = new TextClassifier(loaded.Model, tokenizer, labelNames);
            var encoded = new EncodedInput[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
            {
                encoded[i] = classifier.Encode(inputs[i]);
                if (encoded[i].Truncated)
                {
                    context.Console.Warn($"{inputs.Name(i)} is longer than {classifier.MaxSequence} tokens, the compiled sequence; truncated");
                }
            }

            // A compiled batch of texts at a time, so answers stream out as they are computed.
            int chunk = descriptor.Shapes.Max(s => s.Batch);
            var line = new ArrayBufferWriter<byte>();
            WorkProgress.Run(context.Console, parse.GetValue(context.Quiet), progress =>
            {
                progress.Begin("classifying", inputs.Count);
                for (int start = 0; start < inputs.Count; start += chunk)
                {
                    int count = Math.Min(chunk, inputs.Count - start);
                    TextClassification[] answers = classifier.Classify(new ArraySegment<EncodedInput>(encoded, start, count));
                    for (int i = 0; i < count; i++)
                    {
                        FiniteOutput.Require(answers[i].Logits, inputs.Name(start + i));
                        WriteLine(context.Console, line, inputs[start + i], labelNames, answers[i]);
                    }

                    context.Console.Output.Flush();
                    progress.Report(start + count);
                }

                return 0;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteLine(CliConsole console, ArrayBufferWriter<byte> line, string text, IReadOnlyList<string> labels, TextClassification answer)
    {
        line.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteString("label", answer.Label);
            writer.WriteStartObject("probabilities");
            for (int i = 0; i < labels.Count; i++)
            {
                writer.WriteNumber(labels[i], answer.Probabilities[i]);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        console.Output.WriteLine(CliConsole.Utf8.GetString(line.WrittenSpan));
    }
}
