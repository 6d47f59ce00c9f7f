using System;
using System.ComponentModel;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Checks a training batch against the compiled step's shape and the objective's label ranges before
/// any kernel reads it: an out-of-range label would index outside a logits row.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TrainingBatchValidation
{
    public static void Check(TrainingBatch batch, TrainingObjective objective, int batchSize, int sequence, int maxPredictions, int vocabSize, int typeVocabSize, int labels, bool classLabels)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int tokens = batchSize * sequence;
        InputValidation.Check(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, tokens, vocabSize, typeVocabSize);
        switch (objective)
        {
            case TrainingObjective.Pretraining:
            case TrainingObjective.MaskedLm:
                Length(batch.MaskedLmPositions, batchSize * maxPredictions, "masked LM positions");
                Length(batch.MaskedLmIds, batchSize * maxPredictions, "masked LM ids");
                Length(batch.MaskedLmWeights, batchSize * maxPredictions, "masked LM weights");
                Range(batch.MaskedLmPositions, sequence, "masked LM position");
                Range(batch.MaskedLmIds, vocabSize, "masked LM id");
                if (objective == TrainingObjective.Pretraining)
                {
                    Length(batch.NextSentenceLabels, batchSize, "next sentence labels");
                    Range(batch.NextSentenceLabels, 2, "next sentence label");
                }

                break;
            case TrainingObjective.SequenceClassification:
                if (classLabels)
                {
                    Length(batch.ClassLabels, batchSize, "class labels");
                    LabelsOrIgnore(batch.ClassLabels, labels, "Class");
                }
                else
                {
                    Length(batch.Targets, batchSize * labels, "targets");
                }

                break;
            case TrainingObjective.TokenClassification:
                Length(batch.TokenLabels, tokens, "token labels");
                LabelsOrIgnore(batch.TokenLabels, labels, "Token");

                break;
            case TrainingObjective.QuestionAnswering:
                Length(batch.StartPositions, batchSize, "start positions");
                Length(batch.EndPositions, batchSize, "end positions");
                Range(batch.StartPositions, sequence, "start position");
                Range(batch.EndPositions, sequence, "end position");
                break;
        }
    }

    /// <summary>Labels in [0, labels), or −100 for "no label here" (padding rows of an evaluation batch, ignored tokens).</summary>
    private static void LabelsOrIgnore(int[] values, int labels, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int label = values[i];
            if (label != LossKernels.IgnoreLabel && (uint)label >= (uint)labels)
            {
                throw new BertInputException($"{what} label {label} at {i} is outside [0, {labels}) and is not -100.");
            }
        }
    }

    private static void Length<T>(T[] values, int expected, string what)
    {
        if (values.Length != expected)
        {
            throw new BertInputException($"Expected {expected} {what}, got {values.Length}.");
        }
    }

    private static void Range(int[] values, int bound, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((uint)values[i] >= (uint)bound)
            {
                throw new BertInputException($"The {what} {values[i]} at {i} is outside [0, {bound}).");
            }
        }
    }
}
