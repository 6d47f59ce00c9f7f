using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Threading;
using Xunit;

namespace BertGen.Kernels.Tests.Attention;

/// <summary>
/// The fused attention forward and backward against the double reference (<see cref="ReferenceAttention"/>, with
/// its derived bound), against the unfused GEMM + softmax sequence the generated code runs today, and across
/// thread counts.
/// </summary>
public sealed unsafe class FusedAttentionTests
{
    private const ulong Seed = 0x5EED_0001UL;
    private const int Site = 17;

    public static TheoryData<int, int, int, int, float> Shapes => new()
    {
        // batch, sequence, heads, head size, dropout
        { 1, 37, 2, 24, 0f },     // one partial query block, odd head size
        { 3, 77, 2, 32, 0.1f },   // three blocks (77 = 2·32 + 13); sequence 1 padded from 40, sequence 2 fully padded
        { 1, 130, 1, 64, 0.1f },  // five blocks, the last of 2 rows
        { 3, 16, 3, 64, 0.5f },   // a block longer than the sequence
        { 2, 50, 1, 20, 0.1f },   // a head size of no whole 8-column square (the element-wise transpose tail)
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesTheReferenceOnEveryPath(int batch, int sequence, int heads, int headSize, float dropout)
    {
        var input = new AttentionInput(batch, sequence, heads, headSize, seed: sequence);
        ReferenceAttention reference = ReferenceAttention.Compute(batch, sequence, heads, headSize, input.Qkv, input.MaskBias, null, dropout, Seed, Site);
        ReferenceAttention evaluation = ReferenceAttention.Compute(batch, sequence, heads, headSize, input.Qkv, input.MaskBias, null, 0f, Seed, Site);
        foreach (GemmPath path in Paths)
        {
            AssertWithin(reference.Context, reference.ContextBound, input.RunFused(dropout, null, path).Context, 2, $"training context, {path}");
            AttentionResult inference = input.RunFused(0f, null, path, inference: true);
            AssertWithin(evaluation.Context, evaluation.ContextBound, inference.Context, 2, $"inference context, {path}");
            Assert.Equal(input.RunFused(0f, null, path).Context, inference.Context); // training at p = 0 is the inference forward
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardMatchesTheReferenceOnEveryPath(int batch, int sequence, int heads, int headSize, float dropout)
    {
        var input = new AttentionInput(batch, sequence, heads, headSize, seed: sequence + 1);
        ReferenceAttention reference = ReferenceAttention.Compute(batch, sequence, heads, headSize, input.Qkv, input.MaskBias, input.DContext, dropout, Seed, Site);
        foreach (GemmPath path in Paths)
        {
            AttentionResult fused = input.RunFused(dropout, null, path);
            AssertWithin(reference.DQkv, reference.DQkvBound, fused.DQkv, 2, $"d_qkv, {path}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SavedExponentialsGiveTheRecomputedGradientsBitForBit(int batch, int sequence, int heads, int headSize, float dropout)
    {
        var input = new AttentionInput(batch, sequence, heads, headSize, seed: sequence + 3);
        foreach (GemmPath path in Paths)
        {
            AttentionResult recomputed = input.RunFused(dropout, null, path);
            AttentionResult saved = input.RunFused(dropout, null, path, saveExponentials: true);
            Assert.Equal(recomputed.Context, saved.Context);
            Assert.Equal(recomputed.DQkv, saved.DQkv);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ThreadCountDoesNotChangeAnyBit(int batch, int sequence, int heads, int headSize, float dropout)
    {
        var input = new AttentionInput(batch, sequence, heads, headSize, seed: sequence + 2);
        AttentionResult one = input.RunFused(dropout, null, GemmPath.Auto);
        foreach (int threads in new[] { 2, 3 })
        {
            using ComputePool pool = new(threads);
            AttentionResult many = input.RunFused(dropout, pool, GemmPath.Auto, saveExponentials: threads == 3);
            Assert.Equal(one.Context, many.Context);
            Assert.Equal(one.Statistics, many.Statistics);
            Assert.Equal(one.DQkv, many.DQkv);
        }
    }

    [Theory]
    [InlineData(2, 128, 2, 64, 0.1f)] // BERT-tiny's attention, two sequences of its training shape
    [InlineData(1, 128, 12, 32, 0.1f)] // MiniLM's heads
    [InlineData(2, 45, 2, 64, 0f)]   // padding, no dropout (evaluation)
    public void TrainingVariantMatchesTodaysAttention(int batch, int sequence, int heads, int headSize, float dropout)
    {
        var input = new AttentionInput(batch, sequence, heads, headSize, seed: 7);
        AttentionResult fused = input.RunFused(dropout, null, GemmPath.Auto);
        AttentionResult today = input.RunUnfused(dropout);

        // Both are float computations of the same reference, each within twice its bound of it: together within four
        // times. A dropout mask differing in one element would move a context value by about P·|v| ≈ 1/s, far outside.
        ReferenceAttention reference = ReferenceAttention.Compute(batch, sequence, heads, headSize, input.Qkv, input.MaskBias, input.DContext, dropout, Seed, Site);
        AssertWithin(Array.ConvertAll(today.Context, x => (double)x), reference.ContextBound, fused.Context, 4, "context against today's");
        AssertWithin(Array.ConvertAll(today.DQkv, x => (double)x), reference.DQkvBound, fused.DQkv, 4, "d_qkv against today's");
    }

    private static GemmPath[] Paths =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? [GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar]
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? [GemmPath.Avx2, GemmPath.Scalar] : [GemmPath.Scalar];

    private static void AssertWithin(double[] expected, double[] bound, float[] actual, double factor, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = (factor * bound[i]) + 1e-30;
            Assert.True(error <= allowed, $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} ± {allowed:E3} (error {error:E3})");
        }
    }
}
