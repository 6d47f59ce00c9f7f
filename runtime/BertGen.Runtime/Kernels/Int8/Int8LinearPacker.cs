using System;
using System.Runtime.InteropServices;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// Puts a linear layer into the int8 GEMM's packed layout (<see cref="QuantizedPanels"/>), with its bias copied
/// right after as the fp32 <c>LinearPacker</c> does: from the fp32 HF-layout weights (quantised here, once, at
/// load) or from weights already quantised (int8 values and per-row scales, e.g. read from a quantised
/// safetensors file, so a service starts without quantising). Both give the same bytes for the same weights.
/// Several HF layers stacked along the output dimension (Q, K, V) become one fused layer.
/// </summary>
internal static unsafe class Int8LinearPacker
{
    /// <summary>
    /// Quantises the stacked fp32 weights <c>[Σ rows, k]</c> per output row and packs them into
    /// <paramref name="packed"/> (<see cref="QuantizedPanels.PackedBytes"/> bytes); copies their biases to
    /// <paramref name="packedBias"/>. Each part is (weight pointer, bias pointer, rows). Panels are split over
    /// <paramref name="pool"/> when given (the split changes nothing). With <paramref name="releaseWeights"/> the
    /// whole pages of each source weight are then handed back to the OS: the caller must never read them again.
    /// </summary>
    public static void Pack(byte* packed, float* packedBias, int k, ReadOnlySpan<(nint Weight, nint Bias, int Rows)> parts, ComputePool? pool = null, bool releaseWeights = false)
    {
        int n = 0;
        foreach ((nint _, nint _, int count) in parts)
        {
            n += count;
        }

        var work = new PackWork { N = n, K = k, Packed = packed, Quantize = true };
        work.Rows = (nint*)NativeMemory.Alloc((nuint)Math.Max(n, 1), (nuint)sizeof(nint));
        try
        {
            int row = 0;
            foreach ((nint weight, nint _, int count) in parts)
            {
                for (int j = 0; j < count; j++)
                {
                    work.Rows[row++] = weight + ((nint)j * k * sizeof(float));
                }
            }

            Run(ref work, pool);
        }
        finally
        {
            NativeMemory.Free(work.Rows);
        }

        int offset = 0;
        foreach ((nint _, nint bias, int count) in parts)
        {
            offset = AppendBias(packedBias, offset, bias, count);
        }

        if (releaseWeights)
        {
            foreach ((nint weight, nint _, int count) in parts)
            {
                ResidentPages.Release((void*)weight, (long)count * k * sizeof(float));
            }
        }
    }

    /// <summary>
    /// Packs weights already quantised: each part is (int8 values <c>[rows, k]</c> row-major, float32 scales
    /// <c>[rows]</c>, bias, rows). The scales may be unaligned (they can point into a mapped file).
    /// </summary>
    public static void PackQuantized(byte* packed, float* packedBias, int k, ReadOnlySpan<(nint Values, nint Scales, nint Bias, int Rows)> parts, ComputePool? pool = null)
    {
        int n = 0;
        foreach ((nint _, nint _, nint _, int count) in parts)
        {
            n += count;
        }

        var work = new PackWork { N = n, K = k, Packed = packed, Quantize = false };
        work.Rows = (nint*)NativeMemory.Alloc((nuint)Math.Max(n, 1), (nuint)sizeof(nint));
        work.Scales = (nint*)NativeMemory.Alloc((nuint)Math.Max(n, 1), (nuint)sizeof(nint));
        try
        {
            int row = 0;
            foreach ((nint values, nint scales, nint _, int count) in parts)
            {
                for (int j = 0; j < count; j++)
                {
                    work.Rows[row] = values + ((nint)j * k);
                    work.Scales[row++] = scales + (j * sizeof(float));
                }
            }

            Run(ref work, pool);
        }
        finally
        {
            NativeMemory.Free(work.Rows);
            NativeMemory.Free(work.Scales);
        }

        int offset = 0;
        foreach ((nint _, nint _, nint bias, int count) in parts)
        {
            offset = AppendBias(packedBias, offset, bias, count);
        }
    }

    // A stacked part's bias after the parts before it (so Q, K and V's are contiguous); returns where the next one goes.
    private static int AppendBias(float* packedBias, int offset, nint bias, int count)
    {
        new ReadOnlySpan<float>((float*)bias, count).CopyTo(new Span<float>(packedBias + offset, count));
        return offset + count;
    }

    /// <summary>
    /// The inverse of packing: the int8 values <c>[n, k]</c> (row stride <paramref name="ldValues"/>) and the
    /// scales <c>[n]</c> of a packed weight, e.g. to save a model that was packed from fp32 weights it no longer holds.
    /// </summary>
    public static void Unpack(byte* packed, int n, int k, sbyte* values, nint ldValues, float* scales)
    {
        Validate(n, k, packed);
        if (values == null || scales == null || ldValues < k)
        {
            throw new GemmArgumentException($"Unpacking needs value and scale destinations with a row stride of at least {k}.");
        }

        int depth = QuantizedPanels.PaddedDepth(k);
        float* packedScales = (float*)(packed + QuantizedPanels.ScalesOffset(n, k));
        for (int j = 0; j < n; j++)
        {
            int panel = j / QuantizedPanels.PanelWidth, column = j % QuantizedPanels.PanelWidth;
            sbyte* source = (sbyte*)packed + ((long)panel * depth * QuantizedPanels.PanelWidth) + (column * QuantizedPanels.GroupDepth);
            sbyte* row = values + (j * ldValues);
            for (int kk = 0; kk < k; kk++)
            {
                row[kk] = source[((long)(kk / QuantizedPanels.GroupDepth) * QuantizedPanels.GroupBytes) + (kk % QuantizedPanels.GroupDepth)];
            }

            scales[j] = packedScales[j];
        }
    }

    private static void Run(ref PackWork work, ComputePool? pool)
    {
        Validate(work.N, work.K, work.Packed);
        long panels = PackedPanels.PanelCount(work.N);
        long minimumPanels = Math.Max(1, LinearPacker.MinimumWeightsPerPart / ((long)work.K * QuantizedPanels.PanelWidth));
        fixed (PackWork* state = &work)
        {
            ParallelRanges.Run(pool, panels, 1, minimumPanels, &PackPanels, state);
        }
    }

    // Packs panels [begin, end): each of a panel's 48 rows (quantised first, from fp32) is scattered four
    // bytes at a time into its column of the k-groups; columns past n and k past K stay zero.
    private static void PackPanels(void* state, long begin, long end)
    {
        var work = (PackWork*)state;
        int n = work->N, k = work->K;
        int depth = QuantizedPanels.PaddedDepth(k);
        const int W = QuantizedPanels.PanelWidth;
        int* sums = (int*)(work->Packed + QuantizedPanels.ColumnSumsOffset(n, k));
        float* scales = (float*)(work->Packed + QuantizedPanels.ScalesOffset(n, k));
        byte* rowBuffer = (byte*)NativeMemory.Alloc((nuint)depth);
        try
        {
            for (long panel = begin; panel < end; panel++)
            {
                byte* destination = work->Packed + (panel * depth * W);
                new Span<byte>(destination, depth * W).Clear();
                for (int column = 0; column < W; column++)
                {
                    int j = (int)(panel * W) + column;
                    if (j >= n)
                    {
                        sums[j] = 0;
                        scales[j] = 0f;
                        continue;
                    }

                    new Span<byte>(rowBuffer, depth).Clear();
                    if (work->Quantize)
                    {
                        (scales[j], sums[j]) = Int8Quantizer.QuantizeWeightRow((float*)work->Rows[j], k, (sbyte*)rowBuffer, VectorWidths.Best);
                    }
                    else
                    {
                        new ReadOnlySpan<byte>((void*)work->Rows[j], k).CopyTo(new Span<byte>(rowBuffer, k));
                        scales[j] = System.Runtime.CompilerServices.Unsafe.ReadUnaligned<float>((void*)work->Scales[j]);
                        sums[j] = Sum((sbyte*)rowBuffer, k);
                    }

                    for (int g = 0; g < depth / QuantizedPanels.GroupDepth; g++)
                    {
                        *(int*)(destination + (g * QuantizedPanels.GroupBytes) + (column * QuantizedPanels.GroupDepth)) = *(int*)(rowBuffer + (g * QuantizedPanels.GroupDepth));
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(rowBuffer);
        }
    }

    private static int Sum(sbyte* values, int k)
    {
        int sum = 0;
        for (int i = 0; i < k; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    private static void Validate(int n, int k, byte* packed)
    {
        if (n <= 0 || k <= 0 || k > Int8Gemm.MaxDepth)
        {
            throw new GemmArgumentException($"int8 packing needs positive n and 0 < k ≤ {Int8Gemm.MaxDepth}, got n={n}, k={k}.");
        }

        if (packed == null)
        {
            throw new GemmArgumentException("int8 packing got a null destination pointer.");
        }
    }

    // What a range of panels needs; lives on the dispatching thread's stack during the call.
    private struct PackWork
    {
        public int N;
        public int K;
        public byte* Packed;
        public nint* Rows;     // row j's fp32 weights or int8 values
        public nint* Scales;   // row j's scale (quantised sources only)
        public bool Quantize;
    }
}
