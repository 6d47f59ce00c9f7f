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

            // The longest compiled sequence, at its largest batch: classifiers are compiled for one shape, the fine-tuning one.
            ShapeDescriptor shape = descriptor.Shapes.OrderByDescending(s => s.Sequence).ThenByDescending(s => s.Batch).First();
            var encoded = new EncodedInput[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
            {
                encoded[i] = tokenizer.Encode(inputs[i], shape.Sequence);
                if (encoded[i].Truncated)
                {
                    context.Console.Warn($"{inputs.Name(i)} is longer than {shape.Sequence} tokens, the compiled sequence; truncated");
                }
            }

            using CheckpointModel loaded = CheckpointModel.Load(descriptor, weights, parse.GetValue(threads), CommonOptions.ParsePrecision(parse, precision));
            var line = new ArrayBufferWriter<byte>();
            WorkProgress.Run(context.Console, parse.GetValue(context.Quiet), progress =>
            {
                progress.Begin("classifying", inputs.Count);
                for (int start = 0; start < inputs.Count; start += shape.Batch)
                {
                    int count = Math.Min(shape.Batch, inputs.Count - start);
                    double[][] probabilities = Classify(loaded, shape, new ArraySegment<EncodedInput>(encoded, start, count), labelNames.Count, inputs, start);
                    for (int i = 0; i < count; i++)
                    {
                        WriteLine(context.Console, line, inputs[start + i], labelNames, probabilities[i]);
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

    /// <summary>Softmax over the labels of each text of one batch; spare rows repeat the last text and are not read.</summary>
    private static double[][] Classify(CheckpointModel loaded, ShapeDescriptor shape, ArraySegment<EncodedInput> batch, int labelCount, NumberedTexts texts, int first)
    {
        int tokens = shape.Batch * shape.Sequence;
        var inputIds = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        for (int row = 0; row < shape.Batch; row++)
        {
            EncodedInput input = batch[Math.Min(row, batch.Count - 1)];
            for (int t = 0; t < input.InputIds.Count; t++)
            {
                inputIds[row * shape.Sequence + t] = input.InputIds[t];
                types[row * shape.Sequence + t] = input.SegmentIds[t];
                mask[row * shape.Sequence + t] = 1;
            }
        }

        IForwardPass pass = loaded.Pass(shape.Batch, shape.Sequence);
        pass.Run(inputIds, mask, types);
        var probabilities = new double[batch.Count][];
        for (int row = 0; row < batch.Count; row++)
        {
            FiniteOutput.Require(pass.SequenceLogits.Slice(row * labelCount, labelCount), texts.Name(first + row));
            probabilities[row] = CheckpointModel.Softmax(pass.SequenceLogits.Slice(row * labelCount, labelCount));
        }

        return probabilities;
    }

    private static void WriteLine(CliConsole console, ArrayBufferWriter<byte> line, string text, IReadOnlyList<string> labels, double[] probabilities)
    {
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            best = probabilities[i] > probabilities[best] ? i : best;
        }

        line.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteString("label", labels[best]);
            writer.WriteStartObject("probabilities");
            for (int i = 0; i < labels.Count; i++)
            {
                writer.WriteNumber(labels[i], probabilities[i]);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        console.Output.WriteLine(CliConsole.Utf8.GetString(line.WrittenSpan));
    }
}
