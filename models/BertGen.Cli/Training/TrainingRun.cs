using System;
using System.IO;
using System.Linq;
using System.Threading;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.Training;

namespace BertGen.Cli.Training;

/// <summary>What a <c>pretrain</c> or <c>finetune</c> run is, after its options are checked.</summary>
/// <param name="Model">The compiled model trained.</param>
/// <param name="Kind">Pretraining or fine-tuning (what the display and plot show).</param>
/// <param name="CheckpointDirectory">Where checkpoints, <c>metrics.csv</c> and the loss plot go.</param>
/// <param name="Steps">Optimiser steps of the whole run (a resumed run stops there too).</param>
/// <param name="Resume">Continue from the newest checkpoint in <paramref name="CheckpointDirectory"/>.</param>
/// <param name="Threads">Compute threads, or null for one per core.</param>
/// <param name="ResumeOlder">When the newest checkpoint is damaged, continue from the newest intact one before it.</param>
internal sealed record TrainingRunPlan(ModelDescriptor Model, TrainingKind Kind, string CheckpointDirectory, long Steps, bool Resume, int? Threads, bool ResumeOlder = false);

/// <summary>How a run ended: the job's evaluations, whether Ctrl-C cut it short, and where its files are.</summary>
internal sealed record TrainingRunOutcome(JobResult Result, bool Interrupted, string MetricsPath, string PlotPath);

/// <summary>
/// The part of <c>pretrain</c> and <c>finetune</c> that is the same: lock the checkpoint folder for the run, choose the
/// checkpoint to resume (proven whole first) and cut the metrics CSV back to it, allocate the model, wire the CSV and
/// the progress display to the trainer, turn Ctrl-C into a clean stop (the trainer finishes its step, checkpoints and
/// returns), and draw the loss plot from the CSV afterwards.
/// </summary>
internal static class TrainingRun
{
    public const string MetricsFile = "metrics.csv";
    public const string PlotFile = "loss.png";

    /// <param name="initialize">Fills the new model's parameters (seeded initialisation, an encoder load) before training.</param>
    /// <param name="job">The runtime job, given the model, the checkpoint to resume from (null: start at step 0), the
    /// metrics sink, the log and the cancellation.</param>
    public static TrainingRunOutcome Run(CliContext context, bool quiet, TrainingRunPlan plan,
        Action<ITrainableModel, TrainingDisplay> initialize,
        Func<ITrainableModel, string?, ITrainingMetricsSink, Action<string>, CancellationToken, JobResult> job)
    {
        string directory = plan.CheckpointDirectory;
        bool createdFolder = !Directory.Exists(directory);

        // Held until the run ends: a second run on this folder is refused here, before it touches anything.
        using CheckpointFolderLock folderLock = CheckpointFolderLock.Acquire(directory);
        CheckpointWeights.RequireFreshOrResume(directory, plan.Resume);
        string metricsPath = Path.Combine(directory, MetricsFile);
        ResumePoint? resume = plan.Resume ? ResumeChoice.Choose(directory, plan.ResumeOlder, plan.Steps) : null;
        bool hasCheckpoints = Directory.EnumerateDirectories(directory, "checkpoint-*").Any();
        if (resume is not null)
        {
            // Rows after the checkpoint (and a row cut by a crash) would otherwise appear twice or glued together.
            CsvMetricsSink.TruncateAfter(metricsPath, resume.Step);
        }
        else if (File.Exists(metricsPath))
        {
            // Rows of a run that never reached a checkpoint: this run starts again at step 0 and would interleave with them.
            File.Delete(metricsPath);
        }

        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(context.Console.Interrupt);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // The first Ctrl-C asks for a clean stop; a second one is let through and ends the process at once.
            if (!interrupt.IsCancellationRequested)
            {
                e.Cancel = true;
                interrupt.Cancel();
            }
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            using ComputePool? pool = plan.Threads is int threads ? new ComputePool(threads) : null;
            JobResult result;
            using (IBertModel created = plan.Model.Create(pool))
            using (var csv = new CsvMetricsSink(metricsPath))
            {
                ITrainableModel model = created as ITrainableModel
                    ?? throw new CliUsageException($"model '{ModelCatalog.CliName(plan.Model)}' has no compiled training step");
                result = TrainingDisplay.Run(context.Console, quiet, plan.Kind, plan.Steps, display =>
                {
                    if (plan.Resume && !hasCheckpoints)
                    {
                        display.Log($"nothing to resume in '{directory}': starting at step 0");
                    }

                    if (resume?.Note is string note)
                    {
                        display.Log(note);
                    }

                    initialize(model, display);
                    return job(model, resume?.Path, new CompositeMetricsSink(csv, display), display.Log, interrupt.Token);
                });
            }

            string plotPath = Path.Combine(directory, PlotFile);
            string title = $"{(plan.Kind == TrainingKind.Pretraining ? "pretraining" : "fine-tuning")} {ModelCatalog.CliName(plan.Model)}";
            if (plan.Kind == TrainingKind.Pretraining)
            {
                LossPlot.Write(metricsPath, plotPath, title, "mlm_loss", "mlm_accuracy", "MLM", "training loss (MLM + NSP)");
            }
            else
            {
                LossPlot.Write(metricsPath, plotPath, title, "task_loss", "task_accuracy", "task", "training loss");
            }

            return new TrainingRunOutcome(result, interrupt.IsCancellationRequested, metricsPath, plotPath);
        }
        catch when (createdFolder && !Directory.EnumerateDirectories(directory, "checkpoint-*").Any())
        {
            // A run that failed before its first checkpoint (a corpus error, weights that do not fit) leaves no folder behind.
            folderLock.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>The error that ends an interrupted run, after its results were printed.</summary>
    public static CliInterruptedException Interrupted(TrainingRunOutcome outcome, TrainingRunPlan plan) => new(
        $"interrupted at step {outcome.Result.Steps} of {plan.Steps}; checkpoint saved in '{plan.CheckpointDirectory}'; continue with --resume");

    /// <summary>Checks that (batch, sequence) is one of the model's compiled shapes (every shape of a training spec has a training step).</summary>
    public static void RequireShape(ModelDescriptor model, int batch, int sequence)
    {
        if (!model.Shapes.Any(s => s.Batch == batch && s.Sequence == sequence))
        {
            throw new CliUsageException(
                $"--batch {batch} --sequence {sequence} is not a compiled shape of '{ModelCatalog.CliName(model)}'; compiled: {string.Join(", ", model.Shapes.Select(s => $"--batch {s.Batch} --sequence {s.Sequence}"))}");
        }
    }
}
