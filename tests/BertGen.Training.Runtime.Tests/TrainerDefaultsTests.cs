using System;
using System.Linq;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>What a <see cref="Trainer"/> does with what a package user leaves out.</summary>
public sealed class TrainerDefaultsTests
{
    private const long Steps = 6;

    private static TrainerOptions Options() => new()
    {
        Steps = Steps,
        Schedule = new LinearWarmupDecaySchedule(0.05, warmupSteps: 1, totalSteps: Steps),
        Optimizer = AdamWSettings.Torch,
        Seed = 2024,
    };

    [Fact]
    public void WithoutAPoolTheOptimiserStepsOnTheModelsOwnThreads()
    {
        // A null pool once meant the calling thread alone. 20,000 × 8 embedding floats are enough for AdamW to split its
        // step over a pool of 2 (each part gets at least 65,536), and the gradient norm it clips by is then summed in two
        // partial sums instead of one: its last bits tell which threads the trainer gave the optimiser.
        (double[] Norms, float[] Parameters) Train(Func<BagOfEmbeddingsClassifier, ComputePool?> pool)
        {
            using var model = new BagOfEmbeddingsClassifier(20_000, 8, SyntheticClassificationData.Classes, dropout: 0.2, initSeed: 1, threads: 2);
            var sink = new RecordingMetricsSink();
            using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(), sink: sink, pool: pool(model)))
            {
                trainer.Run();
            }

            return (sink.Steps.Select(s => s.GradientNorm).ToArray(), model.Parameters.AsSpan().ToArray());
        }

        using var oneThread = new ComputePool(1);
        (double[] Norms, float[] Parameters) omitted = Train(_ => null);
        (double[] Norms, float[] Parameters) modelPool = Train(model => model.Pool);
        (double[] Norms, float[] Parameters) single = Train(_ => oneThread);

        // The two orders differ on this model (else the test could not tell them apart) …
        Assert.NotEqual(Bits(single.Norms), Bits(modelPool.Norms));

        // … and leaving the pool out is passing the model's own, bit for bit.
        Assert.Equal(Bits(modelPool.Norms), Bits(omitted.Norms));
        Assert.Equal(modelPool.Parameters.Select(BitConverter.SingleToInt32Bits), omitted.Parameters.Select(BitConverter.SingleToInt32Bits));
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
