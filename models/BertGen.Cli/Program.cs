using System;
using BertGen.Runtime.Distributed;

namespace BertGen.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // mpirun hands each process a pseudo-terminal as stdout, so .NET's console would write terminal set-up codes
        // (keypad mode) into every rank's output, where they end up in logs: under mpirun the output is a log.
        if (OpenMpiGroup.IsLaunched)
        {
            Environment.SetEnvironmentVariable("TERM", "dumb");
        }

        return BertGenCli.Run(args, CliConsole.FromProcess());
    }
}
