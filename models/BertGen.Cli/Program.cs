namespace BertGen.Cli;

internal static class Program
{
    private static int Main(string[] args) => BertGenCli.Run(args, CliConsole.FromProcess());
}
