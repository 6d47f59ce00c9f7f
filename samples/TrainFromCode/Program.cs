// Trains a BERT sequence classifier compiled from verse-classifier.bert.json with BertGen's own trainer: data,
// optimiser, schedule, checkpoints. Usage: dotnet run -c Release -- TRAIN DEV [STEPS] [TEXT…]
// (TRAIN and DEV: label<TAB>text lines, plain or .gz; the labels are the spec's id2label, OT and NT.)
using System;
using System.Globalization;
using System.Linq;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Text;
using BertGen.Training;
using Sample;

const int Batch = 16, Sequence = 64;
long steps = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 300;

// Data: labelled text tokenised with the uncased BERT vocabulary that BertGen.Text carries.
BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.BertBaseUncased();
string[] labels = [.. VerseClassifier.Labels];
var train = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(args[0]), tokenizer, labels, Sequence);
var dev = SequenceClassificationDataset.Create(LabelledTextReader.ReadFile(args[1]), tokenizer, labels, Sequence);

// The model, from a seeded initialisation; PrepareWeights packs the weights for the kernels.
using var model = new VerseClassifier();
model.InitializeParameters(seed: 1);
model.PrepareWeights();

// The trainer: AdamW (torch flavour), linear warmup and decay, held-out evaluation, checkpoints it can resume from.
using var trainer = new Trainer(
    model,
    new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(train, Batch, seed: 1)),
    new TrainerOptions
    {
        Steps = steps,
        Schedule = new LinearWarmupDecaySchedule(1e-3, warmupSteps: steps / 10, totalSteps: steps),
        Optimizer = AdamWSettings.Torch,
        CheckpointDirectory = "checkpoints",
        CheckpointEvery = 100,
        LabelNames = labels,                                         // recorded in every checkpoint, for whoever classifies with it
    },
    new SequenceClassificationEvaluationSource(dev, Batch));
trainer.ResumeFromLatest();
EvaluationMetrics before = trainer.Evaluate();
trainer.Run();
EvaluationMetrics after = trainer.Evaluate();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"held-out accuracy {100 * before.TaskAccuracy:F1}% -> {100 * after.TaskAccuracy:F1}% after {trainer.Step} steps (loss {before.TaskLoss:F4} -> {after.TaskLoss:F4})"));

// The trained model classifies new text: tokenised and cut to the compiled 64 tokens, batched, softmax over the labels.
using var classifier = new TextClassifier(model, tokenizer, labels);
string[] texts = [.. args.Skip(3)];
TextClassification[] answers;
try
{
    answers = classifier.Classify(texts);
}
catch (TextDataException e)
{
    Console.Error.WriteLine($"error: {e.Message}");                 // a blank text: "texts[1] is only whitespace"
    return 2;
}

for (int i = 0; i < texts.Length; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{answers[i].Label}\t{texts[i]}\t{answers[i].Probabilities[answers[i].LabelIndex]:P1}"));
}

return 0;
