using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Weights;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen quantize</c>: writes a model's weights as an int8 weights file (linear weights I8 per output channel with
/// their scales, the rest F32, HF names), so <c>embed</c>, <c>classify</c> and <c>serve</c> with <c>--precision int8</c> start
/// from it without holding or quantising the fp32 weights.
/// </summary>
internal sealed class QuantizeCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        Option<string> model = CommonOptions.Model();
        Option<string?> modelDirectory = CommonOptions.ModelDirectory();
        Option<string?> weights = CommonOptions.Weights();
        var checkpoint = new Option<string?>("--checkpoint", "-c")
        {
            Description = "A checkpoint of 'bertgen finetune' (a .safetensors file, a checkpoint-* folder or a run's folder) for --model, e.g. the MiniLM classifier.",
            HelpName = "PATH",
        };
        Option<string?> vocabulary = CommonOptions.Vocabulary();
        Option<int?> threads = CommonOptions.Threads();
        var output = new Option<string>("--output", "-o") { Description = "The int8 weights file to write (.safetensors).", Required = true, HelpName = "FILE" };

        var command = new Command("quantize", "Write a model's weights as an int8 weights file for --precision int8: each linear weight int8 per output channel "
            + "(symmetric, with its scale), everything else fp32, under HuggingFace names. The model must be compiled with int8 (\"precisions\": [\"fp32\", \"int8\"]).")
        {
            model, modelDirectory, weights, checkpoint, vocabulary, threads, output,
        };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(output)!;
            if (!Path.GetExtension(target).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliUsageException($"--output '{target}' must end in .safetensors");
            }

            OutputFile.RequireWritable(target);
            EncoderOptions options = CommonOptions.Encoder(parse, model, weights, vocabulary, threads, modelDirectory) with { Precision = ComputePrecision.Int8 };
            if (parse.GetValue(checkpoint) is string path)
            {
                if (options.WeightsPath is not null)
                {
                    throw new CliUsageException("--checkpoint and --weights both name the weights: give one");
                }

                options = options with { WeightsPath = CheckpointWeights.Resolve(path, "--checkpoint") };
            }

            using SentenceEncoder encoder = SentenceEncoder.Open(options);
            if (encoder.WeightsPath is string source && SameFile(source, target))
            {
                // The file is written beside and renamed over the target: the fp32 weights would be gone, replaced by their int8 copy.
                throw new CliUsageException($"--output '{target}' is the weights file being read{(source == target ? "" : $" ('{ShownPath.Of(source)}')")}; writing it would replace that file: choose another one");
            }

            var timings = new StageTimings();
            using IBertModel loaded = encoder.LoadFp32Parameters(timings);
            Write(loaded, target, context.Console.Interrupt);

            timings.Mark("quantise and write");
            long bytes = new FileInfo(target).Length;
            context.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bertgen: wrote the int8 weights of {encoder.Description} to {target} ({bytes / 1e6:F1} MB)"));
            if (parse.GetValue(context.Verbose))
            {
                timings.WriteTo(context.Console.Error);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Writes the int8 file, atomically (a hidden temporary file beside the target, renamed over it when whole). Ctrl-C or
    /// SIGTERM while it writes stops it before the next tensor with the temporary file deleted, so an interrupted quantize
    /// leaves the folder as it found it; a second Ctrl-C ends the process at once, as everywhere else.
    /// </summary>
    private static void Write(IBertModel model, string target, CancellationToken interruptedBefore)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(interruptedBefore);
        void Stop(PosixSignalContext signal)
        {
            if (!interrupt.IsCancellationRequested)
            {
                signal.Cancel = true;
                interrupt.Cancel();
            }
        }

        using PosixSignalRegistration ctrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        bool existed = File.Exists(target);
        try
        {
            ParameterSaver.SaveInt8(model, target, interrupt.Token);
        }
        catch (OperationCanceledException)
        {
            throw new CliInterruptedException($"interrupted: '{target}' was not written{(existed ? "; the file there before is as it was" : "")}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The writer goes through a hidden temporary file beside the target: name the target instead.
            throw OutputFile.CannotWrite(target, e);
        }
    }

    /// <summary>
    /// Whether writing <paramref name="output"/> replaces the file <paramref name="input"/>: the same path, or a link that
    /// ends there (the rename replaces a link at the output itself, so that side is not followed).
    /// </summary>
    private static bool SameFile(string input, string output)
    {
        var source = new FileInfo(Path.GetFullPath(input));
        string resolved = source.LinkTarget is not null && source.ResolveLinkTarget(returnFinalTarget: true) is FileSystemInfo target ? target.FullName : source.FullName;
        return string.Equals(resolved, Path.GetFullPath(output), StringComparison.Ordinal);
    }
}
