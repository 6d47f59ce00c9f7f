namespace BertGen.Runtime.Training;

/// <summary>
/// One optimiser step as the trainer reports it. Losses are the mean over the step's micro-batches (what the
/// accumulated gradient is the gradient of); accuracies come from summed counts and are NaN when nothing was scored.
/// </summary>
/// <param name="Step">Optimiser steps completed, this one included.</param>
/// <param name="Epoch">The training data's epoch after the step.</param>
/// <param name="LearningRate">The scheduled learning rate the step used.</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="ClipFactor">What the gradients were scaled by (1 when within the bound).</param>
/// <param name="Loss">The optimised loss.</param>
/// <param name="MaskedLmLoss">Masked-LM cross-entropy.</param>
/// <param name="NextSentenceLoss">Next-sentence cross-entropy.</param>
/// <param name="TaskLoss">The fine-tuning head's loss.</param>
/// <param name="MaskedLmAccuracy">Correct / real masked positions.</param>
/// <param name="NextSentenceAccuracy">Correct / labelled sequences.</param>
/// <param name="TaskAccuracy">Correct / scored fine-tuning predictions.</param>
/// <param name="Tokens">Non-padding tokens the step trained on.</param>
/// <param name="Seconds">Wall time of the step (micro-batches, optimiser, weight repacking).</param>
public readonly record struct TrainingStepMetrics(
    long Step,
    int Epoch,
    double LearningRate,
    double GradientNorm,
    double ClipFactor,
    double Loss,
    double MaskedLmLoss,
    double NextSentenceLoss,
    double TaskLoss,
    double MaskedLmAccuracy,
    double NextSentenceAccuracy,
    double TaskAccuracy,
    long Tokens,
    double Seconds)
{
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}
