using System;
using System.Linq;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;
using BertGen.Runtime.Kernels;
using Gemm = BertGen.Runtime.CompilerServices.Gemm;
using Xunit;
using RuntimeActivation = BertGen.Runtime.CompilerServices.Activation;
using RuntimeObjective = BertGen.Runtime.Training.TrainingObjective;

namespace BertGen.Generator.Tests;

/// <summary>
/// What the generator knows about the runtime, held against the runtime itself: the constants its plans are sized
/// by (<see cref="RuntimeContract"/>), the names generated code uses for activations, objectives and parameter
/// roles, and the types its file-level aliases point at. A change on one side fails here, not in a user's build.
/// </summary>
public sealed class RuntimeContractTests
{
    [Fact]
    public void PackingAndSplitConstantsMirrorTheRuntime()
    {
        Assert.Equal(PackedPanels.PanelWidth, RuntimeContract.PanelWidth);
        Assert.Equal(Gemm.MinimumFlopsToSplit, RuntimeContract.MinimumFlopsToSplit);
        foreach (int n in new[] { 1, 2, 47, 48, 49, 384, 1152, 30522 })
        {
            foreach (int k in new[] { 1, 7, 64, 128, 3072 })
            {
                Assert.Equal(PackedPanels.PackedLength(n, k), RuntimeContract.PackedLength(n, k));
            }
        }

        Assert.Equal(BertGen.Runtime.Kernels.Attention.AttentionGeometry.RowBlock, RuntimeContract.AttentionRowBlock);
        foreach ((int s, int dh) in new[] { (1, 1), (16, 32), (128, 32), (128, 64), (384, 64), (512, 64), (77, 48) })
        {
            Assert.Equal(BertGen.Runtime.CompilerServices.AttentionKernels.ForwardScratchPerPart(s, dh), RuntimeContract.AttentionForwardScratchPerPart(s, dh));
            Assert.Equal(BertGen.Runtime.CompilerServices.AttentionKernels.BackwardScratchPerPart(s, dh), RuntimeContract.AttentionBackwardScratchPerPart(s, dh));
            Assert.Equal(BertGen.Runtime.CompilerServices.AttentionKernels.StatisticsLength(3, 12, s), RuntimeContract.AttentionStatisticsLength(3, 12, s));
            Assert.Equal(BertGen.Runtime.CompilerServices.AttentionKernels.ExponentialsLength(3, 12, s), RuntimeContract.AttentionExponentialsLength(3, 12, s));
        }
    }

    [Fact]
    public void Int8SizesMirrorTheRuntime()
    {
        foreach (int n in new[] { 1, 2, 47, 48, 49, 384, 1152, 30522 })
        {
            foreach (int k in new[] { 1, 3, 4, 5, 63, 64, 65, 384, 1536 })
            {
                Assert.Equal(BertGen.Runtime.CompilerServices.Int8Kernels.PackedBytes(n, k), RuntimeContract.QuantizedPackedBytes(n, k));
                Assert.Equal(BertGen.Runtime.CompilerServices.Int8Kernels.ScratchBytes(n, k), RuntimeContract.QuantizedRowsBytes(n, k));
            }
        }
    }

    [Fact]
    public void EveryPrecisionIsTheRuntimesMemberForMember()
    {
        Assert.Equal(Enum.GetNames<BertGen.Runtime.Inference.Precision>(), Precisions.All.Select(p => p.RuntimeName));
    }

    [Fact]
    public void EveryActivationNameIsOneTheRuntimeHas()
    {
        string[] runtime = Enum.GetNames<RuntimeActivation>();
        Assert.All(Activations.All, a => Assert.Contains(a.RuntimeName, runtime));
        Assert.Contains(Activations.PoolerRuntimeName, runtime);

        // And every runtime activation but the identity is reachable from a spec or is the pooler's.
        string[] generator = Activations.All.Select(a => a.RuntimeName).Append(Activations.PoolerRuntimeName).ToArray();
        Assert.Equal(runtime.Where(n => n != nameof(RuntimeActivation.None)).OrderBy(n => n, StringComparer.Ordinal), generator.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void ObjectivesAndParameterRolesAreTheRuntimesMemberForMember()
    {
        Assert.Equal(Enum.GetNames<RuntimeObjective>(), Enum.GetNames<TrainingObjective>());
        Assert.Equal(Enum.GetNames<BertGen.Runtime.ParameterKind>(), Enum.GetNames<ParameterRole>());
    }

    [Fact]
    public void EveryAliasNamesAPublicRuntimeType()
    {
        System.Reflection.Assembly runtime = typeof(BertGen.Runtime.ParameterInfo).Assembly;
        foreach ((string alias, string type) in RuntimeTypes.All)
        {
            Type? resolved = runtime.GetType(type.Replace("global::", string.Empty));
            Assert.True(resolved is { IsPublic: true }, $"alias {alias} points at {type}, which is not a public runtime type");
        }
    }
}
