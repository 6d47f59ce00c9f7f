using System.CommandLine;

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
        EvaluateEvery = new Option<long>("--eval-every") { Description = "Evaluate on the held-out data every N steps (and before and after the run).", DefaultValueFactory = _ => evaluateEvery, HelpName = "N" };
        CheckpointEvery = new Option<long>("--checkpoint-every") { Description = "Checkpoint every N steps (and at the end, and on Ctrl-C).", DefaultValueFactory = _ => checkpointEvery, HelpName = "N" };
        Vocabulary = new Option<string?>("--vocab") { Description = "WordPiece vocabulary (default: the bundled bert-base-uncased vocabulary).", HelpName = "FILE" };
        Threads = CommonOptions.Threads();
    }

    public Option<long> Steps { get; }

    public Option<double> LearningRate { get; }

    public Option<int> Batch { get; }

    public Option<int> Sequence { get; }

    public Option<ulong> Seed { get; }

    public Option<bool> Resume { get; }

    public Option<long> EvaluateEvery { get; }

    public Option<long> CheckpointEvery { get; }

    public Option<string?> Vocabulary { get; }

    public Option<int?> Threads { get; }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Steps, LearningRate, Batch, Sequence, Seed, EvaluateEvery, CheckpointEvery, Resume, Vocabulary, Threads })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Checks the numbers that have a range, as usage errors naming the option.</summary>
    public void Validate(ParseResult parse)
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
    }
}
