using System;
using System.CommandLine;
using System.IO;
using BertGen.Cli.Training;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;
using BertGen.Training;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen pretrain</c>: BERT pretraining (masked LM + next sentence) of a compiled model on a sentence-per-line
/// corpus, bert-tiny on the bundled King James Bible by default; checkpoints, metrics.csv and a loss plot in the
/// checkpoint folder, and the held-out evaluation before and after.
/// </summary>
internal sealed class PretrainCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = "A compiled model with the pretraining head and training (bert-tiny, bert-mini, bert-small, bert-base).",
            DefaultValueFactory = _ => "bert-tiny",
            HelpName = "NAME",
        };
        var corpus = new Option<string?>("--corpus")
        {
            Description = "Sentence per line, a blank line between documents, plain or .gz (default: the bundled King James Bible).",
            HelpName = "FILE",
        };
        var warmup = new Option<long>("--warmup") { Description = "Steps of linear learning-rate warmup (at most --steps).", DefaultValueFactory = _ => 30, HelpName = "N" };
        var evaluationBatches = new Option<int>("--eval-batches") { Description = "Held-out batches per evaluation (at most one pass over the held-out documents).", DefaultValueFactory = _ => 16, HelpName = "N" };
        var heldOut = new Option<double>("--held-out")
        {
            Description = "Share of the corpus's documents held out for evaluation: whole documents, at least 2, leaving at least 2 to train on "
                + "(a corpus of fewer than 4 documents, such as a file without blank lines, is cut into pieces of consecutive sentences first).",
            DefaultValueFactory = _ => 0.1,
            HelpName = "SHARE",
        };
        var checkpoints = new Option<string?>("--checkpoints")
        {
            Description = "Folder for checkpoints, metrics.csv and loss.png (default: runs/pretrain-MODEL in the current folder).",
            HelpName = "DIR",
        };
        var training = new TrainingOptions(steps: 300, learningRate: 5e-4, batch: 32, sequence: 128, evaluateEvery: 100, checkpointEvery: 100);

        var command = new Command("pretrain", "Pretrain a compiled BERT (masked LM + next sentence prediction) from scratch or resume a run. "
            + "Shows step, loss, MLM accuracy, tokens/s and ETA while it runs; writes checkpoints, metrics.csv and a loss plot (loss.png) "
            + "to the checkpoint folder and prints the held-out MLM loss and accuracy and NSP accuracy before and after. "
            + "Ctrl-C or SIGTERM stops after the current step with a checkpoint (exit 130); --resume continues.")
        {
            model, corpus, warmup, evaluationBatches, heldOut, checkpoints,
        };
        training.AddTo(command);
        command.SetAction(parse =>
        {
            // First: a Ctrl-C or SIGTERM during the checks below ends the process with one line, not silently.
            using TrainingStop stop = TrainingStop.Listen(context.Console.Error, training.Resuming(parse));
            // Under mpirun the options are checked on every rank as one step (an error on any rank is the job's one line): a
            // process of an MPMD job (-np 1 A : -np 1 B) that alone failed a check before joining ended the job without a
            // word (exit 2), its usage error taken for the one rank 0 prints.
            DataParallelLaunch.Join(context.Console.Error);
            int batch = parse.GetValue(training.Batch);
            int sequence = parse.GetValue(training.Sequence);
            (ModelDescriptor descriptor, string directory) = DataParallelLaunch.OnEveryRank(() =>
            {
                training.Validate(parse, context.Console);
                ModelDescriptor compiled = ModelCatalog.RequireCompiledWithHead(parse.GetValue(model)!, ModelCatalog.PretrainingHead, training: true);
                TrainingRun.RequireShape(compiled, batch, sequence);
                if (parse.GetValue(warmup) < 0)
                {
                    throw new CliUsageException($"--warmup must be 0 or more, not {parse.GetValue(warmup)}");
                }

                if (parse.GetValue(evaluationBatches) < 1)
                {
                    throw new CliUsageException($"--eval-batches must be at least 1, not {parse.GetValue(evaluationBatches)}");
                }

                if (!(parse.GetValue(heldOut) is > 0 and <= 0.5))
                {
                    throw new CliUsageException($"--held-out must be a share above 0 and at most 0.5, not {parse.GetValue(heldOut).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                }

                return (compiled, TrainingRun.FolderOf(parse.GetValue(checkpoints), "pretrain-" + ModelCatalog.CliName(compiled)));
            });
            JobAgreement.Require(parse, descriptor, [corpus, training.Vocabulary, checkpoints, training.Threads]);
            // Every rank checks its own copy of the files (and its machine's memory for the corpus), as one step.
            (string corpusPath, string vocabularyPath) = DataParallelLaunch.OnEveryRank(() =>
            {
                string corpusPath = BundledData.Resolve(parse.GetValue(corpus), BundledData.PretrainingCorpus, "--corpus");
                string vocabularyPath = BundledData.Resolve(parse.GetValue(training.Vocabulary), BundledData.Vocabulary, "--vocab", readOnce: false);
                TrainingOptions.RequireVocabulary(vocabularyPath, descriptor);
                TrainingMemory.RequireFits(descriptor, batch, sequence, parse.GetValue(training.Replicas), corpusPath);
                return (corpusPath, vocabularyPath);
            });
            // Under mpirun, rank 0 reads the checkpoint folder and every rank trains with its plan.
            ResumePlan resume = DataParallelLaunch.FromRankZero(
                () => training.ResolveResume(parse, directory, descriptor, (ResumePlan.Given(parse, warmup), parse.GetValue(warmup))),
                ResumePlan.Write,
                ResumePlan.Read);
            TrainingRunPlan plan = training.RunPlan(parse, descriptor, TrainingKind.Pretraining, directory, resume);
            var options = new PretrainingJobOptions
            {
                CorpusPath = corpusPath,
                VocabularyPath = vocabularyPath,
                BatchSize = batch,
                SequenceLength = sequence,
                Steps = resume.Steps,
                ScheduleSteps = resume.ScheduleSteps,
                LearningRate = resume.LearningRate,
                WarmupSteps = resume.WarmupSteps ?? parse.GetValue(warmup),
                Seed = resume.Seed,
                HeldOutShare = parse.GetValue(heldOut),
                EvaluationBatches = parse.GetValue(evaluationBatches),
                EvaluateEvery = parse.GetValue(training.EvaluateEvery),
                CheckpointEvery = parse.GetValue(training.CheckpointEvery),
                CheckpointDirectory = directory,
                Resume = plan.Resume && resume.Checkpoint is not null, // with none, bertgen warns itself ("nothing to resume")
                AccumulationSteps = parse.GetValue(training.Accumulate),
                DataParallel = training.DataParallel(parse),
            };

            TrainingRunOutcome outcome = TrainingRun.Run(context, parse.GetValue(context.Quiet), plan, stop,
                (trainable, _) =>
                {
                    trainable.InitializeParameters(options.Seed);
                    trainable.PrepareWeights();
                },
                (trainable, sink, log, cancellation, group) => PretrainingJob.Run(trainable, options, sink, log, cancellation, group));

            return TrainingRun.Finish(outcome, plan, finished => WriteSummary(context.Console, finished));
        });
        return command;
    }

    private static void WriteSummary(CliConsole console, TrainingRunOutcome outcome)
    {
        JobResult result = outcome.Result;
        var table = new Table();
        table.AddColumn("held-out");
        table.AddColumn(TableOutput.Number("step"));
        table.AddColumn(TableOutput.Number("MLM loss"));
        table.AddColumn(TableOutput.Number("MLM accuracy"));
        table.AddColumn(TableOutput.Number("NSP accuracy"));
        AddRow(table, result.Resumed ? "before (resumed)" : "before", result.Before);
        AddRow(table, "after", result.After);
        TableOutput.Write(console, table);
        TrainingSummary.WriteFiles(console, outcome);
    }

    private static void AddRow(Table table, string name, EvaluationMetrics metrics) => table.AddRow(
        name,
        TrainingSummary.Count(metrics.Step),
        TrainingSummary.Number(metrics.MaskedLmLoss),
        TrainingDisplay.Percent(metrics.MaskedLmAccuracy),
        TrainingDisplay.Percent(metrics.NextSentenceAccuracy));
}
