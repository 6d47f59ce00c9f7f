using System.Collections.Generic;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>What a cross-entropy's sum is divided by.</summary>
internal enum LossNormalizer
{
    /// <summary>The row count: every row has a label.</summary>
    Rows,

    /// <summary>The rows whose label is not −100 (HF's ignore_index), at least 1.</summary>
    LabelledRows,

    /// <summary>Σ weights + 1e-5: original BERT's masked-LM normalisation.</summary>
    WeightSum,
}

/// <summary>
/// Σ w·CE(softmax(logits), label) / normaliser over <paramref name="Rows"/> rows of <paramref name="Classes"/>; the
/// logits are overwritten with the gradient, scaled by the step's gradient scale × <paramref name="GradientShare"/>.
/// <paramref name="Labels"/> and <paramref name="Weights"/> are pinned batch arrays. Its result is named
/// <paramref name="Result"/> in the generated code.
/// </summary>
internal sealed record CrossEntropyOp(
    string? Description,
    string Result,
    Operand Logits,
    int Rows,
    int Classes,
    string Labels,
    string? Weights,
    LossNormalizer Normalizer,
    double GradientShare) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Logits };
}

/// <summary>Mean binary cross-entropy with logits (multi-label); the logits become the gradient.</summary>
internal sealed record BinaryCrossEntropyOp(string? Description, string Result, Operand Logits, string Targets, int Rows, int Labels) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Logits };
}

/// <summary>Mean squared error (regression); the predictions become the gradient.</summary>
internal sealed record MeanSquaredErrorOp(string? Description, string Result, Operand Predictions, string Targets, int Count) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => new[] { Predictions };
}

/// <summary>
/// The step's reported losses from the loss results above: the masked-LM and next-sentence results of
/// pretraining, or the task's (the mean of several, as QA's start and end).
/// </summary>
internal sealed record RecordLossesOp(string? Description, string? MaskedLm, string? NextSentence, ImmutableEquatableArray<string> Task) : PlannedOp(Description)
{
    public override IEnumerable<Operand?> Operands => System.Array.Empty<Operand?>();
}
