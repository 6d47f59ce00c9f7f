using System;
using System.ComponentModel;
using System.Globalization;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Checks a training batch against the compiled step's shape and the objective's label ranges before
/// any kernel reads it: an out-of-range label would index outside a logits row. It also refuses what a step would
/// silently get wrong: labels of another objective (which it would ignore, so the caller believes it trains on
/// them), non-finite targets (a NaN loss from the first step) and masked-LM weights other than 0 and 1 (the loss
/// counts a position or does not; a fractional weight would be read as a count).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TrainingBatchValidation
{
    public static void Check(TrainingBatch batch, TrainingObjective objective, int batchSize, int sequence, int maxPredictions, int vocabSize, int typeVocabSize, int labels, bool classLabels)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int tokens = batchSize * sequence;
        InputValidation.Check(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, tokens, vocabSize, typeVocabSize);
        RequireOnlyObjectiveLabels(batch, objective, classLabels);
        switch (objective)
        {
            case TrainingObjective.Pretraining:
            case TrainingObjective.MaskedLm:
                Length(batch.MaskedLmPositions, batchSize * maxPredictions, "masked LM positions (batch × max_predictions_per_seq)");
                Length(batch.MaskedLmIds, batchSize * maxPredictions, "masked LM ids (batch × max_predictions_per_seq)");
                Length(batch.MaskedLmWeights, batchSize * maxPredictions, "masked LM weights (batch × max_predictions_per_seq)");
                Range(batch.MaskedLmPositions, sequence, "masked LM position");
                Range(batch.MaskedLmIds, vocabSize, "masked LM id");
                ZeroOrOne(batch.MaskedLmWeights);
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
                    Finite(batch.Targets);
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

    /// <summary>
    /// The label arrays <paramref name="objective"/> reads, by name; every other one must be empty, or the step would
    /// ignore labels the caller meant it to learn from.
    /// </summary>
    private static void RequireOnlyObjectiveLabels(TrainingBatch batch, TrainingObjective objective, bool classLabels)
    {
        bool maskedLm = objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm;
        bool sequenceClassification = objective == TrainingObjective.SequenceClassification;
        bool questionAnswering = objective == TrainingObjective.QuestionAnswering;
        Unread(batch.MaskedLmPositions.Length, maskedLm, "masked LM positions", objective);
        Unread(batch.MaskedLmIds.Length, maskedLm, "masked LM ids", objective);
        Unread(batch.MaskedLmWeights.Length, maskedLm, "masked LM weights", objective);
        Unread(batch.NextSentenceLabels.Length, objective == TrainingObjective.Pretraining, "next sentence labels", objective);
        Unread(batch.ClassLabels.Length, sequenceClassification && classLabels, "class labels", objective);
        Unread(batch.Targets.Length, sequenceClassification && !classLabels, "float targets", objective);
        Unread(batch.TokenLabels.Length, objective == TrainingObjective.TokenClassification, "token labels", objective);
        Unread(batch.StartPositions.Length, questionAnswering, "answer start positions", objective);
        Unread(batch.EndPositions.Length, questionAnswering, "answer end positions", objective);
    }

    private static void Unread(int length, bool read, string what, TrainingObjective objective)
    {
        if (length > 0 && !read)
        {
            throw new BertInputException($"The batch has {length} {what}, which a model trained for {ObjectiveText(objective)} does not read; leave them empty.");
        }
    }

    /// <summary>What a model trained for <paramref name="objective"/> learns, for messages.</summary>
    internal static string ObjectiveText(TrainingObjective objective) => objective switch
    {
        TrainingObjective.Pretraining => "pretraining (masked LM + next sentence)",
        TrainingObjective.MaskedLm => "masked LM",
        TrainingObjective.SequenceClassification => "sequence classification",
        TrainingObjective.TokenClassification => "token classification",
        TrainingObjective.QuestionAnswering => "question answering",
        _ => objective.ToString(),
    };

    /// <summary>A masked-LM weight says whether a gathered position is a prediction (1) or padding (0).</summary>
    private static void ZeroOrOne(float[] weights)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] != 0f && weights[i] != 1f)
            {
                throw new BertInputException($"The masked LM weight {weights[i].ToString(CultureInfo.InvariantCulture)} at {i} is neither 0 (padding) nor 1 (a prediction).");
            }
        }
    }

    private static void Finite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new BertInputException($"The target {values[i].ToString(CultureInfo.InvariantCulture)} at {i} is not a finite number.");
            }
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
