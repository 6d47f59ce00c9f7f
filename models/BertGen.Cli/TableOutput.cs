using System.IO;
using Spectre.Console;

namespace BertGen.Cli;

/// <summary>
/// Tables on the command's standard output. On a terminal: rounded box-drawing borders, colour, laid out in the
/// terminal's width (commands mark number columns no-wrap, so a figure is never split across lines). In a file or a
/// pipe: Markdown tables — plain ASCII that a script, a diff or a README can take as it is — never wrapped.
/// </summary>
internal static class TableOutput
{
    /// <summary>Wide enough that no table is wrapped when the output is a file or pipe.</summary>
    private const int RedirectedWidth = 400;

    /// <summary>A right-aligned column that is never wrapped: a number split over two lines reads as two numbers.</summary>
    public static TableColumn Number(string header) => new TableColumn(header).RightAligned().NoWrap();

    public static void Write(CliConsole console, Table table)
    {
        if (console.OutputIsTerminal)
        {
            table.Border = TableBorder.Rounded;
            Create(console).Write(table);
            return;
        }

        // Spectre pads the Markdown border's missing top and bottom rules, and a centred title, with spaces: a file
        // gets the lines without them, and no blank ones.
        table.Border = TableBorder.Markdown;
        foreach (string line in RenderedLines(console, table))
        {
            string trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                console.Output.WriteLine(trimmed);
            }
        }
    }

    /// <summary>
    /// A key–value grid: as laid out on a terminal; in a file or pipe without the spaces Spectre pads each line with
    /// to the grid's width, so a script reads "key   value" and a diff shows no trailing whitespace.
    /// </summary>
    public static void Write(CliConsole console, Grid grid)
    {
        if (console.OutputIsTerminal)
        {
            Create(console).Write(grid);
            return;
        }

        foreach (string line in RenderedLines(console, grid))
        {
            console.Output.WriteLine(line.TrimEnd());
        }
    }

    // What Spectre renders for a file or pipe, line by line, for the caller to strip of the padding it adds.
    private static string[] RenderedLines(CliConsole console, Spectre.Console.Rendering.IRenderable renderable)
    {
        var text = new StringWriter();
        Create(console with { Output = text }).Write(renderable);
        return text.ToString().TrimEnd('\n', '\r').Split('\n');
    }

    public static IAnsiConsole Create(CliConsole console)
    {
        IAnsiConsole output = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Output),
            Ansi = console.OutputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.OutputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        output.Profile.Width = console.OutputIsTerminal ? console.Width : RedirectedWidth;
        return output;
    }
}
