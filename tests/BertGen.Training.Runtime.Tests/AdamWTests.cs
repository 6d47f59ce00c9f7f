using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.TorchOracle;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using OracleSchedule = BertGen.TorchOracle.LinearWarmupDecaySchedule;
using Schedule = BertGen.Runtime.Optimization.LinearWarmupDecaySchedule;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// Ten AdamW steps over several tensors (decayed and not) against libtorch's <c>torch.optim.AdamW</c> with
/// <c>clip_grad_norm_</c>, and against the original BERT optimiser oracle with TensorFlow clipping, as llm.c checks
/// its optimiser against PyTorch. Gradient scales vary per step so clipping is active on some steps and not others.
/// </summary>
public sealed class AdamWTests
{
    private const int Steps = 10;

    // Per-step gradient standard deviation: ~1100 elements give a norm of about 33·scale, so steps with scale
    // 0.005 and 0.02 are under the clip bound 1.0 and the others are clipped.
    private static readonly double[] GradientScales = { 0.005, 0.5, 0.02, 2.0, 0.005, 0.1, 0.02, 1.0, 0.005, 0.3 };

    private static AlignedBuffer Gradient(int step) => OptimizerTestTensors.RandomBuffer(1000 + (ulong)step, GradientScales[step]);

    [Theory]
    [InlineData(AdamWFlavor.Torch)]
    [InlineData(AdamWFlavor.OriginalBert)]
    public void PartOptimisers_GivenTheGlobalNorm_UpdateExactlyAsTheWholeOne(AdamWFlavor flavor)
    {
        // ZeRO-1: each data-parallel process updates a part of the buffer (cut anywhere, even inside a tensor) with
        // moments for that part only; with the same clip norm every element takes the same arithmetic.
        ParameterInfo[] table = OptimizerTestTensors.Table;
        AdamWSettings settings = flavor == AdamWFlavor.Torch ? AdamWSettings.Torch : AdamWSettings.OriginalBert;
        using AlignedBuffer whole = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using AlignedBuffer parted = OptimizerTestTensors.RandomBuffer(7, 1.0);
        long cut = (whole.Length / 3) + 5;
        using var wholeOptimizer = new AdamW(table, whole.Length, settings);
        using var first = new AdamW(table, whole.Length, settings, pool: null, shardOffset: 0, shardLength: cut);
        using var second = new AdamW(table, whole.Length, settings, pool: null, shardOffset: cut, shardLength: whole.Length - cut);
        for (int t = 0; t < Steps; t++)
        {
            using AlignedBuffer gradients = Gradient(t);
            using var firstGradients = new AlignedBuffer(cut);
            using var secondGradients = new AlignedBuffer(whole.Length - cut);
            gradients.AsSpan()[..(int)cut].CopyTo(firstGradients.AsSpan());
            gradients.AsSpan()[(int)cut..].CopyTo(secondGradients.AsSpan());
            double norm = Math.Sqrt(wholeOptimizer.SumOfSquares(gradients));
            Assert.Equal(norm * norm, first.SumOfSquares(firstGradients) + second.SumOfSquares(secondGradients), 1e-12 * norm * norm);

            wholeOptimizer.Step(whole, gradients, 1e-2, norm);
            first.Step(parted, firstGradients, 1e-2, norm);
            second.Step(parted, secondGradients, 1e-2, norm);
            Assert.True(whole.AsSpan().SequenceEqual(parted.AsSpan()), $"parameters differ after step {t + 1}");
        }

        Assert.True(wholeOptimizer.FirstMoment.AsSpan()[(int)cut..].SequenceEqual(second.FirstMoment.AsSpan()));
        Assert.True(wholeOptimizer.SecondMoment.AsSpan()[..(int)cut].SequenceEqual(first.SecondMoment.AsSpan()));
    }

    [Fact]
    public void TorchFlavourTenStepsMatchTorchAdamW()
    {
        ParameterInfo[] table = OptimizerTestTensors.Table;
        var schedule = new Schedule(1e-2, warmupSteps: 3, totalSteps: Steps);
        using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using var optimizer = new AdamW(table, parameters.Length, AdamWSettings.Torch);

        using DisposeScope scope = torch.NewDisposeScope();
        var torchParameters = table.ToDictionary(
            p => p.Name,
            p => new TorchSharp.Modules.Parameter(torch.tensor(OptimizerTestTensors.Values(parameters, p), p.Shape.Select(d => (long)d).ToArray()), requires_grad: true));
        var groups = new[]
        {
            new TorchSharp.Modules.AdamW.ParamGroup(table.Where(p => p.DecaysWeight).Select(p => torchParameters[p.Name]), 0.0, 0.9, 0.999, 1e-8, 0.01, false, false),
            new TorchSharp.Modules.AdamW.ParamGroup(table.Where(p => !p.DecaysWeight).Select(p => torchParameters[p.Name]), 0.0, 0.9, 0.999, 1e-8, 0.0, false, false),
        };
        using TorchSharp.Modules.AdamW torchOptimizer = optim.AdamW(groups, 0.0, 0.9, 0.999, 1e-8, 0.01, false, false);

        int clipped = 0;
        for (int t = 0; t < Steps; t++)
        {
            using AlignedBuffer gradients = Gradient(t);

            // d/dp Σ p·G = G exactly, so torch's .grad is this step's gradient bit for bit.
            torchOptimizer.zero_grad();
            Tensor objective = torch.zeros(1);
            foreach (ParameterInfo p in table)
            {
                objective = objective + (torchParameters[p.Name] * torch.tensor(OptimizerTestTensors.Values(gradients, p), p.Shape.Select(d => (long)d).ToArray())).sum();
            }

            objective.backward();
            double torchNorm = nn.utils.clip_grad_norm_(table.Select(p => torchParameters[p.Name]), 1.0, 2.0);
            foreach (var group in torchOptimizer.ParamGroups)
            {
                group.LearningRate = schedule.At(t);
            }

            torchOptimizer.step();

            OptimizerStepResult result = optimizer.Step(parameters, gradients, schedule.At(t));
            clipped += result.ClipFactor < 1 ? 1 : 0;

            // torch sums the norm in float32, this runtime in double: 1e-6 relative covers float summation of
            // ~1100 squares (≈ √n·2⁻²⁴ ≈ 2e-6 worst case is not reached with pairwise-vectorised sums; observed < 1e-7).
            Assert.True(Math.Abs(result.GradientNorm - torchNorm) <= 1e-6 * torchNorm, $"step {t}: norm {result.GradientNorm:R}, torch {torchNorm:R}");
            foreach (ParameterInfo p in table)
            {
                float[] expected = torchParameters[p.Name].detach().data<float>().ToArray();
                AssertClose(expected, OptimizerTestTensors.Values(parameters, p), $"step {t} {p.Name}");
            }
        }

        Assert.Equal(Steps, optimizer.StepCount);
        Assert.InRange(clipped, 3, 7);
    }

    [Fact]
    public void OriginalFlavourTenStepsMatchOriginalBertOptimizer()
    {
        ParameterInfo[] table = OptimizerTestTensors.Table;
        var schedule = new Schedule(1e-2, warmupSteps: 3, totalSteps: Steps, LearningRateDecay.OriginalBert);
        using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using var optimizer = new AdamW(table, parameters.Length, AdamWSettings.OriginalBert);
        var oracle = new BertAdamWeightDecayOptimizer(new AdamSettings { Eps = 1e-6, WeightDecay = 0.01 });
        Dictionary<string, double[]> expected = table.ToDictionary(p => p.Name, p => OptimizerTestTensors.Values(parameters, p).Select(x => (double)x).ToArray());

        int clipped = 0;
        for (int t = 0; t < Steps; t++)
        {
            using AlignedBuffer gradients = Gradient(t);
            double norm = Math.Sqrt(table.Sum(p => OptimizerTestTensors.Values(gradients, p).Sum(g => (double)g * g)));
            double clip = 1.0 / Math.Max(norm, 1.0); // tf.clip_by_global_norm at 1.0
            clipped += clip < 1 ? 1 : 0;
            foreach (ParameterInfo p in table)
            {
                double[] g = OptimizerTestTensors.Values(gradients, p).Select(x => x * clip).ToArray();
                oracle.Step(p.Name, expected[p.Name], g, schedule.At(t));
            }

            OptimizerStepResult result = optimizer.Step(parameters, gradients, schedule.At(t));
            Assert.Equal(clip, result.ClipFactor, 1e-12);
            foreach (ParameterInfo p in table)
            {
                AssertClose(expected[p.Name].Select(x => (float)x).ToArray(), OptimizerTestTensors.Values(parameters, p), $"step {t} {p.Name}");
            }
        }

        Assert.InRange(clipped, 3, 7);
    }

    [Theory]
    [InlineData(AdamWFlavor.Torch)]
    [InlineData(AdamWFlavor.OriginalBert)]
    public void EveryVectorWidthGivesTheSameBits(AdamWFlavor flavor)
    {
        AdamWSettings settings = flavor == AdamWFlavor.Torch ? AdamWSettings.Torch : AdamWSettings.OriginalBert;
        var results = new List<(float[] P, float[] M, float[] V)>();
        foreach (VectorWidth width in new[] { VectorWidth.Scalar, VectorWidth.Bits256, VectorWidth.Bits512 })
        {
            using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
            using var optimizer = new AdamW(OptimizerTestTensors.Table, parameters.Length, settings, width);
            for (int t = 0; t < 4; t++)
            {
                using AlignedBuffer gradients = Gradient(t);
                optimizer.Step(parameters, gradients, 1e-2);
            }

            results.Add((Flatten(parameters), Flatten(optimizer.FirstMoment), Flatten(optimizer.SecondMoment)));
        }

        // The same fused operations in the same order at every width: bit-identical, padding included.
        for (int w = 1; w < results.Count; w++)
        {
            Assert.Equal(Bits(results[0].P), Bits(results[w].P));
            Assert.Equal(Bits(results[0].M), Bits(results[w].M));
            Assert.Equal(Bits(results[0].V), Bits(results[w].V));
        }
    }

    [Theory]
    [InlineData(AdamWFlavor.Torch)]
    [InlineData(AdamWFlavor.OriginalBert)]
    public void TwoThreadsGiveTheSameParametersAsOne(AdamWFlavor flavor)
    {
        // Large enough (≈ 370k elements) that the step is split over both threads, with the cut inside a tensor.
        ParameterInfo[] table =
        {
            new("encoder.dense.weight", 0, new[] { 1000, 301 }, ParameterKind.Weight),
            new("encoder.dense.bias", 0, new[] { 77 }, ParameterKind.Bias),
            new("embeddings.word_embeddings.weight", 0, new[] { 513, 130 }, ParameterKind.Embedding),
            new("embeddings.LayerNorm.weight", 0, new[] { 19 }, ParameterKind.LayerNormWeight),
        };
        long offset = 0;
        for (int t = 0; t < table.Length; t++)
        {
            table[t] = table[t] with { Offset = offset };
            offset = (offset + table[t].Length + 15) / 16 * 16;
        }

        // Clipping off: the norm's summation order differs between one and two parts (last bits), and with
        // clipping on that would reach the updates through the clip factor; the updates themselves must not differ.
        AdamWSettings settings = (flavor == AdamWFlavor.Torch ? AdamWSettings.Torch : AdamWSettings.OriginalBert) with { MaxGradientNorm = 0 };
        var results = new List<(float[] P, float[] M, float[] V, double Norm)>();
        using var pool = new BertGen.Runtime.Threading.ComputePool(2);
        foreach (BertGen.Runtime.Threading.ComputePool? threads in new[] { null, pool })
        {
            using var parameters = new AlignedBuffer(offset);
            using var gradients = new AlignedBuffer(offset);
            var random = new SeededRandom(8);
            Span<float> values = parameters.AsSpan(), grads = gradients.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)random.NextGaussian();
                grads[i] = (float)(0.01 * random.NextGaussian());
            }

            using var optimizer = new AdamW(table, offset, settings, threads);
            double expectedNorm = GradientClipping.GlobalNorm(table, gradients);
            double norm = 0;
            for (int t = 0; t < 3; t++)
            {
                norm = optimizer.Step(parameters, gradients, 1e-2).GradientNorm;
            }

            // Against the table-walking norm (an independent path): every element counted once, by both parts.
            Assert.Equal(expectedNorm, norm, expectedNorm * 1e-13);

            results.Add((Flatten(parameters), Flatten(optimizer.FirstMoment), Flatten(optimizer.SecondMoment), norm));
        }

        // Double sums of 370k squares in two groupings: 1e-13 relative is far above their rounding (~1e-15).
        Assert.Equal(results[0].Norm, results[1].Norm, results[0].Norm * 1e-13);
        Assert.Equal(Bits(results[0].P), Bits(results[1].P));
        Assert.Equal(Bits(results[0].M), Bits(results[1].M));
        Assert.Equal(Bits(results[0].V), Bits(results[1].V));
    }

    [Theory]
    [InlineData(AdamWFlavor.Torch)]
    [InlineData(AdamWFlavor.OriginalBert)]
    public void StepAllocatesNothing(AdamWFlavor flavor)
    {
        using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using AlignedBuffer gradients = Gradient(1);
        using var optimizer = new AdamW(OptimizerTestTensors.Table, parameters.Length, flavor == AdamWFlavor.Torch ? AdamWSettings.Torch : AdamWSettings.OriginalBert);
        optimizer.Step(parameters, gradients, 1e-3); // first call JIT-compiles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            optimizer.Step(parameters, gradients, 1e-3);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void NonFiniteGradientThrowsAndLeavesParametersUnchanged()
    {
        using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using var optimizer = new AdamW(OptimizerTestTensors.Table, parameters.Length, AdamWSettings.Torch);
        using AlignedBuffer gradients = Gradient(0);
        ParameterInfo bias = OptimizerTestTensors.Table[4];
        gradients.Slice(bias.Offset + 3, 1)[0] = float.PositiveInfinity;
        float[] before = Flatten(parameters);

        OptimizationException error = Assert.Throws<OptimizationException>(() => optimizer.Step(parameters, gradients, 1e-3));
        Assert.Contains("gradient norm", error.Message, StringComparison.Ordinal);
        Assert.Equal(Bits(before), Bits(Flatten(parameters)));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void MismatchedBufferIsRefused()
    {
        using AlignedBuffer parameters = OptimizerTestTensors.RandomBuffer(7, 1.0);
        using var optimizer = new AdamW(OptimizerTestTensors.Table, parameters.Length, AdamWSettings.Torch);
        using var shortGradients = new AlignedBuffer(parameters.Length - 16);
        Assert.Throws<OptimizationException>(() => optimizer.Step(parameters, shortGradients, 1e-3));
        Assert.Throws<OptimizationException>(() => new AdamW(OptimizerTestTensors.Table, 100, AdamWSettings.Torch));
    }

    /// <summary>
    /// 1e-6 relative (floor 1e-7 absolute for values near 0): float parameters of magnitude ~1 carry 6e-8 of
    /// rounding per step, so ten steps stay within ~6e-7, while a missing bias correction (3× the step-1 move),
    /// decay applied to a LayerNorm tensor (lr·wd·p ≈ 1e-4) or a wrong clip factor miss it by orders of magnitude.
    /// </summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Math.Max(1e-6 * Math.Abs(expected[i]), 1e-7);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static float[] Flatten(AlignedBuffer buffer) => buffer.AsSpan().ToArray();

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
