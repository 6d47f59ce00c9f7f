using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BertGen.Models;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using BertGen.Text;
using BertGen.Training;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// A program of a package user's that classifies texts and trains its own classifier, against what <c>bertgen classify</c>
/// prints for the same weights: <see cref="TextClassifier"/> (which the command runs) and <see cref="TrainerOptions.LabelNames"/>.
/// </summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class TextClassifierTests(TrainingRunsFixture runs)
{
    private static readonly BertWordPieceTokenizer Tokenizer = BertWordPieceTokenizer.BertBaseUncased();

    /// <summary>Twenty texts, so two passes of the compiled batch of 16 (the second with spare rows), one longer than the compiled 64 tokens.</summary>
    private static readonly string[] Texts =
    [
        "Jesus wept.",
        "In the beginning God created the heaven and the earth.",
        "Blessed are the meek: for they shall inherit the earth.",
        string.Join(' ', Enumerable.Repeat("And the LORD spake unto Moses, saying", 12)),
        .. Enumerable.Range(0, 16).Select(i => $"And the {i} sons of Jacob went down into Egypt to buy corn."),
    ];

    [Fact]
    public void AProgramGetsTheAnswersBertgenClassifyPrints()
    {
        using BertTinyClassifier model = LoadFinetuned();
        using var classifier = new TextClassifier(model, Tokenizer, BertTinyClassifier.Labels);
        TextClassification[] answers = classifier.Classify(Texts);

        CliResult printed = Cli.Run(["classify", "--quiet", "-c", runs.FinetuneRun, .. Texts]);
        Assert.True(printed.ExitCode == 0, printed.Error);
        Assert.Equal(["bertgen: warning: text 4 is longer than 64 tokens, the compiled sequence; truncated"], printed.ErrorLines);
        Assert.Equal(Texts.Length, printed.OutputLines.Length);
        for (int i = 0; i < Texts.Length; i++)
        {
            using JsonDocument line = JsonDocument.Parse(printed.OutputLines[i]);
            Assert.Equal(line.RootElement.GetProperty("label").GetString(), answers[i].Label);
            Assert.Equal(BertTinyClassifier.Labels[answers[i].LabelIndex], answers[i].Label);

            // JSON holds a double's shortest round-trip form: the same bits, not merely close.
            double[] probabilities = BertTinyClassifier.Labels.Select(l => line.RootElement.GetProperty("probabilities").GetProperty(l).GetDouble()).ToArray();
            Assert.Equal(probabilities, answers[i].Probabilities);
            Assert.Equal(i == 3, answers[i].Truncated);
        }
    }

    [Fact]
    public void EachAnswerIsItsTextRunAloneInABatchFilledByHand()
    {
        // What a library user wrote before: one text in row 0 of the compiled 16 × 64 batch, SequenceLogits sliced by hand.
        using BertTinyClassifier model = LoadFinetuned();
        using IForwardPass pass = model.CreateForwardPass(16, 64);
        float[] ByHand(EncodedInput input)
        {
            int[] ids = new int[16 * 64], mask = new int[16 * 64], types = new int[16 * 64];
            for (int t = 0; t < input.InputIds.Count; t++)
            {
                (ids[t], types[t], mask[t]) = (input.InputIds[t], input.SegmentIds[t], 1);
            }

            pass.Run(ids, mask, types);
            return pass.SequenceLogits[..2].ToArray();
        }

        using var classifier = new TextClassifier(model, Tokenizer, ["old", "new"]);
        TextClassification[] answers = classifier.Classify(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            float[] expected = ByHand(Tokenizer.Encode(Texts[i], 64));
            Assert.Equal(expected, answers[i].Logits);
            Assert.Equal(expected[1] > expected[0] ? "new" : "old", answers[i].Label);
            Assert.Equal(1.0, answers[i].Probabilities.Sum(), 12);
        }

        // A pair is [CLS] a [SEP] b [SEP] with segment ids 1 on b, and a long pair is cut longest first, as the tokenizer's EncodePair does.
        (string, string)[] pairs = [("Jesus wept.", "He was sad."), (Texts[3], "And Moses said unto the LORD.")];
        TextClassification[] paired = classifier.Classify(pairs);
        for (int i = 0; i < pairs.Length; i++)
        {
            EncodedInput input = Tokenizer.EncodePair(pairs[i].Item1, pairs[i].Item2, 64);
            Assert.Equal(ByHand(input), paired[i].Logits);
            Assert.Equal(input.Truncated, paired[i].Truncated);
        }

        Assert.True(paired[1].Truncated);
        Assert.NotEqual(ByHand(Tokenizer.Encode("Jesus wept.", 64)), paired[0].Logits);
    }

    [Fact]
    public void WhatCannotBeClassifiedIsRefusedInOneLine()
    {
        using BertTinyClassifier model = LoadFinetuned();
        ArgumentException labels = Assert.Throws<ArgumentException>(() => new TextClassifier(model, Tokenizer, ["a", "b", "c"]));
        Assert.StartsWith("model 'BertTinyClassifier' classifies into 2 labels, but 3 label names were given ('a', 'b', 'c')", labels.Message, StringComparison.Ordinal);

        using var classifier = new TextClassifier(model, Tokenizer, BertTinyClassifier.Labels);
        Assert.Equal("texts[1] is only whitespace", Assert.Throws<TextDataException>(() => classifier.Classify(["Jesus wept.", " \t"])).Message);
        Assert.Equal("the second text of pairs[0] is empty", Assert.Throws<TextDataException>(() => classifier.Classify([("Jesus wept.", "")])).Message);
        Assert.Contains("longer than the largest compiled sequence length 64", Assert.Throws<BertInputException>(() => classifier.Classify([Tokenizer.Encode(Texts[3], 100)])).Message, StringComparison.Ordinal);

        // A model without a sequence classifier has no classes to name.
        using var encoder = new BertTiny();
        encoder.InitializeParameters(seed: 1);
        encoder.PrepareWeightsForInference();
        ArgumentException headless = Assert.Throws<ArgumentException>(() => new TextClassifier(encoder, Tokenizer, ["a", "b"]));
        Assert.StartsWith("model 'BertTiny' has no sequence classification head", headless.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AProgramsOwnTrainerRecordsLabelNamesThatBertgenClassifyNamesClassesWith()
    {
        // Only the fine-tuning job wrote label names into checkpoints: a classifier trained with a Trainer of one's own
        // was classified as the spec's OT and NT whatever it had learnt.
        string[] labels = ["neg", "pos"];
        string train = runs.File("user-trainer.tsv");
        File.WriteAllLines(train, File.ReadLines(runs.Train).Select(l => (l.StartsWith("OT\t", StringComparison.Ordinal) ? "neg" : "pos") + l[2..]));
        var examples = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(train), Tokenizer, labels, 64);
        string folder = runs.File("user-trainer");
        using (var model = new BertTinyClassifier())
        {
            model.InitializeParameters(seed: 1);
            model.PrepareWeights();
            using var trainer = new Trainer(
                model,
                new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(examples, batchSize: 16, seed: 1)),
                new TrainerOptions
                {
                    Steps = 1,
                    Schedule = new LinearWarmupDecaySchedule(1e-3, warmupSteps: 1, totalSteps: 1),
                    CheckpointDirectory = folder,
                    LabelNames = labels,
                });
            trainer.Run();
        }

        CliResult classified = Cli.Run("classify", "--quiet", "-c", folder, "I really enjoyed it");
        Assert.True(classified.ExitCode == 0, classified.Error);
        using JsonDocument line = JsonDocument.Parse(Assert.Single(classified.OutputLines));
        Assert.Equal(labels, line.RootElement.GetProperty("probabilities").EnumerateObject().Select(p => p.Name));

        // The same metadata entry the fine-tuning job writes (its run recorded the spec's names).
        Assert.Equal("""{"0":"OT","1":"NT"}""", Id2Label(CheckpointWeights.Resolve(runs.FinetuneRun, "-c")));
        Assert.Equal("""{"0":"neg","1":"pos"}""", Id2Label(CheckpointWeights.Resolve(folder, "-c")));
    }

    [Fact]
    public void LabelNamesInAnotherOrderThanTheDataNumbersItsLabelsAreRefused_AndLeftOutTheDatasAreRecorded()
    {
        // The data set numbered its labels neg = 0, pos = 1 and the options named class 0 "pos": the run trained and every
        // checkpoint named each class as the other, without a word. Left out, no names were recorded.
        string train = runs.File("label-order.tsv");
        File.WriteAllLines(train, File.ReadLines(runs.Train).Select(l => (l.StartsWith("OT\t", StringComparison.Ordinal) ? "neg" : "pos") + l[2..]));
        var examples = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(train), Tokenizer, ["neg", "pos"], 64);
        var swapped = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(train), Tokenizer, ["pos", "neg"], 64);
        string folder = runs.File("label-order");
        using var model = new BertTinyClassifier();
        model.InitializeParameters(seed: 1);
        model.PrepareWeights();
        var options = new TrainerOptions
        {
            Steps = 1,
            Schedule = new LinearWarmupDecaySchedule(1e-3, warmupSteps: 1, totalSteps: 1),
            CheckpointDirectory = folder,
        };
        SequenceClassificationBatchSource Source() => new(new SequenceClassificationBatchStream(examples, batchSize: 16, seed: 1));

        TrainingException refused = Assert.Throws<TrainingException>(() => new Trainer(model, Source(), options with { LabelNames = ["pos", "neg"] }));
        Assert.Equal(
            "TrainerOptions.LabelNames lists 'pos', 'neg', but the training data numbers its labels 'neg', 'pos' (in class-id order), "
            + "so the checkpoints would name the classes it learns wrongly: give LabelNames in the data's order, or leave them out to record the data's",
            refused.Message);
        refused = Assert.Throws<TrainingException>(() => new Trainer(model, Source(), options, evaluation: new SequenceClassificationEvaluationSource(swapped, 16)));
        Assert.Equal(
            "the held-out data numbers its labels 'pos', 'neg' and the training data 'neg', 'pos' (in class-id order), "
            + "so evaluations would score each class as another: create both data sets with the same label names in the same order",
            refused.Message);
        Assert.False(Directory.Exists(folder));

        using (var trainer = new Trainer(model, Source(), options, evaluation: new SequenceClassificationEvaluationSource(examples, 16)))
        {
            trainer.Run();
        }

        Assert.Equal("""{"0":"neg","1":"pos"}""", Id2Label(CheckpointWeights.Resolve(folder, "-c")));

        // Resumed over data numbered the other way round: refused, saying what to do when the names came from the data.
        using (var resumed = new Trainer(model, new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(swapped, batchSize: 16, seed: 1)), options with { Steps = 2 }))
        {
            CheckpointException swappedResume = Assert.Throws<CheckpointException>(() => resumed.ResumeFromLatest());
            Assert.EndsWith(
                "was trained with the labels 'neg', 'pos' (in class-id order); this run's data numbers them 'pos', 'neg': create the data set with the recorded label names in that order",
                swappedResume.Message, StringComparison.Ordinal);
        }

        // Names that cannot name this model's two classes one for one are recorded nowhere, and the run trains as before.
        string three = runs.File("label-order-3");
        var threeNames = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(train), Tokenizer, ["neg", "pos", "unused"], 64);
        using (var trainer = new Trainer(model, new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(threeNames, batchSize: 16, seed: 1)), options with { CheckpointDirectory = three }))
        {
            trainer.Run();
        }

        Assert.Null(ParameterLoader.ReadLabelNames(CheckpointWeights.Resolve(three, "-c")));
    }

    private static string Id2Label(string weights)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(weights);
        return reader.Metadata[CheckpointLabels.MetadataKey];
    }

    private BertTinyClassifier LoadFinetuned()
    {
        var model = new BertTinyClassifier();
        ParameterLoader.LoadSafetensors(CheckpointWeights.Resolve(runs.FinetuneRun, "--checkpoint"), BertTinyClassifier.ParameterTable, model.Parameters.AsSpan());
        model.PrepareWeightsForInference();
        return model;
    }
}
