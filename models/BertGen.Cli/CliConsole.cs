using System;
using System.IO;
using System.Text;
using System.Threading;
using BertGen.Runtime.Distributed;

namespace BertGen.Cli;

/// <summary>
/// The process's standard streams as the commands see them. Commands never touch <see cref="Console"/>
/// directly, so tests run the whole CLI in-process with captured streams.
/// </summary>
/// <param name="Output">Where results go (JSONL, tables, CSV).</param>
/// <param name="Error">Where warnings, progress and the one-line error go.</param>
/// <param name="OpenInput">Opens standard input as raw bytes (decoded strictly as UTF-8 by the reader).</param>
/// <param name="InputIsRedirected">Whether standard input is a pipe or file rather than a terminal.</param>
/// <param name="ErrorIsTerminal">Whether a live progress display may be drawn on <see cref="Error"/>.</param>
/// <param name="OutputIsTerminal">Whether tables on <see cref="Output"/> may use colour.</param>
/// <param name="Interrupt">Fires as Ctrl-C would (training commands also listen for the real Ctrl-C themselves);
/// lets tests interrupt a run in-process.</param>
/// <param name="TerminalWidth">The terminal's width in columns, asked each time a live line or a table is drawn
/// (a terminal can be resized); null means <see cref="Console.WindowWidth"/>.</param>
internal sealed record CliConsole(
    TextWriter Output,
    TextWriter Error,
    Func<Stream> OpenInput,
    bool InputIsRedirected,
    bool ErrorIsTerminal,
    bool OutputIsTerminal,
    CancellationToken Interrupt = default,
    Func<int>? TerminalWidth = null)
{
    /// <summary>Below this a terminal is too narrow to lay anything out; also the width assumed when none can be read.</summary>
    public const int MinimumWidth = 40;

    /// <summary>The terminal's current width in columns (<see cref="MinimumWidth"/> at least).</summary>
    public int Width
    {
        get
        {
            int width;
            try
            {
                width = TerminalWidth?.Invoke() ?? Console.WindowWidth;
            }
            catch (IOException)
            {
                width = 80;
            }

            return width > 0 ? Math.Max(width, MinimumWidth) : 80;
        }
    }

    /// <summary>UTF-8 without a byte-order mark, whatever the locale says.</summary>
    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// The real standard streams. Output is buffered and flushed when the command ends. A process that Open MPI's
    /// <c>mpirun</c> started always sees a pseudo-terminal on standard output, wherever mpirun's own output goes
    /// (a file, a pipe): such a process cannot know, so its tables are the plain Markdown a log file wants.
    /// </summary>
    public static CliConsole FromProcess() => new(
        new StreamWriter(Console.OpenStandardOutput(), Utf8, bufferSize: 1 << 16) { AutoFlush = false },
        new StreamWriter(Console.OpenStandardError(), Utf8) { AutoFlush = true },
        Console.OpenStandardInput,
        Console.IsInputRedirected,
        !Console.IsErrorRedirected,
        !Console.IsOutputRedirected && !OpenMpiGroup.IsLaunched);

    /// <summary>Writes <c>bertgen: warning: …</c> on one line.</summary>
    public void Warn(string message) => Error.WriteLine($"bertgen: warning: {CliErrors.OneLine(message)}");
}
