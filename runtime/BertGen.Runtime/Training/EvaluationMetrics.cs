namespace BertGen.Runtime.Training;

/// <summary>
/// One pass over the held-out set. Each component loss is averaged weighted by what it scored (masked positions,
/// sequences, task predictions), so a padded last batch does not skew it; accuracies are summed counts divided,
/// NaN when nothing was scored.
/// </summary>
/// <param name="Step">Optimiser steps completed when the evaluation ran.</param>
/// <param name="Batches">Evaluation batches run.</param>
/// <param name="Loss">The optimised loss (task-weighted for fine-tuning, per batch for pretraining).</param>
/// <param name="MaskedLmLoss">Masked-LM cross-entropy weighted by masked positions.</param>
/// <param name="NextSentenceLoss">Next-sentence cross-entropy weighted by sequences.</param>
/// <param name="TaskLoss">The fine-tuning loss weighted by predictions scored.</param>
/// <param name="MaskedLmAccuracy">Correct / real masked positions.</param>
/// <param name="NextSentenceAccuracy">Correct / labelled sequences.</param>
/// <param name="TaskAccuracy">Correct / scored fine-tuning predictions.</param>
/// <param name="MaskedLmCount">Real masked positions scored.</param>
/// <param name="NextSentenceCount">Sequences scored for next sentence.</param>
/// <param name="TaskCount">Fine-tuning predictions scored.</param>
public readonly record struct EvaluationMetrics(
    long Step,
    int Batches,
    double Loss,
    double MaskedLmLoss,
    double NextSentenceLoss,
    double TaskLoss,
    double MaskedLmAccuracy,
    double NextSentenceAccuracy,
    double TaskAccuracy,
    int MaskedLmCount,
    int NextSentenceCount,
    int TaskCount);
