using System;
using System.Globalization;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;

namespace BertGen.Cli.Training;

/// <summary>
/// The numbers a <c>pretrain</c> or <c>finetune</c> run trains with. A fresh run takes the options as given. A
/// <c>--resume</c> keeps what its newest checkpoint recorded — the learning-rate schedule (peak, warmup, and the step
/// where it reaches 0) and the seed — so it continues the run it resumes, bit for bit, whatever the options'
/// defaults are. <c>--steps</c> given explicitly moves the end: past the schedule's end it extends the schedule to
/// the new end (and <see cref="Note"/> says how the learning rate changes); before it, the run stops early on the
/// unchanged schedule. An explicit <c>--lr</c>, <c>--warmup</c> or <c>--seed</c> that contradicts the checkpoint is
/// refused, and so are another <c>--model</c> and another global batch (the trainer would refuse them too, but only
/// after the data is loaded and the notes are out): a refused resume says only why, in one line.
/// </summary>
/// <param name="Steps">The step the run stops at.</param>
/// <param name="ScheduleSteps">The step the learning rate reaches 0 at.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WarmupSteps">Warmup steps; null for the job's default.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Checkpoint">The checkpoint resumed from, or null for a fresh run.</param>
/// <param name="Note">What changes about the schedule, for the user once the run proceeds; null when nothing does.</param>
internal sealed record ResumePlan(long Steps, long ScheduleSteps, double LearningRate, long? WarmupSteps, ulong Seed, string? Checkpoint, string? Note)
{
    /// <param name="directory">The run's checkpoint folder.</param>
    /// <param name="resume">Whether <c>--resume</c> (or <c>--resume-older</c>) was given.</param>
    /// <param name="allowOlder">Whether <c>--resume-older</c> was given: a damaged newest checkpoint yields to the intact one before it.</param>
    /// <param name="steps">(--steps as given or null, its default).</param>
    /// <param name="learningRate">(--lr as given or null, its default).</param>
    /// <param name="warmup">(--warmup as given or null, its default or null for the job's).</param>
    /// <param name="seed">(--seed as given or null, its default).</param>
    /// <param name="model">The compiled model this run trains (--model).</param>
    /// <param name="microBatches">This run's step: ranks (mpirun's processes or --replicas) × --accumulate micro-batches of --batch sequences of --sequence tokens.</param>
    public static ResumePlan Resolve(string directory, bool resume, bool allowOlder, (long? Given, long Default) steps, (double? Given, double Default) learningRate,
        (long? Given, long? Default) warmup, (ulong? Given, ulong Default) seed, ModelDescriptor model, (int Ranks, int Accumulation, int Batch, int Sequence) microBatches)
    {
        // A folder holding another run is refused here, in rank 0's decision, so under mpirun the other ranks stay quiet.
        BertGen.Cli.CheckpointWeights.RequireFreshOrResume(directory, resume);
        long fresh = steps.Given ?? steps.Default;
        string? latest = resume ? ResumeChoice.Find(directory, allowOlder)?.Path : null;
        TrainerState? state = latest is null ? null : CheckpointStore.ReadState(latest);
        if (state is not null)
        {
            RequireSameRun(latest!, state, seed.Given, model, microBatches);
        }

        if (state?.Schedule is not LinearWarmupDecaySchedule schedule)
        {
            // A fresh run, or a checkpoint written before schedules were recorded: the options as given.
            return new ResumePlan(fresh, fresh, learningRate.Given ?? learningRate.Default, warmup.Given ?? warmup.Default, seed.Given ?? seed.Default, latest, null);
        }

        if (learningRate.Given is double rate && rate != schedule.BaseLearningRate)
        {
            throw new CliUsageException(Invariant($"--lr {rate:G4} is not the resumed run's {schedule.BaseLearningRate:G4}: a resumed run keeps its learning rate (leave --lr out)"));
        }

        if (warmup.Given is long given && given != schedule.WarmupSteps)
        {
            throw new CliUsageException(Invariant($"--warmup {given} is not the resumed run's {schedule.WarmupSteps}: a resumed run keeps its warmup (leave --warmup out)"));
        }

        long at = state.Step;
        long end = steps.Given ?? schedule.TotalSteps;
        ResumeChoice.RequireWithin(at, end);

        long horizon = Math.Max(end, schedule.TotalSteps);
        string? note = null;
        if (end > schedule.TotalSteps)
        {
            LinearWarmupDecaySchedule extended = new(schedule.BaseLearningRate, schedule.WarmupSteps, end, schedule.Decay);
            // Step k runs at At(k - 1): the last step's rate is At(end - 1), one decrement above the 0 the schedule reaches after it.
            string first = Invariant($"the learning rate of step {at + 1}{(at + 1 == end ? ", the last," : "")} is {extended.At(at):0.00e+00} (the {schedule.TotalSteps}-step schedule's is {schedule.At(at):0.00e+00})");
            string rest = at + 1 >= end ? string.Empty : Invariant($" and falls linearly to {extended.At(end - 1):0.00e+00} at step {end}, the last");
            note = $"extending the run's {schedule.TotalSteps}-step schedule to {end} steps: {first}{rest}";
        }
        else if (end < schedule.TotalSteps)
        {
            note = Invariant($"stopping at step {end} of the run's {schedule.TotalSteps}-step schedule, whose learning rate is {schedule.At(end):0.00e+00} there, not 0");
        }
        else if (at >= end)
        {
            note = Invariant($"the run in '{ShownPath.Of(directory)}' already ended at step {at}; pass --steps N above {at} to extend it");
        }

        return new ResumePlan(end, horizon, schedule.BaseLearningRate, schedule.WarmupSteps, seed.Given ?? state.RunSeed, latest, note);
    }

    // What the trainer checks of a checkpoint before it continues it, asked before the data is loaded.
    private static void RequireSameRun(string checkpoint, TrainerState state, ulong? seed, ModelDescriptor model, (int Ranks, int Accumulation, int Batch, int Sequence) microBatches)
    {
        if (state.ModelName != model.Name)
        {
            ModelDescriptor? compiled = ModelCatalog.FindCompiled(state.ModelName);
            string named = compiled is not null ? ModelCatalog.CliName(compiled) : state.ModelName;
            if (compiled is not null && !compiled.Heads.SequenceEqual(model.Heads))
            {
                // Another command's run (a pretraining folder given to finetune, or the other way): --model here cannot
                // resume it, its own command can, and a fine-tuning run starts from a pretrained one with --init.
                bool pretraining = compiled.Heads.Contains(ModelCatalog.PretrainingHead);
                string command = pretraining ? "pretrain" : "finetune";
                string instead = pretraining && model.Heads.Contains(ModelCatalog.SequenceClassificationHead)
                    ? $", or fine-tune from it in another folder with --init '{ShownPath.Of(checkpoint)}' --checkpoints DIR"
                    : ", or give this run another folder with --checkpoints DIR";
                throw new CliUsageException($"checkpoint '{ShownPath.Of(checkpoint)}' is a {command} run of '{named}': continue it with bertgen {command} --model {named} --resume{instead}");
            }

            throw new CliUsageException($"checkpoint '{ShownPath.Of(checkpoint)}' was trained as '{named}', not '{ModelCatalog.CliName(model)}': resume it with --model {named}");
        }

        if (seed is ulong given && given != state.RunSeed)
        {
            throw new CliUsageException(Invariant($"--seed {given} is not the resumed run's {state.RunSeed}: a resumed run keeps its seed (leave --seed out)"));
        }

        // The checkpoint named as the user types it back, as in the refusal of another --model above.
        // The trainer's rule and words; a usage error here (exit 2), as another --lr or --seed is: the options chose it.
        try
        {
            Trainer.RequireSameGlobalBatch(ShownPath.Of(checkpoint), state, microBatches.Ranks, microBatches.Accumulation, microBatches.Batch, microBatches.Sequence);
        }
        catch (CheckpointException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    /// <summary>Writes the plan for the other ranks of a data-parallel job (<see cref="DataParallelLaunch.FromRankZero"/>).</summary>
    public static void Write(BinaryWriter writer, ResumePlan plan)
    {
        writer.Write(plan.Steps);
        writer.Write(plan.ScheduleSteps);
        writer.Write(plan.LearningRate);
        writer.Write(plan.WarmupSteps ?? -1);
        writer.Write(plan.Seed);
        writer.Write(plan.Checkpoint ?? string.Empty);
        writer.Write(plan.Note ?? string.Empty);
    }

    /// <summary>The plan <see cref="Write"/> wrote.</summary>
    public static ResumePlan Read(BinaryReader reader)
    {
        long steps = reader.ReadInt64(), scheduleSteps = reader.ReadInt64();
        double learningRate = reader.ReadDouble();
        long warmup = reader.ReadInt64();
        ulong seed = reader.ReadUInt64();
        string checkpoint = reader.ReadString(), note = reader.ReadString();
        return new ResumePlan(steps, scheduleSteps, learningRate, warmup < 0 ? null : warmup, seed, checkpoint.Length == 0 ? null : checkpoint, note.Length == 0 ? null : note);
    }

    /// <summary>The option's value when the command line gave it, null when it is the default.</summary>
    public static T? Given<T>(System.CommandLine.ParseResult parse, System.CommandLine.Option<T> option)
        where T : struct => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;

    /// <summary>The weights file of the checkpoint resumed from, or null for a fresh run.</summary>
    public string? CheckpointWeights => Checkpoint is null ? null : Path.Combine(Checkpoint, CheckpointStore.ModelFile);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
