using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// What a terminal of a given width shows after some output: printable characters at the cursor, wrapping at the
/// last column as xterm does, <c>\r</c> to the line's start, <c>\n</c> to the next line's start (the tty's
/// onlcr), <c>ESC [ K</c> erasing to the end of the line and SGR colour codes ignored. Any other escape fails the
/// test: the CLI is expected to use nothing else.
/// </summary>
internal sealed class TerminalScreen
{
    private readonly int _width;
    private readonly List<char[]> _lines = [];
    private int _row;
    private int _column;

    public TerminalScreen(int width, string output)
    {
        _width = width;
        _lines.Add(Blank());
        for (int i = 0; i < output.Length; i++)
        {
            char c = output[i];
            if (c == '\u001b')
            {
                i = Escape(output, i);
            }
            else if (c == '\r')
            {
                _column = 0;
            }
            else if (c == '\n')
            {
                NextLine();
            }
            else
            {
                if (_column == _width)
                {
                    WrappedLines++;
                    NextLine();
                }

                _lines[_row][_column++] = c;
            }
        }
    }

    /// <summary>How many times output ran past the last column onto the next line.</summary>
    public int WrappedLines { get; private set; }

    /// <summary>The screen's lines (everything ever scrolled through), trailing spaces and trailing empty lines removed.</summary>
    public string[] Lines
    {
        get
        {
            string[] lines = _lines.Select(l => new string(l).TrimEnd()).ToArray();
            int last = lines.Length;
            while (last > 0 && lines[last - 1].Length == 0)
            {
                last--;
            }

            return lines[..last];
        }
    }

    private char[] Blank() => Enumerable.Repeat(' ', _width).ToArray();

    private void NextLine()
    {
        _row++;
        _column = 0;
        if (_row == _lines.Count)
        {
            _lines.Add(Blank());
        }
    }

    private int Escape(string output, int at)
    {
        Assert.True(at + 1 < output.Length && output[at + 1] == '[', $"unexpected escape at {at}");
        int end = at + 2;
        while (end < output.Length && (char.IsDigit(output[end]) || output[end] == ';'))
        {
            end++;
        }

        char command = output[end];
        switch (command)
        {
            case 'K':
                Array.Fill(_lines[_row], ' ', _column, _width - _column);
                break;
            case 'm':
                break;
            default:
                Assert.Fail($"unexpected escape sequence ESC [{output[(at + 2)..end]}{command}");
                break;
        }

        return end;
    }

    public override string ToString() => string.Join('\n', Lines);
}
