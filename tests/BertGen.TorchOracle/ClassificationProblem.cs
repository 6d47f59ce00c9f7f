namespace BertGen.TorchOracle;

/// <summary>HuggingFace's <c>problem_type</c> for sequence classification, which picks the loss.</summary>
public enum ClassificationProblem
{
    /// <summary><c>single_label_classification</c>: softmax cross-entropy, mean over the batch.</summary>
    SingleLabel,

    /// <summary><c>multi_label_classification</c>: binary cross-entropy with logits, mean over batch × labels.</summary>
    MultiLabel,

    /// <summary><c>regression</c>: mean squared error, mean over batch × labels.</summary>
    Regression,
}
