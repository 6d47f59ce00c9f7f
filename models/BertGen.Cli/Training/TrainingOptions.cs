using System;
using System.CommandLine;
using System.Linq;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Cli.Training;

/// <summary>The options <c>pretrain</c> and <c>finetune</c> share; defaults differ per command.</summary>
internal sealed class TrainingOptions
{
    public TrainingOptions(long steps, double learningRate, int batch, int sequence, long evaluateEvery, long checkpointEvery)
    {
        Steps = new Option<long>("--steps") { Description = "Optimiser steps of the whole run (with --resume: the resumed run's own unless given).", DefaultValueFactory = _ => steps, HelpName = "N" };
        LearningRate = new Option<double>("--lr") { Description = "Peak learning rate (AdamW, linear warmup then linear decay to 0).", DefaultValueFactory = _ => learningRate, HelpName = "RATE" };
        Batch = new Option<int>("--batch") { Description = "Sequences per step: must be a compiled shape of the model.", DefaultValueFactory = _ => batch, HelpName = "N" };
        Sequence = new Option<int>("--sequence") { Description = "Tokens per sequence: must be a compiled shape of the model.", DefaultValueFactory = _ => sequence, HelpName = "N" };
        Seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, data order, masking and dropout (a resumed run keeps its own).", DefaultValueFactory = _ => 12345UL, HelpName = "N" };
        Resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in the checkpoint folder, bit for bit as if never stopped, with the run's own schedule "
            + "and seed; an explicit --steps past the schedule's end extends the schedule to it." };
        ResumeOlder = new Option<bool>("--resume-older") { Description = "With --resume (implied): when the newest checkpoint is damaged, continue from the newest intact one before it." };
        EvaluateEvery = new Option<long>("--eval-every") { Description = "Evaluate on the held-out data every N steps (and before and after the run).", DefaultValueFactory = _ => evaluateEvery, HelpName = "N" };
        CheckpointEvery = new Option<long>("--checkpoint-every") { Description = "Checkpoint every N steps (and at the end, and on Ctrl-C).", DefaultValueFactory = _ => checkpointEvery, HelpName = "N" };
        Vocabulary = new Option<string?>("--vocab") { Description = "WordPiece vocabulary (default: the bundled bert-base-uncased vocabulary).", HelpName = "FILE" };
        Threads = CommonOptions.Threads();
        Threads.Description = "Compute threads, per process under mpirun and per replica with --replicas (default: one per core, the cores shared out among the processes on a machine or the replicas).";
        Accumulate = new Option<int>("--accumulate")
        {
            Description = "Micro-batches of --batch whose gradients are averaged into one optimiser step (per process under mpirun, per replica with --replicas: the global batch is processes or replicas × N × --batch).",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        Replicas = new Option<int>("--replicas")
        {
            Description = "Train N replicas of the model in this process, data-parallel (as mpirun -np N trains N processes): each step takes N × --accumulate "
                + "micro-batches, each replica runs on --threads threads (default: the cores shared out).",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        Overlap = new Option<string>("--overlap")
        {
            Description = "Under mpirun or with --replicas: reduce gradient buckets during the backward (on) or in one all-reduce after it (off); "
                + "auto: on only when the processes span machines, so off with --replicas. With --zero it is off.",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|on|off",
        };
        Overlap.AcceptOnlyFromAmong("auto", "on", "off");
        BucketMegabytes = new Option<double>("--bucket-mb")
        {
            Description = "Under mpirun or with --replicas, when the reduction overlaps the backward (--overlap): gradient bucket size, in MB (the first bucket is at most 1).",
            DefaultValueFactory = _ => 25,
            HelpName = "MB",
        };
        ShardOptimizer = new Option<bool>("--zero") { Description = "Under mpirun or with --replicas: shard AdamW's state over the processes or replicas (ZeRO stage 1): each keeps and updates 1/N of it." };
        VerifyEvery = new Option<long>("--verify-every")
        {
            Description = "Under mpirun or with --replicas: check every N steps that all processes or replicas hold bit-identical parameters (0: never).",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };
    }

    public Option<long> Steps { get; }

    public Option<double> LearningRate { get; }

    public Option<int> Batch { get; }

    public Option<int> Sequence { get; }

    public Option<ulong> Seed { get; }

    public Option<bool> Resume { get; }

    public Option<bool> ResumeOlder { get; }

    public Option<long> EvaluateEvery { get; }

    public Option<long> CheckpointEvery { get; }

    public Option<string?> Vocabulary { get; }

    public Option<int?> Threads { get; }

    public Option<int> Accumulate { get; }

    public Option<int> Replicas { get; }

    public Option<string> Overlap { get; }

    public Option<double> BucketMegabytes { get; }

    public Option<bool> ShardOptimizer { get; }

    public Option<long> VerifyEvery { get; }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Steps, LearningRate, Batch, Sequence, Accumulate, Replicas, Seed, EvaluateEvery, CheckpointEvery, Resume, ResumeOlder, Vocabulary, Threads, Overlap, BucketMegabytes, ShardOptimizer, VerifyEvery })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// This run's step as micro-batches: ranks (--replicas, or the processes of the mpirun job joined already) ×
    /// --accumulate of --batch sequences of --sequence tokens, which a resumed checkpoint must have been written with.
    /// </summary>
    public (int Ranks, int Accumulation, int Batch, int Sequence) MicroBatches(ParseResult parse) =>
        (parse.GetValue(Replicas) > 1 ? parse.GetValue(Replicas) : DataParallelLaunch.Group?.Size ?? 1, parse.GetValue(Accumulate), parse.GetValue(Batch), parse.GetValue(Sequence));

    /// <summary>Whether the run continues a previous one: --resume, or --resume-older, which implies it.</summary>
    public bool Resuming(ParseResult parse) => parse.GetValue(Resume) || parse.GetValue(ResumeOlder);

    /// <summary>
    /// What the checkpoint folder and these options decide for the run (<see cref="ResumePlan.Resolve"/>): --steps,
    /// --lr and --seed as given or their defaults, and the command's own <paramref name="warmup"/>.
    /// </summary>
    public ResumePlan ResolveResume(ParseResult parse, string directory, ModelDescriptor model, (long? Given, long? Default) warmup) =>
        ResumePlan.Resolve(directory, Resuming(parse), parse.GetValue(ResumeOlder),
            (ResumePlan.Given(parse, Steps), parse.GetValue(Steps)), (ResumePlan.Given(parse, LearningRate), parse.GetValue(LearningRate)),
            warmup, (ResumePlan.Given(parse, Seed), parse.GetValue(Seed)), model, MicroBatches(parse));

    /// <summary>The run <see cref="TrainingRun.Run"/> makes of these options and <paramref name="resume"/>'s decisions.</summary>
    public TrainingRunPlan RunPlan(ParseResult parse, ModelDescriptor model, TrainingKind kind, string directory, ResumePlan resume) =>
        new(model, kind, directory, resume.Steps, Resuming(parse), parse.GetValue(Threads), parse.GetValue(EvaluateEvery), parse.GetValue(ResumeOlder),
            parse.GetValue(Replicas), resume.Note, resume.Checkpoint is not null);

    /// <summary>Checks the numbers that have a range, as usage errors naming the option.</summary>
    public void Validate(ParseResult parse, CliConsole console)
    {
        if (parse.GetValue(Steps) < 1)
        {
            throw new CliUsageException($"--steps must be at least 1, not {parse.GetValue(Steps)}");
        }

        double rate = parse.GetValue(LearningRate);
        if (!double.IsFinite(rate) || rate <= 0)
        {
            throw new CliUsageException($"--lr must be a positive number, not {rate}");
        }

        if (parse.GetValue(EvaluateEvery) < 0 || parse.GetValue(CheckpointEvery) < 0)
        {
            throw new CliUsageException("--eval-every and --checkpoint-every must be 0 (never) or more");
        }

        if (parse.GetValue(Threads) is int threads && (threads < 1 || threads > 1024))
        {
            throw new CliUsageException($"--threads must be between 1 and 1024, not {threads}");
        }

        if (parse.GetValue(Accumulate) is < 1 or > 4096)
        {
            throw new CliUsageException($"--accumulate must be between 1 and 4096, not {parse.GetValue(Accumulate)}");
        }

        if (parse.GetValue(Replicas) is < 1 or > 64)
        {
            throw new CliUsageException($"--replicas must be between 1 and 64, not {parse.GetValue(Replicas)}");
        }

        if (parse.GetValue(Replicas) > 1 && OpenMpiGroup.IsLaunched)
        {
            throw new CliUsageException("--replicas trains several replicas in one process and mpirun starts several processes: use one or the other");
        }

        double bucket = parse.GetValue(BucketMegabytes);
        if (!double.IsFinite(bucket) || bucket < 0.01 || bucket > 4096)
        {
            throw new CliUsageException($"--bucket-mb must be between 0.01 and 4096, not {bucket}");
        }

        if (parse.GetValue(VerifyEvery) < 0)
        {
            throw new CliUsageException($"--verify-every must be 0 (never) or more, not {parse.GetValue(VerifyEvery)}");
        }

        // Options of data-parallel training given to a run of one rank: accepted, so a command line moves between a
        // laptop and mpirun unchanged, but said, so no one believes --zero or --overlap on did something here.
        if (parse.GetValue(Replicas) == 1 && !OpenMpiGroup.IsLaunched)
        {
            string[] ignored = new Option[] { Overlap, BucketMegabytes, ShardOptimizer, VerifyEvery }
                .Where(o => parse.GetResult(o) is { Implicit: false })
                .Select(o => o.Name)
                .ToArray();
            if (ignored.Length > 0)
            {
                console.Warn($"{string.Join(", ", ignored)} {(ignored.Length == 1 ? "applies" : "apply")} to data-parallel training only (under mpirun or with --replicas N): ignored by this one-process run");
            }
        }
    }

    /// <summary>The data-parallel settings the options ask for (they matter only under mpirun or with --replicas).</summary>
    public DataParallelSettings DataParallel(ParseResult parse) => new()
    {
        OverlapReduction = parse.GetValue(Overlap) switch { "on" => true, "off" => false, _ => null },
        BucketMegabytes = parse.GetValue(BucketMegabytes),
        FirstBucketMegabytes = Math.Min(1, parse.GetValue(BucketMegabytes)),
        ShardOptimizerState = parse.GetValue(ShardOptimizer),
        VerifyEvery = parse.GetValue(VerifyEvery),
    };

    /// <summary>
    /// The vocabulary must have the model's size before anything trains: a 6-token vocabulary once "trained" the
    /// 30,522-row model on [UNK]s with exit 0.
    /// </summary>
    public static BertVocabulary RequireVocabulary(string path, ModelDescriptor model)
    {
        BertVocabulary vocabulary = BertVocabulary.Load(path);
        if (vocabulary.Count != model.VocabSize)
        {
            throw new CliFailureException($"the vocabulary '{path}' has {vocabulary.Count} tokens but model '{ModelCatalog.CliName(model)}' has {model.VocabSize}");
        }

        return vocabulary;
    }
}
