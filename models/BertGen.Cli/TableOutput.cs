using Spectre.Console;

namespace BertGen.Cli;

/// <summary>A Spectre.Console renderer on the command's standard output: colour only on a terminal.</summary>
internal static class TableOutput
{
    /// <summary>Wide enough for a table of a dozen columns when the output is a file or pipe.</summary>
    private const int RedirectedWidth = 160;

    public static IAnsiConsole Create(CliConsole console)
    {
        IAnsiConsole output = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Output),
            Ansi = console.OutputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.OutputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!console.OutputIsTerminal)
        {
            output.Profile.Width = RedirectedWidth;
        }

        return output;
    }
}
