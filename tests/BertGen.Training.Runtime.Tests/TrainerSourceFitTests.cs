using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using LinearWarmupDecaySchedule = BertGen.Runtime.Optimization.LinearWarmupDecaySchedule;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// A source whose batches do not fit the model's compiled step is refused when the trainer is built, in the units the
/// user set. It said "(128 tokens, 80 predictions) do not fit the compiled step B=4, S=32, P=5" for
/// <c>PretrainingOptions.MaxPredictionsPerSeq</c> 20 against a spec's 5 (totals against per-sequence figures), and the
/// same for a classification source given to a pretraining model, which is another mistake.
/// </summary>
public sealed class TrainerSourceFitTests
{
    private static readonly TorchBertConfig Config = new()
    {
        VocabSize = 50, HiddenSize = 12, NumLayers = 1, NumHeads = 2, IntermediateSize = 24, MaxPositions = 8, TypeVocabSize = 2,
        Head = BertHead.Pretraining,
    };

    [Fact]
    public void MaskedLmPositionsPerSequenceThatAreNotTheCompiledOnesAreNamedWithTheWayOut()
    {
        // TorchBertTrainableModel's steps gather 2 positions per sequence; this source gathers 3.
        TrainingException error = Refusal(new FixedSource(batch: 2, sequence: 5, positionsPerSequence: 3));
        Assert.Equal(
            "the training source's batches gather 3 masked-LM positions per sequence, and TorchBertForPreTraining was compiled for 2 (the spec's max_predictions_per_seq): make the source gather 2 (PretrainingOptions.MaxPredictionsPerSeq)",
            error.Message);
    }

    [Fact]
    public void ASourceWithoutMaskedLmPositionsForAPretrainingModelIsNamedAsSuch()
    {
        TrainingException error = Refusal(new FixedSource(batch: 2, sequence: 5, positionsPerSequence: 0));
        Assert.Equal(
            "the training source's batches have no masked-LM positions, and TorchBertForPreTraining trains pretraining (masked LM + next sentence): give it a pretraining source",
            error.Message);
    }

    [Fact]
    public void APretrainingSourceWithoutNextSentenceLabelsForThePretrainingHeadNamesTheSwitch()
    {
        // It failed at the first step with "Expected 2 next sentence labels, got 0."
        TrainingException error = Refusal(new FixedSource(batch: 2, sequence: 5, positionsPerSequence: 2, nextSentenceLabels: false));
        Assert.Equal(
            "the training source's batches have no next-sentence labels, and TorchBertForPreTraining trains pretraining (masked LM + next sentence): a PretrainingBatchSource for it takes nextSentenceLabels: true",
            error.Message);
    }

    private static TrainingException Refusal(ITrainingBatchSource source)
    {
        var initial = BertParameterLayout.For(Config).ToDictionary(
            p => p.Name, p => new ParameterTensor(p.Shape, new float[p.Shape.Aggregate(1, (a, b) => a * b)]), StringComparer.Ordinal);
        using var model = new TorchBertTrainableModel(Config, initial);
        var options = new TrainerOptions { Steps = 1, Schedule = new LinearWarmupDecaySchedule(1e-3, 0, 1) };
        return Assert.Throws<TrainingException>(() => new Trainer(model, source, options).Dispose());
    }

    private sealed class FixedSource(int batch, int sequence, int positionsPerSequence, bool nextSentenceLabels = true) : ITrainingBatchSource
    {
        public int BatchSize => batch;

        public int SequenceLength => sequence;

        public int Epoch => 0;

        public TrainingBatch CreateBatch() => new()
        {
            InputIds = new int[batch * sequence],
            AttentionMask = new int[batch * sequence],
            TokenTypeIds = new int[batch * sequence],
            MaskedLmPositions = new int[batch * positionsPerSequence],
            MaskedLmIds = new int[batch * positionsPerSequence],
            MaskedLmWeights = new float[batch * positionsPerSequence],
            NextSentenceLabels = new int[nextSentenceLabels ? batch : 0],
        };

        public void Next(TrainingBatch batch) => throw new InvalidOperationException("the trainer refuses this source before it reads a batch");

        public byte[] SaveState() => [];

        public void RestoreState(ReadOnlySpan<byte> state)
        {
        }
    }
}
