using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using Xunit;
using OracleSchedule = BertGen.TorchOracle.LinearWarmupDecaySchedule;
using Schedule = BertGen.Runtime.Optimization.LinearWarmupDecaySchedule;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// The whole loop on a real two-layer BERT with MLM + NSP heads: <see cref="Trainer"/> with this runtime's AdamW,
/// clipping and schedule, against the oracle's HuggingFace-Trainer-style loop (torch.optim.AdamW, clip_grad_norm_)
/// and its original-BERT loop, ten steps over two alternating batches.
/// </summary>
public sealed class TrainerAgainstTorchTests
{
    private const int Steps = 10;

    private static readonly TorchBertConfig Config = new()
    {
        VocabSize = 50,
        HiddenSize = 12,
        NumLayers = 2,
        NumHeads = 2,
        IntermediateSize = 24,
        MaxPositions = 8,
        TypeVocabSize = 2,
        Head = BertHead.Pretraining,
    };

    private static readonly BertInputs[] Batches =
    {
        new()
        {
            BatchSize = 2, SequenceLength = 5,
            InputIds = new[] { 1, 7, 23, 2, 41, 1, 12, 2, 0, 0 },
            AttentionMask = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 },
            TokenTypeIds = new[] { 0, 0, 0, 1, 1, 0, 0, 1, 0, 0 },
            MaskedLmPositions = new[] { 2, 4, 1, 0 },
            MaskedLmIds = new[] { 33, 41, 9, 0 },
            MaskedLmWeights = new[] { 1f, 1f, 1f, 0f },
            NextSentenceLabels = new[] { 0, 1 },
        },
        new()
        {
            BatchSize = 2, SequenceLength = 5,
            InputIds = new[] { 1, 30, 3, 2, 19, 1, 44, 8, 2, 0 },
            AttentionMask = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 },
            TokenTypeIds = new[] { 0, 0, 0, 0, 1, 0, 0, 1, 1, 0 },
            MaskedLmPositions = new[] { 1, 3, 2, 3 },
            MaskedLmIds = new[] { 5, 2, 27, 8 },
            MaskedLmWeights = new[] { 1f, 1f, 1f, 1f },
            NextSentenceLabels = new[] { 1, 1 },
        },
    };

    [Fact]
    public void TorchFlavourFollowsHuggingFaceTrainerSteps()
    {
        Dictionary<string, ParameterTensor> initial = RandomParameters(17);
        TrainingTrajectory expected;
        using (var oracle = new TorchBert(Config, initial, TorchSharp.torch.ScalarType.Float32))
        {
            expected = TorchAdamWOracle.Run(oracle, Batches, Steps, new AdamSettings { Eps = 1e-8, WeightDecay = 0.01, MaxGradNorm = 1.0 }, new OracleSchedule(1e-2, 3, Steps));
        }

        var options = new TrainerOptions { Steps = Steps, Schedule = new Schedule(1e-2, 3, Steps), Optimizer = AdamWSettings.Torch };
        Compare(initial, options, expected);
    }

    [Fact]
    public void OriginalFlavourFollowsOriginalBertSteps()
    {
        Dictionary<string, ParameterTensor> initial = RandomParameters(23);
        TrainingTrajectory expected;
        using (var oracle = new TorchBert(Config, initial, TorchSharp.torch.ScalarType.Float32))
        {
            expected = BertAdamWeightDecayOptimizer.Train(oracle, Batches, Steps, new AdamSettings { Eps = 1e-6, WeightDecay = 0.01, MaxGradNorm = 1.0 }, new OracleSchedule(1e-2, 3, Steps, OriginalBertDecay: true));
        }

        var options = new TrainerOptions { Steps = Steps, Schedule = new Schedule(1e-2, 3, Steps, LearningRateDecay.OriginalBert), Optimizer = AdamWSettings.OriginalBert };
        Compare(initial, options, expected);
    }

    private static void Compare(Dictionary<string, ParameterTensor> initial, TrainerOptions options, TrainingTrajectory expected)
    {
        using var model = new TorchBertTrainableModel(Config, initial);
        var sink = new RecordingMetricsSink();
        using (var trainer = new Trainer(model, new CyclingBatchSource(Batches), options, sink: sink))
        {
            trainer.Run();
        }

        // Both sides compute the model in float32 libtorch from the same parameters; they differ only in the
        // optimiser's arithmetic (float FMA here, torch's kernels or the double oracle there): ~1e-7 relative per
        // step, carried through ten steps of a nonlinear model. 2e-5 relative bounds that with margin, while a wrong
        // schedule step, clip rule or decay group changes losses and weights at 1e-3 or more.
        for (int t = 0; t < Steps; t++)
        {
            Assert.True(Math.Abs(sink.Steps[t].Loss - expected.Losses[t]) <= 2e-5 * Math.Abs(expected.Losses[t]), $"step {t}: loss {sink.Steps[t].Loss:R}, oracle {expected.Losses[t]:R}");
            Assert.True(Math.Abs(sink.Steps[t].GradientNorm - expected.GradientNorms[t]) <= 2e-5 * expected.GradientNorms[t], $"step {t}: norm {sink.Steps[t].GradientNorm:R}, oracle {expected.GradientNorms[t]:R}");
            Assert.Equal(expected.LearningRates[t], sink.Steps[t].LearningRate, 1e-18);
        }

        Assert.Contains(sink.Steps, s => s.ClipFactor < 1);
        // Accuracies come from counts: two sequences per step, three or four real masked positions.
        Assert.All(sink.Steps, s => Assert.Contains(s.NextSentenceAccuracy, new[] { 0.0, 0.5, 1.0 }));
        Assert.All(sink.Steps, s => Assert.InRange(s.MaskedLmAccuracy, 0.0, 1.0));
        IReadOnlyDictionary<string, float[]> last = expected.ParametersAfterStep[^1];
        foreach (ParameterInfo p in model.ParameterTable)
        {
            // The key bias adds q·b_k to every score of a query, which softmax cancels: its gradient is exactly 0
            // in real arithmetic and float rounding noise (~1e-9) in practice, which Adam's m/√v normalises into
            // ±lr-sized steps of arbitrary sign on either side. No implementation can be compared there.
            if (p.Name.EndsWith("attention.self.key.bias", StringComparison.Ordinal))
            {
                continue;
            }

            float[] actual = model.Parameters.Slice(p.Offset, (int)p.Length).ToArray();
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - last[p.Name][i]) <= 2e-5 * Math.Abs(last[p.Name][i]) + 1e-6, $"{p.Name}[{i}]: {actual[i]:R}, oracle {last[p.Name][i]:R}");
            }
        }
    }

    private static Dictionary<string, ParameterTensor> RandomParameters(ulong seed)
    {
        // Every tensor away from its HF initial value, weights large enough that GELU is nonlinear.
        var random = new SeededRandom(seed);
        var result = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in BertParameterLayout.For(Config))
        {
            bool layerNorm = name.Contains("LayerNorm", StringComparison.Ordinal);
            bool bias = name.EndsWith("bias", StringComparison.Ordinal);
            float[] values = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++)
            {
                double z = random.NextGaussian();
                values[i] = (float)(layerNorm && !bias ? 1.0 + 0.2 * z : bias ? 0.1 * z : 0.3 * z);
            }

            result.Add(name, new ParameterTensor(shape, values));
        }

        return result;
    }

    /// <summary>The oracle's batches in turn, as the oracle loops use them (step t takes batch t mod count).</summary>
    private sealed class CyclingBatchSource(BertInputs[] batches) : ITrainingBatchSource
    {
        private int _next;

        public int BatchSize => batches[0].BatchSize;

        public int SequenceLength => batches[0].SequenceLength;

        public int Epoch => _next / batches.Length;

        public TrainingBatch CreateBatch() => new()
        {
            InputIds = new int[BatchSize * SequenceLength],
            AttentionMask = new int[BatchSize * SequenceLength],
            TokenTypeIds = new int[BatchSize * SequenceLength],
            MaskedLmPositions = new int[batches[0].MaskedLmPositions!.Length],
            MaskedLmIds = new int[batches[0].MaskedLmIds!.Length],
            MaskedLmWeights = new float[batches[0].MaskedLmWeights!.Length],
            NextSentenceLabels = new int[BatchSize],
        };

        public void Next(TrainingBatch batch)
        {
            BertInputs b = batches[_next++ % batches.Length];
            b.InputIds.CopyTo(batch.InputIds, 0);
            b.AttentionMask!.CopyTo(batch.AttentionMask, 0);
            b.TokenTypeIds!.CopyTo(batch.TokenTypeIds, 0);
            b.MaskedLmPositions!.CopyTo(batch.MaskedLmPositions, 0);
            b.MaskedLmIds!.CopyTo(batch.MaskedLmIds, 0);
            b.MaskedLmWeights!.CopyTo(batch.MaskedLmWeights, 0);
            b.NextSentenceLabels!.CopyTo(batch.NextSentenceLabels, 0);
        }

        public byte[] SaveState() => BitConverter.GetBytes(_next);

        public void RestoreState(ReadOnlySpan<byte> state) => _next = BitConverter.ToInt32(state);
    }
}
