namespace BertGen.Text;

/// <summary>One text's answer from a <see cref="TextClassifier"/>.</summary>
/// <param name="LabelIndex">The class with the highest score (the first of equals), an index into <see cref="TextClassifier.Labels"/>.</param>
/// <param name="Label">That class's name.</param>
/// <param name="Probabilities">The scores of <paramref name="Logits"/>, computed in double, one per label in label order, as
/// HuggingFace's text-classification pipeline gives them by the classifier's <see cref="TextClassifier.ScoreFunction"/>: the
/// softmax of a single-label classifier, each label's sigmoid for a multi-label or one-label one, the outputs themselves
/// (values, not probabilities) when the spec names problem_type "regression".</param>
/// <param name="Logits">The sequence classifier's raw outputs, one per label in label order.</param>
/// <param name="Truncated">True when the text (or a text of the pair) was cut to fit the model's longest compiled sequence.</param>
public sealed record TextClassification(int LabelIndex, string Label, double[] Probabilities, float[] Logits, bool Truncated);
