using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Distributed;
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
/// <param name="EvaluateEvery">The held-out evaluation interval (for the display's ETA).</param>
/// <param name="ResumeOlder">When the newest checkpoint is damaged, continue from the newest intact one before it.</param>
/// <param name="Replicas">Data-parallel replicas trained in this process (<c>--replicas</c>), each on <paramref name="Threads"/> threads.</param>
/// <param name="ResumeNote">What the resumed run changes about its schedule (<see cref="ResumePlan.Note"/>), said once the run proceeds.</param>
/// <param name="ResumesCheckpoint">Whether the run continues a checkpoint (a <c>--resume</c> that found one), which a stop can be continued from too.</param>
internal sealed record TrainingRunPlan(ModelDescriptor Model, TrainingKind Kind, string CheckpointDirectory, long Steps, bool Resume, int? Threads, long EvaluateEvery, bool ResumeOlder = false, int Replicas = 1, string? ResumeNote = null, bool ResumesCheckpoint = false);

/// <summary>
/// How a run ended: the job's evaluations, whether Ctrl-C cut it short, where its files are, and whether this process
/// reports them (false on the non-zero ranks of a data-parallel job, which print nothing).
/// </summary>
internal sealed record TrainingRunOutcome(JobResult Result, bool Interrupted, string MetricsPath, string PlotPath, bool Reports = true);

/// <summary>
/// The part of <c>pretrain</c> and <c>finetune</c> that is the same: join the data-parallel job when mpirun started
/// this process, allocate the model, lock the checkpoint folder for the run, prove the checkpoint to resume whole
/// (naming an intact older one when the newest is damaged) and cut the metrics CSV back to it, initialise the
/// parameters, wire the CSV and the progress display to the trainer, turn Ctrl-C into a clean stop (the trainer finishes
/// its step, checkpoints and returns), and draw the loss plot from the CSV afterwards. Under mpirun only rank 0 touches
/// the checkpoint folder (and holds its lock), initialises the parameters, shows progress and writes the CSV and plot;
/// the other ranks wait until it has started the run, so that an error in its start is the job's one line
/// (<see cref="DataParallelLaunch.OnRankZero"/>). With <c>--replicas N</c> the same happens inside this process:
/// replica 0 on this thread is rank 0, the others train silently beside it (<see cref="InProcessReplicas"/>).
/// </summary>
internal static class TrainingRun
{
    public const string MetricsFile = "metrics.csv";
    public const string PlotFile = "loss.png";

    /// <param name="initialize">Fills the new model's parameters (seeded initialisation, an encoder load) before training,
    /// given where its log lines go; on rank 0 only, whose parameters the trainer broadcasts.</param>
    /// <param name="job">The runtime job, given the model, the metrics sink, the log, the cancellation and the data-parallel group.</param>
    /// <param name="stop">Ctrl-C and SIGTERM of a process training alone, listened to since the command started.</param>
    public static TrainingRunOutcome Run(CliContext context, bool quiet, TrainingRunPlan plan, TrainingStop stop,
        Action<ITrainableModel, Action<string>> initialize,
        Func<ITrainableModel, ITrainingMetricsSink, Action<string>, CancellationToken, IDataParallelGroup?, JobResult> job)
    {
        OpenMpiGroup? processes = DataParallelLaunch.Join(context.Console.Error);
        if (plan.ResumesCheckpoint)
        {
            DataParallelLaunch.NoteCheckpoint();
        }

        if (plan.Replicas > 1)
        {
            return InProcessReplicas.Run(plan.Replicas, replica => replica.Rank == 0
                ? RunReporting(context, quiet, plan, stop, initialize, job, replica,
                    $"data-parallel in this process: {plan.Replicas} replicas × {ComputeThreads(plan, replica)}; replica 0 reports")
                : RunQuietRank(plan, replica, job));
        }

        if (processes is { Rank: not 0 })
        {
            TrainingRunOutcome outcome = RunQuietRank(plan, processes, job);
            DataParallelLaunch.Leave();
            return outcome;
        }

        return RunReporting(context, quiet, plan, stop, initialize, job, processes, processes is null ? null
            : $"data-parallel on Open MPI: {processes.Size} processes × {ComputeThreads(plan, processes)}; rank 0 on {processes.Host} reports");
    }

    // Rank 0 of a data-parallel job, or a process training alone: the checkpoint folder, the CSV, the display and the plot.
    private static TrainingRunOutcome RunReporting(CliContext context, bool quiet, TrainingRunPlan plan, TrainingStop stop,
        Action<ITrainableModel, Action<string>> initialize,
        Func<ITrainableModel, ITrainingMetricsSink, Action<string>, CancellationToken, IDataParallelGroup?, JobResult> job,
        IDataParallelGroup? group, string? dataParallelLine)
    {
        string directory = plan.CheckpointDirectory;
        string metricsPath = Path.Combine(directory, MetricsFile);
        string plotPath = Path.Combine(directory, PlotFile);
        bool createdFolder = !Directory.Exists(directory);
        CheckpointFolderLock? folderLock = null;
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(context.Console.Interrupt, stop.Requested);

        // Under mpirun, where the stop listens to nothing, rank 0 stops cleanly on its own Ctrl-C as before.
        ConsoleCancelEventHandler onCtrlC = StopCleanlyOnFirstCtrlC(interrupt);
        if (!stop.Listening)
        {
            Console.CancelKeyPress += onCtrlC;
        }

        try
        {
            using ComputePool? pool = Threads(plan, group) is int threads ? new ComputePool(threads) : null;
            JobResult result;
            using (IBertModel created = plan.Model.Create(pool))
            {
                ITrainableModel model = Trainable(created, plan);
                ResumePoint? resume = null;
                bool hasCheckpoints = false;
                var initialized = new List<string>();

                // The run's start, which the other ranks await with their models built (RunQuietRank): an error in it ends
                // them all with its one line, before any of them has read its data for nothing.
                CsvMetricsSink csv = DataParallelLaunch.OnRankZero(group, () =>
                {
                    // Written after the last step: a folder or a read-only file in their place is found now, not after hours of training.
                    OutputFile.RequireReplaceable(metricsPath);
                    OutputFile.RequireReplaceable(plotPath);

                    // Nothing is written before this; from here a Ctrl-C or SIGTERM stops the run cleanly (its step, a checkpoint).
                    stop.BeginTraining();

                    // Held until the run ends: a second run on this folder is refused here, before it touches anything.
                    // (A folder holding another run was refused already, when the resume plan was resolved.)
                    folderLock = CheckpointFolderLock.Acquire(directory, ShownPath.Of(directory));

                    // The trainer resumes the newest checkpoint; this proves it whole first (with --resume-older, deleting damaged
                    // ones after an intact one, which then is the newest), so every rank continues from the same one.
                    resume = plan.Resume ? ResumeChoice.Choose(directory, plan.ResumeOlder, plan.Steps) : null;
                    hasCheckpoints = Directory.EnumerateDirectories(directory, "checkpoint-*").Any();
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

                    initialize(model, initialized.Add);
                    return new CsvMetricsSink(metricsPath);
                });
                using (csv)
                {
                    // A warning, said with --quiet too: a --resume that continues nothing (a mistyped folder, or a run
                    // stopped before its first checkpoint) trains from scratch, which a script should not do unseen.
                    if (plan.Resume && !hasCheckpoints)
                    {
                        context.Console.Warn($"nothing to resume in '{ShownPath.Of(directory)}': starting at step 0");
                    }

                    result = TrainingDisplay.Run(context.Console, quiet, plan.Kind, plan.Steps, plan.EvaluateEvery, display =>
                    {
                        // Said here, once the run has started, not when the plan was made: a run refused before it starts
                        // prints its one-line error and nothing else.
                        if (plan.ResumeNote is string planned)
                        {
                            display.Log(planned);
                        }

                        if (resume?.Note is string note)
                        {
                            display.Log(note);
                        }

                        if (dataParallelLine is not null)
                        {
                            display.Log(dataParallelLine);
                        }

                        foreach (string line in initialized)
                        {
                            display.Log(line);
                        }

                        try
                        {
                            return job(model, new CompositeMetricsSink(csv, display, DataParallelLaunch.CheckpointNotes), display.Log, interrupt.Token, group);
                        }
                        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
                        {
                            // Stopped while the job read and tokenised its data (minutes for a big corpus), before it evaluated or
                            // trained: nothing to checkpoint.
                            throw new CliInterruptedException(TrainingStop.BeforeTrainingMessage(plan.Resume));
                        }
                    });
                }
            }

            DataParallelLaunch.Leave();
            string title = $"{(plan.Kind == TrainingKind.Pretraining ? "pretraining" : "fine-tuning")} {ModelCatalog.CliName(plan.Model)}";
            if (plan.Kind == TrainingKind.Pretraining)
            {
                LossPlot.Write(metricsPath, plotPath, title, "mlm_loss", "mlm_accuracy", "MLM", "training loss (MLM + NSP)");
            }
            else
            {
                LossPlot.Write(metricsPath, plotPath, title, "task_loss", "task_accuracy", "task", "training loss");
            }

            // Fewer steps than asked: a stop this process was asked for, or (in a group) one another rank was asked for, which
            // every rank agrees on at a step's end; rank 0 printed only the summary of the latter, as if the run had finished.
            return new TrainingRunOutcome(result, interrupt.IsCancellationRequested || result.Steps < plan.Steps, metricsPath, plotPath);
        }
        catch when (folderLock is not null && createdFolder && !Directory.EnumerateDirectories(directory, "checkpoint-*").Any())
        {
            // A run that failed before its first checkpoint (a corpus error, weights that do not fit) leaves no folder behind.
            folderLock.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }
        finally
        {
            folderLock?.Dispose();
            if (!stop.Listening)
            {
                Console.CancelKeyPress -= onCtrlC;
            }
        }
    }

    // A non-zero rank of a data-parallel job: the same model and job, no files, no display, no log; its parameters
    // come from rank 0's broadcast, so it does not initialise them. A process of an mpirun job stops on its own Ctrl-C
    // (mpirun forwards it to every process); a replica in this process learns of rank 0's with the step's sums.
    private static TrainingRunOutcome RunQuietRank(TrainingRunPlan plan, IDataParallelGroup group,
        Func<ITrainableModel, ITrainingMetricsSink, Action<string>, CancellationToken, IDataParallelGroup?, JobResult> job)
    {
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = StopCleanlyOnFirstCtrlC(interrupt);
        bool ownCtrlC = group is OpenMpiGroup;
        if (ownCtrlC)
        {
            Console.CancelKeyPress += onCtrlC;
        }

        try
        {
            using ComputePool? pool = Threads(plan, group) is int threads ? new ComputePool(threads) : null;
            using IBertModel created = plan.Model.Create(pool);
            ITrainableModel model = Trainable(created, plan);

            // Rank 0 starts the run meanwhile (RunReporting): its folder and its error are its own, and this rank waits
            // for them here instead of in the job's first collective, where mpirun would stop it after rank 0's error.
            DataParallelLaunch.AwaitRankZero(group);
            JobResult result = job(model, new CompositeMetricsSink(DataParallelLaunch.CheckpointNotes), _ => { }, interrupt.Token, group);
            string directory = plan.CheckpointDirectory;
            return new TrainingRunOutcome(result, interrupt.IsCancellationRequested || result.Steps < plan.Steps,
                Path.Combine(directory, MetricsFile), Path.Combine(directory, PlotFile), Reports: false);
        }
        finally
        {
            if (ownCtrlC)
            {
                Console.CancelKeyPress -= onCtrlC;
            }
        }
    }

    // The first Ctrl-C asks for a clean stop (the trainer finishes its step and checkpoints); a second one is let
    // through and ends the process at once.
    private static ConsoleCancelEventHandler StopCleanlyOnFirstCtrlC(CancellationTokenSource interrupt) => (_, e) =>
    {
        if (!interrupt.IsCancellationRequested)
        {
            e.Cancel = true;
            interrupt.Cancel();
        }
    };

    // "N compute thread(s)" of one process or replica, for the data-parallel line.
    private static string ComputeThreads(TrainingRunPlan plan, IDataParallelGroup group) =>
        Threads(plan, group) is 1 ? "1 compute thread" : $"{Threads(plan, group)} compute threads";

    // Under mpirun the machine's cores are shared by the job's processes on it, and with --replicas by the replicas,
    // unless --threads says otherwise.
    private static int? Threads(TrainingRunPlan plan, IDataParallelGroup? group) => plan.Threads ?? group switch
    {
        null => null,
        OpenMpiGroup => DataParallelLaunch.DefaultThreads,
        _ => Math.Max(1, Environment.ProcessorCount / group.Size),
    };

    private static ITrainableModel Trainable(IBertModel created, TrainingRunPlan plan) => created as ITrainableModel
        ?? throw new CliUsageException($"model '{ModelCatalog.CliName(plan.Model)}' has no compiled training step");

    /// <summary>
    /// How both commands end once the run has returned: the summary, where this process reports (rank 0, or alone), then a
    /// run that Ctrl-C or SIGTERM cut short exits as interrupted.
    /// </summary>
    /// <exception cref="CliInterruptedException">The run was stopped before its end.</exception>
    public static int Finish(TrainingRunOutcome outcome, TrainingRunPlan plan, Action<TrainingRunOutcome> writeSummary)
    {
        if (outcome.Reports)
        {
            writeSummary(outcome);
        }

        if (outcome.Interrupted)
        {
            throw Interrupted(outcome, plan);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// The error that ends an interrupted run, after its results were printed. A stop that came after the last step (in
    /// the final checkpoint, evaluation or plot, which the trainer completes anyway) ended nothing: the run is whole.
    /// </summary>
    private static CliInterruptedException Interrupted(TrainingRunOutcome outcome, TrainingRunPlan plan) => new(outcome.Result.Steps >= plan.Steps
        ? $"interrupted after the last step: the run finished its {TrainingSummary.Count(plan.Steps)} steps; its final checkpoint, evaluation and loss plot are in '{ShownPath.Of(plan.CheckpointDirectory)}'; nothing to resume"
        : $"interrupted at step {outcome.Result.Steps} of {plan.Steps}; checkpoint saved in '{ShownPath.Of(plan.CheckpointDirectory)}'; continue with --resume");

    /// <summary>
    /// The run's folder, absolute: <c>--checkpoints</c>, else <c>runs/</c><paramref name="defaultName"/>. An empty one (an unset
    /// shell variable, <c>--checkpoints "$RUN"</c>) is refused: it was an internal error, and read as the working folder it
    /// would fill that with checkpoints.
    /// </summary>
    public static string FolderOf(string? checkpoints, string defaultName)
    {
        if (checkpoints is not null && string.IsNullOrWhiteSpace(checkpoints))
        {
            throw new CliUsageException("--checkpoints is empty: give the folder for the run's checkpoints");
        }

        return Path.GetFullPath(checkpoints ?? Path.Combine("runs", defaultName));
    }

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
