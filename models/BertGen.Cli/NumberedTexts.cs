using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace BertGen.Cli;

/// <summary>
/// The texts a command was given, each numbered as the user wrote it: the n-th text argument is text n, a text read
/// from a file or standard input is its line. Blank lines are skipped, so a file's third text may be its fifth line; a
/// warning, an error or the similarity table names the line, which the user can find, not the position among the kept
/// texts, which they cannot.
/// </summary>
internal sealed class NumberedTexts : IReadOnlyList<string>
{
    private readonly IReadOnlyList<string> _texts;
    private readonly IReadOnlyList<int>? _lines;
    private readonly string? _source;

    private NumberedTexts(IReadOnlyList<string> texts, IReadOnlyList<int>? lines, string? source)
    {
        _texts = texts;
        _lines = lines;
        _source = source;
    }

    /// <summary>Texts given as arguments: text <c>i + 1</c> is <c>texts[i]</c>.</summary>
    public static NumberedTexts FromArguments(IReadOnlyList<string> texts) => new(texts, null, null);

    /// <summary>Texts read from <paramref name="source"/> (<c>'book.txt'</c>, <c>standard input</c>), each with its 1-based line.</summary>
    public static NumberedTexts FromLines(IReadOnlyList<string> texts, IReadOnlyList<int> lines, string source) => new(texts, lines, source);

    public int Count => _texts.Count;

    public string this[int index] => _texts[index];

    /// <summary>The number the user knows text <paramref name="index"/> by: its argument's position or its line.</summary>
    public int Number(int index) => _lines is null ? index + 1 : _lines[index];

    /// <summary>How a message names text <paramref name="index"/>: <c>text 2</c>, or <c>line 5 of 'book.txt'</c>.</summary>
    public string Name(int index) => _lines is null
        ? string.Create(CultureInfo.InvariantCulture, $"text {Number(index)}")
        : string.Create(CultureInfo.InvariantCulture, $"line {Number(index)} of {_source}");

    public IEnumerator<string> GetEnumerator() => _texts.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
