using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using BertGen.Cli.Training;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using BertGen.Text;
using BertGen.Training;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen finetune</c>: sequence classification on labelled text, from the real all-MiniLM-L6-v2 encoder, a
/// BertGen-pretrained checkpoint's encoder, or from scratch; the held-out accuracy before and after beside the
/// majority-class baseline.
/// </summary>
internal sealed class FinetuneCommand : ICliCommand
{
    /// <summary>The <c>--init</c> value for the real all-MiniLM-L6-v2 encoder from its package.</summary>
    public const string MiniLmInit = "minilm";

    /// <summary>The <c>--init</c> value for a seeded initialisation of everything.</summary>
    public const string NoInit = "none";

    public Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"A compiled model with a sequence-classification head and training ({string.Join(", ", ModelCatalog.Compiled.Where(d => d.Heads.Contains(ModelCatalog.SequenceClassificationHead)).Select(ModelCatalog.CliName))}).",
            DefaultValueFactory = _ => "minilm-l6-classifier",
            HelpName = "NAME",
        };
        var init = new Option<string>("--init")
        {
            Description = "Where the encoder starts: 'minilm' (the real all-MiniLM-L6-v2 from its package), a checkpoint folder or .safetensors file "
                + "of a BertGen-pretrained model with the same encoder shape (its heads are dropped), or 'none' (from scratch). The classifier head starts from --seed.",
            DefaultValueFactory = _ => MiniLmInit,
            HelpName = "minilm|PATH|none",
        };
        var train = new Option<string?>("--train") { Description = "Training examples, label<TAB>text per line, plain or .gz (default: the bundled OT/NT testament task).", HelpName = "FILE" };
        var evaluation = new Option<string?>("--eval") { Description = "Held-out examples in the same format (default: the bundled testament dev split).", HelpName = "FILE" };
        var labels = new Option<string?>("--labels") { Description = "Label names in class order, comma-separated (default: the model's own, OT,NT for the shipped classifiers).", HelpName = "A,B,…" };
        var warmup = new Option<long?>("--warmup") { Description = "Steps of linear learning-rate warmup, at most --steps (default: 10% of --steps).", HelpName = "N" };
        var checkpoints = new Option<string?>("--checkpoints")
        {
            Description = "Folder for checkpoints, metrics.csv and loss.png (default: runs/finetune-MODEL in the current folder).",
            HelpName = "DIR",
        };
        var training = new TrainingOptions(steps: 300, learningRate: 1e-4, batch: 16, sequence: 64, evaluateEvery: 100, checkpointEvery: 100);

        var command = new Command("finetune", "Fine-tune a compiled sequence classifier on labelled text. Shows step, loss, accuracy, tokens/s and ETA "
            + "while it runs; writes checkpoints, metrics.csv and loss.png to the checkpoint folder and prints the held-out accuracy before and after "
            + "beside the majority-class baseline. Ctrl-C or SIGTERM stops after the current step with a checkpoint (exit 130); --resume continues.")
        {
            model, init, train, evaluation, labels, warmup, checkpoints,
        };
        training.AddTo(command);
        command.SetAction(parse =>
        {
            // First: a Ctrl-C or SIGTERM during the checks below ends the process with one line, not silently.
            using TrainingStop stop = TrainingStop.Listen(context.Console.Error, training.Resuming(parse));
            // Under mpirun the options (and each machine's memory) are checked on every rank as one step, as pretrain's are.
            DataParallelLaunch.Join(context.Console.Error);
            int batch = parse.GetValue(training.Batch);
            int sequence = parse.GetValue(training.Sequence);
            (ModelDescriptor descriptor, string directory) = DataParallelLaunch.OnEveryRank(() =>
            {
                training.Validate(parse, context.Console);
                ModelDescriptor compiled = ModelCatalog.RequireCompiledWithHead(parse.GetValue(model)!, ModelCatalog.SequenceClassificationHead, training: true);
                TrainingRun.RequireShape(compiled, batch, sequence);
                TrainingMemory.RequireFits(compiled, batch, sequence, parse.GetValue(training.Replicas), corpusPath: null);
                if (parse.GetValue(warmup) is long steps and < 0)
                {
                    throw new CliUsageException($"--warmup must be 0 or more, not {steps}");
                }

                return (compiled, TrainingRun.FolderOf(parse.GetValue(checkpoints), "finetune-" + ModelCatalog.CliName(compiled)));
            });
            JobAgreement.Require(parse, descriptor, [init, train, evaluation, training.Vocabulary, checkpoints, training.Threads], labels);
            // Under mpirun, rank 0 reads the checkpoint folder (the schedule and labels of a resumed run) and finds the --init
            // weights, which it alone loads (the others receive its parameters), and every rank trains with what it found.
            string initValue = parse.GetValue(init)!;
            (ResumePlan resume, IReadOnlyList<string> labelNames, string? initWeights) = DataParallelLaunch.FromRankZero(
                () =>
                {
                    ResumePlan plan = training.ResolveResume(parse, directory, descriptor, (parse.GetValue(warmup), null));
                    return (plan, Labels(parse.GetValue(labels), descriptor, plan), InitWeights(initValue));
                },
                (writer, decided) =>
                {
                    ResumePlan.Write(writer, decided.Item1);
                    writer.Write(decided.Item2.Count);
                    foreach (string label in decided.Item2)
                    {
                        writer.Write(label);
                    }

                    writer.Write(decided.Item3 ?? string.Empty);
                },
                reader =>
                {
                    ResumePlan plan = ResumePlan.Read(reader);
                    var names = new string[reader.ReadInt32()];
                    for (int i = 0; i < names.Length; i++)
                    {
                        names[i] = reader.ReadString();
                    }

                    string weights = reader.ReadString();
                    return (plan, (IReadOnlyList<string>)names, weights.Length == 0 ? null : weights);
                });
            // Under mpirun every rank checks and reads its own copy of the files, as one step: an error on any rank is the
            // job's one line.
            (string trainPath, string evaluationPath, string vocabularyPath, string majority, double baseline) = DataParallelLaunch.OnEveryRank(() =>
            {
                string trainPath = BundledData.Resolve(parse.GetValue(train), BundledData.TestamentTrain, "--train", readOnce: false);
                string evaluationPath = BundledData.Resolve(parse.GetValue(evaluation), BundledData.TestamentDev, "--eval", readOnce: false);
                string vocabularyPath = BundledData.Resolve(parse.GetValue(training.Vocabulary), BundledData.Vocabulary, "--vocab", readOnce: false);
                BertVocabulary vocabulary = TrainingOptions.RequireVocabulary(vocabularyPath, descriptor);

                // Read both files once here too: a foreign label or a blank text is reported with its file and line, and the
                // majority-class baseline needs the label counts. The job tokenises with this vocabulary's default tokenizer.
                BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Create(vocabulary);
                List<LabelledText> trainExamples = ReadChecked(trainPath, labelNames, tokenizer);
                List<LabelledText> evaluationExamples = ReadChecked(evaluationPath, labelNames, tokenizer);
                (string majority, double baseline) = MajorityBaseline(trainExamples, evaluationExamples);
                return (trainPath, evaluationPath, vocabularyPath, majority, baseline);
            });

            TrainingRunPlan plan = training.RunPlan(parse, descriptor, TrainingKind.FineTuning, directory, resume);
            var options = new SequenceClassificationJobOptions
            {
                TrainPath = trainPath,
                EvaluationPath = evaluationPath,
                VocabularyPath = vocabularyPath,
                Labels = labelNames,
                BatchSize = batch,
                SequenceLength = sequence,
                Steps = resume.Steps,
                ScheduleSteps = resume.ScheduleSteps,
                LearningRate = resume.LearningRate,
                WarmupSteps = resume.WarmupSteps,
                Seed = resume.Seed,
                EvaluateEvery = parse.GetValue(training.EvaluateEvery),
                CheckpointEvery = parse.GetValue(training.CheckpointEvery),
                CheckpointDirectory = directory,
                Resume = plan.Resume && resume.Checkpoint is not null, // with none, bertgen warns itself ("nothing to resume")
                AccumulationSteps = parse.GetValue(training.Accumulate),
                DataParallel = training.DataParallel(parse),
            };

            TrainingRunOutcome outcome = TrainingRun.Run(context, parse.GetValue(context.Quiet), plan, stop,
                (trainable, log) => Initialize(trainable, descriptor, resume.Checkpoint is null ? initValue : NoInit, initWeights, options.Seed, log),
                (trainable, sink, log, cancellation, group) => SequenceClassificationJob.Run(trainable, options, sink, log, cancellation, group));

            return TrainingRun.Finish(outcome, plan, finished => WriteSummary(context.Console, finished, majority, baseline));
        });
        return command;
    }

    /// <summary>The weights file of --init PATH (a checkpoint folder's newest, or the file), or null for minilm and none.</summary>
    private static string? InitWeights(string init)
    {
        string? weights = init is MiniLmInit or NoInit ? null : CheckpointWeights.Resolve(init, "--init");
        if (weights is not null && Int8WeightsFile.Is(weights))
        {
            // Its weight_scale tensors would otherwise be reported as parameters the model lacks.
            throw new CliUsageException($"--init '{ShownPath.Of(weights)}' holds int8 weights ('bertgen quantize' writes them for inference): training starts from fp32 weights; give the file it was quantised from");
        }

        return weights;
    }

    /// <summary>
    /// The class names: a resumed run's are those its checkpoint recorded (an explicit --labels must agree), a fresh
    /// run's are --labels or the model's own.
    /// </summary>
    private static IReadOnlyList<string> Labels(string? given, ModelDescriptor descriptor, ResumePlan resume)
    {
        IReadOnlyList<string>? recorded = resume.CheckpointWeights is string weights ? CheckpointWeights.RecordedLabels(weights, descriptor) : null;
        if (recorded is null)
        {
            return CommonOptions.ParseLabels(given, descriptor);
        }

        if (given is not null && !CommonOptions.ParseLabels(given, descriptor).SequenceEqual(recorded, StringComparer.Ordinal))
        {
            throw new CliUsageException($"--labels {given} is not what the resumed run was fine-tuned with ({string.Join(",", recorded)}); leave --labels out to keep them");
        }

        return recorded;
    }

    /// <summary>
    /// The examples of a labelled file, each with one of <paramref name="labels"/> and texts the tokenizer keeps something of
    /// (<see cref="BlankText"/>): a text of only accents or zero-width spaces trained as [CLS] [SEP], which says nothing of its label.
    /// </summary>
    private static List<LabelledText> ReadChecked(string path, IReadOnlyList<string> labels, BertWordPieceTokenizer tokenizer)
    {
        List<LabelledText> examples = LabelledTextReader.ReadFile(path);
        foreach (LabelledText example in examples)
        {
            if (!labels.Contains(example.Label))
            {
                throw new CliFailureException($"{example.Source}: label {MessageText.Quote(example.Label)} is not one of the model's labels ({string.Join(", ", labels)}); see --labels");
            }

            if (BlankText.DescribeExample(example, tokenizer) is string blank)
            {
                throw new CliFailureException($"{example.Source}: {blank}");
            }
        }

        return examples;
    }

    /// <summary>Always answering the training set's most frequent label: the accuracy a classifier has to beat.</summary>
    internal static (string Label, double Accuracy) MajorityBaseline(IReadOnlyList<LabelledText> train, IReadOnlyList<LabelledText> evaluation)
    {
        string majority = train.GroupBy(e => e.Label, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        return (majority, (double)evaluation.Count(e => e.Label == majority) / evaluation.Count);
    }

    // A resumed run is given NoInit: the checkpoint replaces every parameter, so loading --init's encoder (and saying so
    // before "resumed at step N") would be work thrown away and a line that misleads.
    private static void Initialize(ITrainableModel model, ModelDescriptor descriptor, string init, string? weights, ulong seed, Action<string> log)
    {
        model.InitializeParameters(seed);
        if (init != NoInit)
        {
            IReadOnlyList<string> notLoaded;
            string source = weights ?? "minilm (all-MiniLM-L6-v2)";
            try
            {
                if (weights is null)
                {
                    using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2);
                    notLoaded = ParameterLoader.LoadEncoder(OnnxBertImporter.Import(OnnxReader.Read(package.ViewModelOnnx())), model.ParameterTable, model.Parameters.AsSpan());
                }
                else
                {
                    using SafetensorsReader reader = SafetensorsReader.Open(weights);
                    notLoaded = ParameterLoader.LoadEncoder(reader.Tensors, model.ParameterTable, model.Parameters.AsSpan());
                }
            }
            catch (WeightFileException e)
            {
                throw new CliFailureException($"--init {source} does not fit '{ModelCatalog.CliName(descriptor)}': {e.Message}", e);
            }

            log($"encoder loaded from {source}; initialised from --seed {seed}: {string.Join(", ", notLoaded)}");
        }

        model.PrepareWeights();
    }

    private static void WriteSummary(CliConsole console, TrainingRunOutcome outcome, string majority, double baseline)
    {
        JobResult result = outcome.Result;
        var table = new Table();
        table.AddColumn("held-out");
        table.AddColumn(TableOutput.Number("step"));
        table.AddColumn(TableOutput.Number("loss"));
        table.AddColumn(TableOutput.Number("accuracy"));
        AddRow(table, result.Resumed ? "before (resumed)" : "before", result.Before);
        AddRow(table, "after", result.After);
        table.AddRow(Markup.Escape($"majority class ({majority})"), "", "", TrainingDisplay.Percent(baseline));
        TableOutput.Write(console, table);
        TrainingSummary.WriteFiles(console, outcome);
    }

    private static void AddRow(Table table, string name, EvaluationMetrics metrics) => table.AddRow(
        name,
        TrainingSummary.Count(metrics.Step),
        TrainingSummary.Number(metrics.TaskLoss),
        TrainingDisplay.Percent(metrics.TaskAccuracy));
}
