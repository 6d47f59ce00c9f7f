using BertGen.Runtime.Inference;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Training;

/// <summary>
/// A generated model whose spec asks for training: it has a gradient buffer laid out exactly like
/// <see cref="IBertModel.Parameters"/> (same offsets, same HF names), and compiled training steps.
/// The flat gradient buffer is the hand-off between backward and optimiser (and, later, the all-reduce
/// of data-parallel training).
/// </summary>
public interface ITrainableModel : IBertModel
{
    /// <summary>
    /// Gradients, one float per parameter at the parameter's offset. Training steps add into it, or replace what it holds
    /// (<c>ITrainingStep.Run(..., replaceGradients: true)</c>).
    /// </summary>
    AlignedBuffer Gradients { get; }

    /// <summary>Which losses this model's training steps compute.</summary>
    TrainingObjective Objective { get; }

    /// <summary>The compiled forward + backward of one shape variant, with its own saved-activation arena.</summary>
    ITrainingStep CreateTrainingStep(int batch, int sequence);
}

/// <summary>The loss a training step optimises, from the spec's heads.</summary>
public enum TrainingObjective
{
    /// <summary>Masked LM over gathered positions + next sentence prediction.</summary>
    Pretraining,

    /// <summary>Masked LM over gathered positions only.</summary>
    MaskedLm,

    /// <summary>Sequence classification (CE, BCE with logits or MSE, by problem_type).</summary>
    SequenceClassification,

    /// <summary>Token classification, cross-entropy ignoring label −100.</summary>
    TokenClassification,

    /// <summary>Question answering: mean of start and end cross-entropies.</summary>
    QuestionAnswering,
}
