using System;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BertGen.Training.Runtime.Tests;

/// <summary>The global norm and clip factor against torch's <c>clip_grad_norm_</c>, and the TF rule's closed form.</summary>
public sealed class GradientClippingTests
{
    [Theory]
    [InlineData(0.005)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void MatchesClipGradNorm(double scale)
    {
        ParameterInfo[] table = OptimizerTestTensors.Table;
        using AlignedBuffer gradients = OptimizerTestTensors.RandomBuffer(99, scale);
        using DisposeScope scope = torch.NewDisposeScope();
        var parameters = table.Select(p =>
        {
            var parameter = new TorchSharp.Modules.Parameter(torch.zeros(p.Shape.Select(d => (long)d).ToArray()), requires_grad: true);
            (parameter * torch.tensor(OptimizerTestTensors.Values(gradients, p), p.Shape.Select(d => (long)d).ToArray())).sum().backward();
            return parameter;
        }).ToArray();

        double torchNorm = nn.utils.clip_grad_norm_(parameters, 1.0, 2.0);
        double norm = GradientClipping.GlobalNorm(table, gradients);
        double factor = GradientClipping.ClipFactor(norm, 1.0, GradientClippingRule.TorchClipGradNorm);

        // torch reduces in float32 (relative error ~1e-7 here); this runtime in double.
        Assert.True(Math.Abs(norm - torchNorm) <= 1e-6 * torchNorm, $"norm {norm:R}, torch {torchNorm:R}");
        for (int t = 0; t < table.Length; t++)
        {
            float[] clipped = parameters[t].grad!.data<float>().ToArray();
            float[] raw = OptimizerTestTensors.Values(gradients, table[t]);
            for (int i = 0; i < raw.Length; i++)
            {
                // The factor is a float32 tensor in torch: 1e-6 relative covers its rounding and the norm's.
                float mine = raw[i] * (float)factor;
                Assert.True(Math.Abs(mine - clipped[i]) <= 1e-6 * Math.Abs(clipped[i]) + 1e-12, $"{table[t].Name}[{i}]: {mine:R} vs torch {clipped[i]:R}");
            }
        }
    }

    [Fact]
    public void EveryVectorWidthGivesTheSameNorm()
    {
        using AlignedBuffer gradients = OptimizerTestTensors.RandomBuffer(5, 1.0);
        double scalar = GradientClipping.GlobalNorm(OptimizerTestTensors.Table, gradients, VectorWidth.Scalar);
        double exact = Math.Sqrt(OptimizerTestTensors.Table.Sum(p => OptimizerTestTensors.Values(gradients, p).Sum(g => (double)g * g)));

        // Double sums of ~1100 float squares in different orders: 1e-13 relative is ~1000 double ulps of slack.
        Assert.Equal(exact, scalar, exact * 1e-13);
        Assert.Equal(exact, GradientClipping.GlobalNorm(OptimizerTestTensors.Table, gradients, VectorWidth.Bits256), exact * 1e-13);
        Assert.Equal(exact, GradientClipping.GlobalNorm(OptimizerTestTensors.Table, gradients, VectorWidth.Bits512), exact * 1e-13);
    }

    [Fact]
    public void TensorFlowRuleHasNoEpsilon()
    {
        Assert.Equal(0.5, GradientClipping.ClipFactor(2.0, 1.0, GradientClippingRule.TensorFlowClipByGlobalNorm));
        Assert.Equal(1.0, GradientClipping.ClipFactor(0.999, 1.0, GradientClippingRule.TensorFlowClipByGlobalNorm));
        Assert.Equal(1.0 / (2.0 + 1e-6), GradientClipping.ClipFactor(2.0, 1.0, GradientClippingRule.TorchClipGradNorm));
        Assert.Equal(1.0, GradientClipping.ClipFactor(5.0, 0.0, GradientClippingRule.TorchClipGradNorm));
    }
}
