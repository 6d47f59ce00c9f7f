using System;
using System.Threading;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>The compute pool, and threaded GEMMs being bitwise equal to single-threaded ones.</summary>
public sealed unsafe class ThreadingTests
{
    private static ComputePool? s_nestedPool;

    [Theory]
    [InlineData(128, 768, 768)]  // 16 panels: split by panels
    [InlineData(37, 72, 200)]    // 5 panels on 2 threads: split by 8-row tiles
    [InlineData(9, 300, 49)]     // 2 panels, 2 tiles
    [InlineData(3, 40, 130)]     // 1 tile, 3 panels
    [InlineData(16, 32, 96)]     // below the split threshold: one part
    public void ThreadedLinearIsBitwiseEqual(int m, int k, int n)
    {
        float[] x = ReferenceMath.RandomArray(m * k, 41);
        float[] w = ReferenceMath.RandomArray(n * k, 42);
        float[] bias = ReferenceMath.RandomArray(n, 43);
        using ComputePool pool = new(2);
        foreach (GemmPath path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar })
        {
            fixed (float* pb = bias)
            {
                GemmEpilogue epilogue = GemmEpilogue.None.WithBias(pb).WithActivation(Activation.GeluErf);
                float[] single = GemmHarness.Linear(m, n, k, x, k, w, new float[m * n], epilogue, null, path);
                float[] threaded = GemmHarness.Linear(m, n, k, x, k, w, new float[m * n], epilogue, pool, path);
                Assert.Equal(single, threaded);
            }
        }
    }

    [Theory]
    [InlineData(128, 64)]
    [InlineData(37, 32)]
    [InlineData(256, 64)] // N = 256: rows split, panels packed by both threads first
    public void ThreadedOnTheFlyFormsAreBitwiseEqual(int s, int dh)
    {
        float[] a = ReferenceMath.RandomArray(s * s, 44);
        float[] b = ReferenceMath.RandomArray(s * s, 45);
        using ComputePool pool = new(2);
        float[] scratch = new float[PackedPanels.PackedLength(s, s)];
        float[][] results = new float[6][];
        for (int run = 0; run < 2; run++)
        {
            ComputePool? p = run == 0 ? null : pool;
            float[] scores = new float[s * s];
            float[] context = new float[s * dh];
            float[] dw = new float[s * s];
            fixed (float* pa = a, pb = b, ps = scores, pc = context, pw = dw, pk = scratch)
            {
                Gemm.MultiplyTransposedB(s, s, dh, pa, s, pb, s, ps, s, pk, GemmEpilogue.None.WithAlpha(0.3f), p);
                Gemm.Multiply(s, dh, s, pa, s, pb, s, pc, dh, pk, GemmEpilogue.None, p);
                Gemm.MultiplyTransposedA(s, s, dh, pa, s, pb, s, pw, s, pk, GemmEpilogue.AccumulateIntoC, p);
            }

            results[(run * 3) + 0] = scores;
            results[(run * 3) + 1] = context;
            results[(run * 3) + 2] = dw;
        }

        Assert.Equal(results[0], results[3]);
        Assert.Equal(results[1], results[4]);
        Assert.Equal(results[2], results[5]);
    }

    [Theory]
    [InlineData(0)]    // workers block after every dispatch: exercises the sleep/wake hand-off
    [InlineData(200)]  // workers spin between dispatches
    public void EveryPartRunsExactlyOnceAcrossManyDispatches(int spinMicroseconds)
    {
        using ComputePool pool = new(3, spinMicroseconds);
        long* counts = stackalloc long[3];
        for (int d = 1; d <= 2000; d++)
        {
            int parts = 2 + (d % 2);
            pool.Run(&CountPart, counts, parts);
            if (d % 7 == 0)
            {
                Thread.Sleep(0);
            }
        }

        // 1000 dispatches of 2 parts and 1000 of 3: parts 0 and 1 ran 2000 times, part 2 ran 1000.
        Assert.Equal(2000, counts[0]);
        Assert.Equal(2000, counts[1]);
        Assert.Equal(1000, counts[2]);
    }

    [Fact]
    public void WorkerExceptionIsRethrownOnTheCaller()
    {
        using ComputePool pool = new(2);
        InvalidTimeZoneException e = Assert.Throws<InvalidTimeZoneException>(() => pool.Run(&ThrowOnPartOne, null, 2));
        Assert.Equal("part 1", e.Message);

        // The pool still works afterwards.
        long* counts = stackalloc long[3];
        pool.Run(&CountPart, counts, 2);
        Assert.Equal(1, counts[1]);
    }

    [Fact]
    public void RejectsMisuse()
    {
        Assert.Throws<ComputePoolException>(() => new ComputePool(0));
        ComputePool pool = new(2);
        Assert.Throws<ComputePoolException>(() => pool.Run(&CountPart, null, 3));
        Assert.Throws<ComputePoolException>(() => pool.Run(null, null, 1));
        s_nestedPool = pool;
        Assert.Throws<ComputePoolException>(() => pool.Run(&Nested, null, 1));
        pool.Dispose();
        Assert.Throws<ComputePoolException>(() => pool.Run(&CountPart, null, 1));
    }

    [Fact]
    public void SplitPlanDependsOnlyOnShape()
    {
        Assert.Equal((2, true), Gemm.PlanSplit(128, 768, 768, 2));   // 16 panels
        Assert.Equal((2, false), Gemm.PlanSplit(128, 128, 128, 2));  // 3 panels, 16 tiles
        Assert.Equal((1, true), Gemm.PlanSplit(5, 40, 768, 2));      // one tile, one panel
        Assert.Equal((1, true), Gemm.PlanSplit(128, 768, 768, 1));
        Assert.Equal((1, true), Gemm.PlanSplit(16, 96, 32, 2));      // 98k flops: not worth a hand-off
        Assert.Equal((2, false), Gemm.PlanSplit(1024, 256, 1024, 2)); // 5⅓ panels: 144 vs 112 columns, so rows
        Assert.Equal((2, true), Gemm.PlanSplit(1024, 1024, 256, 2));  // 21⅓ panels: 528 vs 496 columns, within 10%
        Assert.Equal((2, true), Gemm.PlanSplit(4, 256, 1024, 2));     // one tile: unbalanced panels still beat one thread
    }

    private static void CountPart(void* context, int part, int parts)
    {
        Interlocked.Increment(ref ((long*)context)[part]);
    }

    private static void ThrowOnPartOne(void* context, int part, int parts)
    {
        if (part == 1)
        {
            throw new InvalidTimeZoneException("part 1");
        }
    }

    private static void Nested(void* context, int part, int parts)
    {
        s_nestedPool!.Run(&CountPart, null, 1);
    }
}
