using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;
using BertGen.Cli.Commands;
using BertGen.Cli.Training;

namespace BertGen.Cli;

/// <summary>
/// The <c>bertgen</c> command line: builds the command tree, parses, runs the chosen command and turns every
/// failure into one line <c>bertgen: error: …</c> with exit code 2 (usage) or 1 (the work failed). No stack
/// trace reaches the user unless <c>--verbose</c> asks for it.
/// </summary>
internal static class BertGenCli
{
    /// <summary>The subcommands, in help order (see <see cref="ICliCommand"/>).</summary>
    public static IReadOnlyList<ICliCommand> Commands { get; } =
    [
        new EmbedCommand(),
        new SimilarityCommand(),
        new PretrainCommand(),
        new FinetuneCommand(),
        new FillMaskCommand(),
        new ClassifyCommand(),
        new ServeCommand(),
        new SpecCommand(),
        new BenchCommand(),
        new InspectCommand(),
        new QuantizeCommand(),
    ];

    /// <summary>Runs <c>bertgen</c> with <paramref name="args"/> on <paramref name="console"/>'s streams; returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        bool verbose = Array.IndexOf(args, "--verbose") >= 0;
        try
        {
            RootCommand root = BuildRoot(console, args);
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // "Unrecognized command or argument 'x'" says more than the "Required command was not provided"
                // that comes with it, so an error naming a token goes first.
                ParseError first = parse.Errors.FirstOrDefault(e => e.Message.Contains('\'', StringComparison.Ordinal)) ?? parse.Errors[0];
                string command = parse.CommandResult.Command is RootCommand ? "bertgen" : $"bertgen {parse.CommandResult.Command.Name}";
                throw new CliUsageException($"{CliErrors.WithoutTypeNames(first.Message)} (see '{command} --help')");
            }

            int exitCode = parse.Invoke(new InvocationConfiguration
            {
                Output = console.Output,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            });

            // The buffered results are written here, inside the try: a short answer (a similarity table, inspect) is
            // written only by this flush, and on a full disk it escaped from the finally as an unhandled exception.
            console.Output.Flush();
            return exitCode;
        }
        catch (Exception e)
        {
            string? prefix = DataParallelLaunch.ErrorPrefix(e);
            int code = CliErrors.Report(e, console.Error, verbose, prefix);
            DataParallelLaunch.AbortJobIfRunning(code, e, spoke: prefix is not { Length: 0 });
            return code;
        }
        finally
        {
            // After a failure, what could not be written stays buffered and fails again; the error has been reported.
            FlushQuietly(console.Output);
            FlushQuietly(console.Error);
        }
    }

    private static void FlushQuietly(System.IO.TextWriter writer)
    {
        try
        {
            writer.Flush();
        }
        catch (System.IO.IOException)
        {
        }
    }

    internal static RootCommand BuildRoot(CliConsole console, IReadOnlyList<string> args)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Print how long each stage took and, on failure, the exception's details.", Recursive = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display.", Recursive = true };
        var root = new RootCommand("bertgen: BERT models compiled to fixed-shape AVX-512/AVX2 kernels. Sentence embeddings with real pretrained weights, similarity, pretraining and fine-tuning, fill-mask and classification with the checkpoints, benchmarks, and the generated models' plans.")
        {
            verbose,
            quiet,
        };
        var context = new CliContext(console, args, verbose, quiet);
        foreach (ICliCommand command in Commands)
        {
            root.Subcommands.Add(command.Build(context));
        }

        return root;
    }
}
