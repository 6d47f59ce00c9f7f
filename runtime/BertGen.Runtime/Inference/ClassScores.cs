using System;

namespace BertGen.Runtime.Inference;

/// <summary>
/// A sequence classifier's logits as the scores its <c>problem_type</c> means, as HuggingFace's text-classification
/// pipeline gives them by default: a softmax over the labels of a single-label classifier, each label's own sigmoid for a
/// multi-label one (its labels are independent yes/no answers, trained with binary cross-entropy), and the outputs as they
/// are for regression (values, not probabilities). <c>TextClassifier</c> (so <c>bertgen classify</c>) and the server's
/// <c>/predict</c> read a classifier through this one place. One difference from the pipeline: a one-label config without a
/// <c>problem_type</c> is regression here, as HF's training (and BertGen's) reads it, so its score is its output; the
/// pipeline applies a sigmoid to it (a cross-encoder's score), since the descriptor does not say the type was left out.
/// </summary>
internal static class ClassScores
{
    /// <summary>HF <c>problem_type</c> names, as <see cref="ModelDescriptor.ProblemType"/> holds them.</summary>
    public const string SingleLabel = "single_label_classification";

    public const string MultiLabel = "multi_label_classification";

    public const string Regression = "regression";

    /// <summary>The problem type of a model's classifier: its spec's, else HF's inference from the label count (one label is regression).</summary>
    public static string ProblemTypeOf(IBertModel model, int labels) =>
        model.Descriptor?.ProblemType ?? (labels == 1 ? Regression : SingleLabel);

    /// <summary>The scores of one row of logits, in double, for <paramref name="problemType"/>.</summary>
    public static double[] Of(ReadOnlySpan<float> logits, string problemType)
    {
        switch (problemType)
        {
            case MultiLabel:
                var probabilities = new double[logits.Length];
                for (int i = 0; i < logits.Length; i++)
                {
                    probabilities[i] = 1 / (1 + Math.Exp(-(double)logits[i]));
                }

                return probabilities;
            case Regression:
                var values = new double[logits.Length];
                for (int i = 0; i < logits.Length; i++)
                {
                    values[i] = logits[i];
                }

                return values;
            default:
                return Softmax.Of(logits);
        }
    }
}
