using System;

namespace BertGen.Text;

/// <summary>One sequence-classification example: a label name and one text, or a pair of texts.</summary>
/// <param name="Label">The label's name.</param>
/// <param name="Text">The text, or the first of a pair.</param>
/// <param name="TextB">The second text of a pair.</param>
/// <param name="Source">Where it was read ("train.tsv line 12"), for error messages; null when built in code.</param>
public sealed record LabelledText(string Label, string Text, string? TextB = null, string? Source = null)
{
    public string Label { get; init; } = Label ?? throw new ArgumentNullException(nameof(Label));

    public string Text { get; init; } = Text ?? throw new ArgumentNullException(nameof(Text));
}
