using System.CommandLine;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli.Training;

/// <summary>The options <c>pretrain</c> and <c>finetune</c> share; defaults differ per command.</summary>
internal sealed class TrainingOptions
{
    public TrainingOptions(long steps, double learningRate, int batch, int sequence, long evaluateEvery, long checkpointEvery)
    {
        Steps = new Option<long>("--steps") { Description = "Optimiser steps of the whole run.", DefaultValueFactory = _ => steps, HelpName = "N" };
        LearningRate = new Option<double>("--lr") { Description = "Peak learning rate (AdamW, linear warmup then linear decay to 0).", DefaultValueFactory = _ => learningRate, HelpName = "RATE" };
        Batch = new Option<int>("--batch") { Description = "Sequences per step: must be a compiled shape of the model.", DefaultValueFactory = _ => batch, HelpName = "N" };
        Sequence = new Option<int>("--sequence") { Description = "Tokens per sequence: must be a compiled shape of the model.", DefaultValueFactory = _ => sequence, HelpName = "N" };
        Seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, data order, masking and dropout; a resumed run must use the same.", DefaultValueFactory = _ => 12345UL, HelpName = "N" };
        Resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in the checkpoint folder (bit for bit as if never stopped)." };
        ResumeOlder = new Option<bool>("--resume-older") { Description = "With --resume (implied): when the newest checkpoint is damaged, continue from the newest intact one before it." };
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

    public Option<bool> ResumeOlder { get; }

    public Option<long> EvaluateEvery { get; }

    public Option<long> CheckpointEvery { get; }

    public Option<string?> Vocabulary { get; }

    public Option<int?> Threads { get; }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Steps, LearningRate, Batch, Sequence, Seed, EvaluateEvery, CheckpointEvery, Resume, ResumeOlder, Vocabulary, Threads })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Whether the run continues a previous one: --resume, or --resume-older, which implies it.</summary>
    public bool Resuming(ParseResult parse) => parse.GetValue(Resume) || parse.GetValue(ResumeOlder);

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

    /// <summary>
    /// The vocabulary must have the model's size before anything trains: a 6-token vocabulary once "trained" the
    /// 30,522-row model on [UNK]s with exit 0.
    /// </summary>
    public static void RequireVocabulary(string path, ModelDescriptor model)
    {
        int count = BertVocabulary.Load(path).Count;
        if (count != model.VocabSize)
        {
            throw new CliFailureException($"the vocabulary '{path}' has {count} tokens but model '{ModelCatalog.CliName(model)}' has {model.VocabSize}");
        }
    }
}
