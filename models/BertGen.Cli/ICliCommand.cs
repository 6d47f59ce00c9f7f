using System.Collections.Generic;
using System.CommandLine;

namespace BertGen.Cli;

/// <summary>
/// One <c>bertgen</c> subcommand. Adding a command (pretrain, finetune, fill-mask, classify, bench, as their
/// runtime pieces land) means one class implementing this, listed in <see cref="BertGenCli.Commands"/>;
/// its action throws <see cref="CliUsageException"/> or <see cref="CliFailureException"/> (or a runtime
/// exception with a one-line message) and <see cref="BertGenCli"/> turns that into the error line and exit code.
/// </summary>
internal interface ICliCommand
{
    Command Build(CliContext context);
}

/// <summary>What every command's action may use: the streams, the raw command line and the root's global options.</summary>
internal sealed record CliContext(CliConsole Console, IReadOnlyList<string> Arguments, Option<bool> Verbose, Option<bool> Quiet);
