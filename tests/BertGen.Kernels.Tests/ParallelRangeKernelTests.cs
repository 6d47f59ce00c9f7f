using System;
using System.Linq;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>
/// The elementwise and row-wise kernels a training step splits over the pool (activations, dropout, LayerNorm
/// forward, weight packing): each threaded call is bitwise equal to the single-threaded one at sizes large
/// enough to split, with tails that are not multiples of the vector width; and the chunking itself covers every
/// index exactly once.
/// </summary>
public sealed unsafe class ParallelRangeKernelTests
{
    [Theory]
    [InlineData(100_003L, 16L, 2)]
    [InlineData(1_048_576L, 16L, 2)]
    [InlineData(37L, 1L, 3)]
    [InlineData(5L, 16L, 4)] // fewer granules than parts: empty chunks, still a cover
    public void ChunksCoverTheRangeOnceWithBoundariesOnTheGranule(long count, long granule, int parts)
    {
        long next = 0;
        for (int part = 0; part < parts; part++)
        {
            (long begin, long end) = ParallelRanges.Chunk(count, granule, part, parts);
            Assert.Equal(next, begin);
            Assert.True(end >= begin);
            Assert.True(end == count || end % granule == 0, $"chunk end {end} is off the granule {granule}");
            next = Math.Max(next, end);
        }

        Assert.Equal(count, next);
    }

    [Theory]
    [InlineData(Activation.GeluErf)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    public void ThreadedActivationsAreBitwiseEqual(Activation activation)
    {
        const int Count = 200_003; // two parts on two threads, a scalar tail of 3
        float[] pre = ReferenceMath.RandomArray(Count, 51).Select(v => v * 4f).ToArray();
        float[] gradient = ReferenceMath.RandomArray(Count, 52);
        using var pool = new ComputePool(2);
        float[] forwardSingle = new float[Count], forwardThreaded = new float[Count];
        float[] backwardSingle = (float[])gradient.Clone(), backwardThreaded = (float[])gradient.Clone();
        fixed (float* pp = pre, fs = forwardSingle, ft = forwardThreaded, bs = backwardSingle, bt = backwardThreaded)
        {
            ActivationKernels.Forward(activation, pp, fs, Count);
            ActivationKernels.Forward(activation, pp, ft, Count, pool);
            ActivationKernels.Backward(activation, pp, bs, Count);
            ActivationKernels.Backward(activation, pp, bt, Count, pool);
        }

        Assert.Equal(forwardSingle, forwardThreaded);
        Assert.Equal(backwardSingle, backwardThreaded);
        Assert.Equal(Activations.Apply(activation, pre[Count - 1]), forwardThreaded[Count - 1]);
    }

    [Fact]
    public void ThreadedDropoutDrawsTheSameMaskAndAddsTheResidual()
    {
        const int Count = 150_001;
        float[] x = ReferenceMath.RandomArray(Count, 61);
        float[] residual = ReferenceMath.RandomArray(Count, 62);
        using var pool = new ComputePool(2);
        float[] single = (float[])x.Clone(), threaded = (float[])x.Clone();
        float[] addSingle = (float[])x.Clone(), addThreaded = (float[])x.Clone();
        fixed (float* s = single, t = threaded, a = addSingle, b = addThreaded, r = residual)
        {
            Dropout.Apply(s, Count, 0.1f, 1234, 7);
            Dropout.Apply(t, Count, 0.1f, 1234, 7, pool);
            Dropout.ApplyAndAdd(a, r, Count, 0.1f, 1234, 7);
            Dropout.ApplyAndAdd(b, r, Count, 0.1f, 1234, 7, pool);
        }

        Assert.Equal(single, threaded);
        Assert.Equal(addSingle, addThreaded);
        Assert.Equal(single[Count - 1] + residual[Count - 1], addThreaded[Count - 1]);
        double dropped = single.Count(v => v == 0f) / (double)Count;
        Assert.InRange(dropped, 0.09, 0.11);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void InPlaceLayerNormHandsEveryRowToTheRowKernelOnce(int threads)
    {
        // The generated inference LayerNorm is a fixed-width row kernel; InPlace only splits rows. A kernel that adds
        // 1 + γ[j]·row + β[j] to each element shows every row covered once, at its own address, with γ and β.
        const int Rows = 131, Width = 384; // 3 parts of 43–44 rows on three threads, 2 of 65–66 on two
        float[] x = new float[Rows * Width];
        float[] gamma = Enumerable.Range(0, Width).Select(j => (float)j).ToArray();
        float[] beta = Enumerable.Range(0, Width).Select(j => -0.5f * j).ToArray();
        using var pool = new ComputePool(threads);
        fixed (float* px = x, pg = gamma, pb = beta)
        {
            s_rowsBase = px;
            s_calls = 0;
            LayerNormKernels.InPlace(&MarkRows, px, Rows, Width, pg, pb, pool);
        }

        // 131 rows of 384 are ~3 × LayerNormKernels.MinimumFloatsPerPart: one kernel call per thread, up to three.
        Assert.Equal(Math.Min(threads, 3), s_calls);

        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < Width; j += 97)
            {
                Assert.Equal(1f + (gamma[j] * r) + beta[j], x[(r * Width) + j]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EmbeddingsSummedAndNormalisedInOnePassEqualTheSerialSumThenLayerNorm(int threads)
    {
        // Two sequences of 96 tokens at width 200 (not a multiple of 16): token t takes position t mod 96. The reference is
        // the serial loop generated code ran before: every row summed by the row kernel, then every row normalised.
        const int Batch = 2, Sequence = 96, Width = 200, Vocab = 50, Tokens = Batch * Sequence;
        float[] words = ReferenceMath.RandomArray(Vocab * Width, 71), positions = ReferenceMath.RandomArray(Sequence * Width, 72);
        float[] tokenTypes = ReferenceMath.RandomArray(2 * Width, 73), gamma = ReferenceMath.RandomArray(Width, 74), beta = ReferenceMath.RandomArray(Width, 75);
        int[] ids = Enumerable.Range(0, Tokens).Select(t => (t * 7) % Vocab).ToArray();
        int[] types = Enumerable.Range(0, Tokens).Select(t => t % Sequence < 40 ? 0 : 1).ToArray();
        float[] expected = new float[Tokens * Width], actual = new float[Tokens * Width];
        using var pool = new ComputePool(threads);
        fixed (float* w = words, ps = positions, tt = tokenTypes, g = gamma, b = beta, e = expected, a = actual)
        fixed (int* pi = ids, pt = types)
        {
            for (int t = 0; t < Tokens; t++)
            {
                SumRow(e + (t * Width), w + (ids[t] * Width), ps + (t % Sequence * Width), tt + (types[t] * Width));
            }

            NormaliseRows(e, Tokens, g, b);
            EmbeddingKernels.SumAndNormalize(&SumRow, &NormaliseRows, a, pi, pt, Tokens, Sequence, Width, w, ps, tt, g, b, pool);
        }

        Assert.Equal(expected, actual);
        Assert.Contains(actual, v => v != 0f);
    }

    // Stand-ins for the generated row kernels at width 200: the sum of three rows, and a two-pass LayerNorm.
    private static void SumRow(float* output, float* word, float* position, float* tokenType)
    {
        for (int j = 0; j < 200; j++)
        {
            output[j] = word[j] + position[j] + tokenType[j];
        }
    }

    private static void NormaliseRows(float* x, int rows, float* gamma, float* beta)
    {
        for (int r = 0; r < rows; r++, x += 200)
        {
            float mean = 0f, variance = 0f;
            for (int j = 0; j < 200; j++)
            {
                mean += x[j];
            }

            mean /= 200;
            for (int j = 0; j < 200; j++)
            {
                variance += (x[j] - mean) * (x[j] - mean);
            }

            float inverse = 1f / MathF.Sqrt((variance / 200) + 1e-12f);
            for (int j = 0; j < 200; j++)
            {
                x[j] = ((x[j] - mean) * inverse * gamma[j]) + beta[j];
            }
        }
    }

    // The buffer InPlaceLayerNormHandsEveryRowToTheRowKernelOnce hands out, so MarkRows can tell a row's index, and
    // how many times MarkRows was called.
    private static float* s_rowsBase;
    private static int s_calls;

    // Adds 1 + γ[j]·row + β[j] to every element of the rows it is given, the row counted from s_rowsBase.
    private static void MarkRows(float* x, int rows, float* gamma, float* beta)
    {
        System.Threading.Interlocked.Increment(ref s_calls);
        long first = (x - s_rowsBase) / 384;
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 384; j++)
            {
                x[(r * 384) + j] += 1f + (gamma[j] * (first + r)) + beta[j];
            }
        }
    }

    [Fact]
    public void ThreadedLayerNormForwardIsBitwiseEqual()
    {
        const int Rows = 1024, Width = 72; // width with a scalar tail after four Vector512s
        float[] x = ReferenceMath.RandomArray(Rows * Width, 71);
        float[] gamma = ReferenceMath.RandomArray(Width, 72);
        float[] beta = ReferenceMath.RandomArray(Width, 73);
        using var pool = new ComputePool(2);
        (float[] Y, float[] Xhat, float[] Rstd) Run(ComputePool? p)
        {
            float[] y = new float[Rows * Width], xhat = new float[Rows * Width], rstd = new float[Rows];
            fixed (float* px = x, py = y, ph = xhat, pr = rstd, pg = gamma, pb = beta)
            {
                LayerNormKernels.Forward(px, py, ph, pr, Rows, Width, pg, pb, 1e-12f, p);
            }

            return (y, xhat, rstd);
        }

        var single = Run(null);
        var threaded = Run(pool);
        Assert.Equal(single.Y, threaded.Y);
        Assert.Equal(single.Xhat, threaded.Xhat);
        Assert.Equal(single.Rstd, threaded.Rstd);
    }

    [Fact]
    public void ThreadedColumnSumsAreBitwiseEqualAndAddIntoTheSums()
    {
        const int Rows = 160, Width = 30522, Ld = 30530; // the MLM decoder bias gradient, with a row stride
        float[] x = ReferenceMath.RandomArray(Rows * Ld, 91);
        float[] start = ReferenceMath.RandomArray(Width, 92);
        float[] single = (float[])start.Clone(), threaded = (float[])start.Clone();
        using var pool = new ComputePool(2);
        fixed (float* px = x, ps = single, pt = threaded)
        {
            RowReductions.AddColumnSums(px, Rows, Width, Ld, ps);
            RowReductions.AddColumnSums(px, Rows, Width, Ld, pt, pool);
        }

        Assert.Equal(single, threaded);
        float expected = start[Width - 1];
        for (int r = 0; r < Rows; r++)
        {
            expected += x[(r * Ld) + Width - 1];
        }

        Assert.Equal(expected, threaded[Width - 1]);
    }

    [Theory]
    [InlineData(3, 256, 256)] // a fused QKV layer: 768 outputs in 16 panels
    [InlineData(3, 24, 37)]   // 72 outputs: a panel that straddles the parts, K with a tail of 5
    [InlineData(1, 1000, 72)]
    public void PackingFromScatteredPartsMatchesPackingTheStackedMatrix(int partCount, int rowsPerPart, int k)
    {
        // Parameter-buffer order: weight, bias, weight, bias, … so the parts are not adjacent.
        int stride = (rowsPerPart * k) + rowsPerPart;
        float[] parameters = ReferenceMath.RandomArray(partCount * stride, 81);
        int n = partCount * rowsPerPart;
        float[] stacked = new float[n * k];
        for (int part = 0; part < partCount; part++)
        {
            Array.Copy(parameters, part * stride, stacked, part * rowsPerPart * k, rowsPerPart * k);
        }

        long length = PackedPanels.PackedLength(n, k);
        float[] expected = new float[length], single = new float[length + n], threaded = new float[length + n];
        using var pool = new ComputePool(2);
        fixed (float* pp = parameters, ps = stacked, pe = expected, p1 = single, p2 = threaded)
        {
            PanelPacker.PackTransposed(n, k, ps, k, pe, 0, PackedPanels.PanelCount(n));
            var parts = new (nint, nint, int)[partCount];
            for (int part = 0; part < partCount; part++)
            {
                float* weight = pp + ((long)part * stride);
                parts[part] = ((nint)weight, (nint)(weight + ((long)rowsPerPart * k)), rowsPerPart);
            }

            LinearPacker.Pack(p1, p1 + length, k, parts);
            LinearPacker.Pack(p2, p2 + length, k, parts, pool);
        }

        Assert.Equal(expected, single.AsSpan(0, (int)length).ToArray());
        Assert.Equal(single, threaded);
        for (int part = 0; part < partCount; part++)
        {
            Assert.Equal(parameters.AsSpan((part * stride) + (rowsPerPart * k), rowsPerPart).ToArray(),
                single.AsSpan((int)length + (part * rowsPerPart), rowsPerPart).ToArray());
        }
    }
}
