using System;

namespace BertGen.Runtime.Inference;

/// <summary>
/// A sequence classifier's logits as the scores HuggingFace's text-classification pipeline gives by default: the function
/// its postprocessing picks when no <c>function_to_apply</c> is asked for, from the <c>problem_type</c> the config names and
/// <c>num_labels</c>. <c>"regression"</c> named: the outputs as they are (values, not probabilities); else
/// <c>"multi_label_classification"</c> or one label: each label's sigmoid (independent yes/no answers; a cross-encoder's
/// score); else a softmax over the labels. Only a named problem type counts there, so a one-label config without one is
/// regression to train (HF's and BertGen's loss is MSE) and a sigmoid to score. <c>TextClassifier</c> (so
/// <c>bertgen classify</c>) and the server's <c>/predict</c> read a classifier through this one place.
/// </summary>
internal static class ClassScores
{
    /// <summary>HF <c>problem_type</c> names, as <see cref="ModelDescriptor.ProblemType"/> holds them.</summary>
    public const string SingleLabel = "single_label_classification";

    public const string MultiLabel = "multi_label_classification";

    public const string Regression = "regression";

    /// <summary>The pipeline's <c>ClassificationFunction</c> names, as <see cref="FunctionFor"/> answers them.</summary>
    public const string SoftmaxFunction = "softmax";

    public const string SigmoidFunction = "sigmoid";

    public const string NoFunction = "none";

    /// <summary>The problem type of a model's classifier, as it trains: its spec's, else HF's inference from the label count (one label is regression).</summary>
    public static string ProblemTypeOf(IBertModel model, int labels) =>
        model.Descriptor?.ProblemType ?? (labels == 1 ? Regression : SingleLabel);

    /// <summary>The function the pipeline scores a model's classifier by: from the problem type its spec names (a model not generated from a spec names none).</summary>
    public static string FunctionOf(IBertModel model, int labels) =>
        FunctionFor(model.Descriptor is { ProblemTypeGiven: true } d ? d.ProblemType : null, labels);

    /// <summary>The function the pipeline scores a compiled classifier by.</summary>
    public static string FunctionOf(ModelDescriptor descriptor) =>
        FunctionFor(descriptor.ProblemTypeGiven ? descriptor.ProblemType : null, descriptor.LabelCount);

    /// <summary>
    /// The pipeline's rule, in its order: <paramref name="namedProblemType"/> is the config's <c>problem_type</c>, null when
    /// it names none. A one-label single-label classifier is a sigmoid too (its softmax would always be 1).
    /// </summary>
    public static string FunctionFor(string? namedProblemType, int labels) => namedProblemType switch
    {
        Regression => NoFunction,
        MultiLabel => SigmoidFunction,
        null or SingleLabel => labels == 1 ? SigmoidFunction : SoftmaxFunction,
        _ => throw new ArgumentOutOfRangeException(nameof(namedProblemType), namedProblemType, "not a problem_type"),
    };

    /// <summary>The scores of one row of logits, in double, by <paramref name="function"/> (one of <see cref="FunctionFor"/>'s).</summary>
    public static double[] Of(ReadOnlySpan<float> logits, string function)
    {
        switch (function)
        {
            case SigmoidFunction:
                var probabilities = new double[logits.Length];
                for (int i = 0; i < logits.Length; i++)
                {
                    probabilities[i] = 1 / (1 + Math.Exp(-(double)logits[i]));
                }

                return probabilities;
            case NoFunction:
                var values = new double[logits.Length];
                for (int i = 0; i < logits.Length; i++)
                {
                    values[i] = logits[i];
                }

                return values;
            case SoftmaxFunction:
                return Softmax.Of(logits);
            default:
                throw new ArgumentOutOfRangeException(nameof(function), function, "not a score function");
        }
    }
}
