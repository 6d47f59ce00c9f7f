using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// What a training step refuses before any kernel reads the batch: labels of an objective it does not train (it
/// would ignore them), targets that are not finite numbers, masked-LM weights other than 0 and 1.
/// </summary>
public sealed class BatchValidationTests
{
    private const int B = 2, S = 4, P = 2, Vocab = 50, Types = 2, Labels = 3;

    private static TrainingBatch Inputs(Func<TrainingBatch, TrainingBatch> with) => with(new TrainingBatch
    {
        InputIds = [1, 2, 3, 0, 4, 5, 0, 0],
        AttentionMask = [1, 1, 1, 0, 1, 1, 0, 0],
        TokenTypeIds = new int[B * S],
    });

    private static TrainingBatch MaskedLm(float[]? weights = null, int[]? nextSentence = null) => Inputs(b => new TrainingBatch
    {
        InputIds = b.InputIds,
        AttentionMask = b.AttentionMask,
        TokenTypeIds = b.TokenTypeIds,
        MaskedLmPositions = [1, 2, 1, 0],
        MaskedLmIds = [7, 8, 9, 0],
        MaskedLmWeights = weights ?? [1f, 1f, 1f, 0f],
        NextSentenceLabels = nextSentence ?? [],
    });

    private static void Check(TrainingBatch batch, TrainingObjective objective, bool classLabels = true) =>
        TrainingBatchValidation.Check(batch, objective, B, S, P, Vocab, Types, Labels, classLabels);

    private static string Refused(TrainingBatch batch, TrainingObjective objective, bool classLabels = true) =>
        Assert.Throws<BertInputException>(() => Check(batch, objective, classLabels)).Message;

    [Fact]
    public void WellFormedBatchesOfEachObjectivePass()
    {
        Check(MaskedLm(), TrainingObjective.MaskedLm);
        Check(MaskedLm(nextSentence: [0, 1]), TrainingObjective.Pretraining);
        Check(Inputs(b => new TrainingBatch { InputIds = b.InputIds, AttentionMask = b.AttentionMask, TokenTypeIds = b.TokenTypeIds, ClassLabels = [2, -100] }), TrainingObjective.SequenceClassification);
        Check(Inputs(b => new TrainingBatch { InputIds = b.InputIds, AttentionMask = b.AttentionMask, TokenTypeIds = b.TokenTypeIds, Targets = [0f, 1f, 0.5f, -3f, 1e30f, 0f] }), TrainingObjective.SequenceClassification, classLabels: false);
    }

    [Fact]
    public void LabelsOfAnotherObjectiveAreRefusedNotIgnored()
    {
        // Next-sentence labels given to a masked-LM-only model.
        Assert.Equal("The batch has 2 next sentence labels, which a model trained for masked LM does not read; leave them empty.",
            Refused(MaskedLm(nextSentence: [0, 1]), TrainingObjective.MaskedLm));

        // A pretraining batch given to a classifier: its masked-LM arrays are named first.
        Assert.StartsWith("The batch has 4 masked LM positions, which a model trained for sequence classification does not read",
            Refused(MaskedLm(nextSentence: [0, 1]), TrainingObjective.SequenceClassification), StringComparison.Ordinal);

        // Float targets for a classifier that takes class ids, and class ids for one that takes float targets.
        TrainingBatch both = Inputs(b => new TrainingBatch { InputIds = b.InputIds, AttentionMask = b.AttentionMask, TokenTypeIds = b.TokenTypeIds, ClassLabels = [0, 1], Targets = new float[B * Labels] });
        Assert.Contains("6 float targets", Refused(both, TrainingObjective.SequenceClassification), StringComparison.Ordinal);
        Assert.Contains("2 class labels", Refused(both, TrainingObjective.SequenceClassification, classLabels: false), StringComparison.Ordinal);

        TrainingBatch answers = Inputs(b => new TrainingBatch { InputIds = b.InputIds, AttentionMask = b.AttentionMask, TokenTypeIds = b.TokenTypeIds, TokenLabels = new int[B * S], StartPositions = [0, 1], EndPositions = [1, 1] });
        Assert.Contains("8 token labels, which a model trained for question answering", Refused(answers, TrainingObjective.QuestionAnswering), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteTargetsAreRefused(float bad)
    {
        TrainingBatch batch = Inputs(b => new TrainingBatch { InputIds = b.InputIds, AttentionMask = b.AttentionMask, TokenTypeIds = b.TokenTypeIds, Targets = [0f, 1f, 0f, 1f, bad, 0f] });
        Assert.StartsWith($"The target {bad.ToString(System.Globalization.CultureInfo.InvariantCulture)} at 4 is not a finite number", Refused(batch, TrainingObjective.SequenceClassification, classLabels: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(2f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void MaskedLmWeightsOtherThanZeroAndOneAreRefused(float bad)
    {
        Assert.Contains("at 2 is neither 0 (padding) nor 1 (a prediction)", Refused(MaskedLm(weights: [1f, 1f, bad, 0f]), TrainingObjective.MaskedLm), StringComparison.Ordinal);
    }
}
