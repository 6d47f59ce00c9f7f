using System.IO;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace BertGen.Cli;

/// <summary>
/// Tables on the command's standard output. On a terminal: rounded box-drawing borders, colour, laid out in the
/// terminal's width (commands mark number columns no-wrap, so a figure is never split across lines). In a file or a
/// pipe: Markdown tables — plain ASCII that a script, a diff or a README can take as it is — never wrapped.
/// </summary>
internal static class TableOutput
{
    /// <summary>
    /// Wide enough that no table is wrapped when the output is a file or pipe (a similarity table of 100 texts is ~900
    /// columns; at 400, one of 60 came out one character a line), and the width a terminal table is measured in.
    /// </summary>
    private const int RedirectedWidth = 1 << 14;

    /// <summary>A right-aligned column that is never wrapped: a number split over two lines reads as two numbers.</summary>
    public static TableColumn Number(string header) => new TableColumn(header).RightAligned().NoWrap();

    public static void Write(CliConsole console, Table table)
    {
        if (console.OutputIsTerminal)
        {
            table.Border = TableBorder.Rounded;
            if (MinimumWidth(console, table) <= console.Width)
            {
                Create(console).Write(table);
                return;
            }

            // Narrower than the table's whole cells, Spectre crops the no-wrap number columns (0.516 shown as 0.5) and folds
            // the text one character a line: the Markdown form keeps every cell whole, and the terminal folds its long lines.
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
        Create(console with { Output = text, OutputIsTerminal = false }).Write(renderable);
        return text.ToString().TrimEnd('\n', '\r').Split('\n');
    }

    // The fewest columns the table can be laid out in with every cell whole: its text columns folded at word boundaries,
    // its no-wrap columns at their full width (Spectre's own measure).
    private static int MinimumWidth(CliConsole console, Table table)
    {
        IAnsiConsole output = Create(console);
        var options = new RenderOptions(output.Profile.Capabilities, new Size(RedirectedWidth, output.Profile.Height));
        return ((IRenderable)table).Measure(options, RedirectedWidth).Min;
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
