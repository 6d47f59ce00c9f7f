using System;
using System.Linq;

namespace BertGen.Generator.Model;

/// <summary>
/// What a training step optimises. Mirrors <c>BertGen.Runtime.Training.TrainingObjective</c> member for member
/// (generated code names the runtime's member by this one's name; a test pins the two).
/// </summary>
internal enum TrainingObjective
{
    Pretraining,
    MaskedLm,
    SequenceClassification,
    TokenClassification,
    QuestionAnswering,
}

/// <summary>HF <c>problem_type</c> for sequence classification; each has one row in <see cref="ProblemTypes"/>.</summary>
internal enum ProblemType
{
    SingleLabelClassification,
    MultiLabelClassification,
    Regression,
}

/// <summary>One problem type: its HF name and whether its targets are class indices (else float targets).</summary>
internal sealed record ProblemTypeInfo(ProblemType Id, string SpecName, bool ClassLabels, string Loss);

/// <summary>The closed vocabulary of <c>problem_type</c> values: parser, diagnostics and emitters read it.</summary>
internal static class ProblemTypes
{
    public static readonly ProblemTypeInfo[] All =
    {
        new(ProblemType.SingleLabelClassification, "single_label_classification", ClassLabels: true, "cross-entropy"),
        new(ProblemType.MultiLabelClassification, "multi_label_classification", ClassLabels: false, "binary cross-entropy with logits"),
        new(ProblemType.Regression, "regression", ClassLabels: false, "mean squared error"),
    };

    public static string SpecNamesText => Vocabulary.Quoted(All.Select(p => p.SpecName), "or");

    public static ProblemTypeInfo Of(ProblemType id) =>
        All.FirstOrDefault(p => p.Id == id) ?? throw new InvalidOperationException($"Problem type {(int)id} has no row in ProblemTypes.All.");

    public static ProblemTypeInfo? FromSpecName(string name) => All.FirstOrDefault(p => p.SpecName == name);
}
