namespace BertGen.Runtime.Training;

/// <summary>
/// What one training or evaluation step measured. Counts allow exact accuracies over many steps
/// (sum the correct and total counts, then divide).
/// </summary>
/// <param name="Total">The optimised loss (MLM + NSP for pretraining).</param>
/// <param name="MaskedLm">Masked-LM cross-entropy, Σw·CE / (Σw + 1e-5) as original BERT.</param>
/// <param name="NextSentence">Next-sentence cross-entropy, mean over the batch.</param>
/// <param name="Task">The fine-tuning head's loss.</param>
/// <param name="MaskedLmCorrect">Real masked positions whose arg-max prediction is the original token.</param>
/// <param name="MaskedLmCount">Real (weight 1) masked positions.</param>
/// <param name="NextSentenceCorrect">Sequences whose next-sentence arg-max is right.</param>
/// <param name="NextSentenceCount">Sequences with a next-sentence label.</param>
/// <param name="TaskCorrect">Correct fine-tuning predictions (classification arg-max, tokens, or answer spans).</param>
/// <param name="TaskCount">Fine-tuning predictions scored.</param>
public readonly record struct TrainingLosses(
    float Total,
    float MaskedLm,
    float NextSentence,
    float Task,
    int MaskedLmCorrect,
    int MaskedLmCount,
    int NextSentenceCorrect,
    int NextSentenceCount,
    int TaskCorrect,
    int TaskCount);
