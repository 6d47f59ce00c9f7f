namespace BertGen.Text;

/// <summary>One sequence-classification example: a label name and one text, or a pair of texts.</summary>
public sealed record LabelledText(string Label, string Text, string? TextB = null);
