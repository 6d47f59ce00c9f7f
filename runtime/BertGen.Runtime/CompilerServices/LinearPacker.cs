using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Copies a linear layer from the HF-layout parameter buffer into the GEMM's packed-panel layout, with its
/// bias right after. Several HF layers stacked along the output dimension (Q, K, V) become one fused layer.
/// Called by generated <c>PrepareWeights</c> methods with their planned offsets.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class LinearPacker
{
    /// <summary>Below this many weights per thread a layer is packed on the calling thread alone.</summary>
    public const long MinimumWeightsPerPart = 1 << 15;

    /// <summary>
    /// Reads into <paramref name="firsts"/> the first value of each tensor of <paramref name="parameters"/> at
    /// <paramref name="offsets"/> (those a model packs), as it packs them: what <see cref="SameFirsts"/> compares with.
    /// </summary>
    public static void RecordFirsts(float* parameters, ReadOnlySpan<long> offsets, Span<float> firsts)
    {
        for (int i = 0; i < offsets.Length; i++)
        {
            firsts[i] = parameters[offsets[i]];
        }
    }

    /// <summary>
    /// Whether the first value of each tensor at <paramref name="offsets"/> is still, bit for bit, what
    /// <see cref="RecordFirsts"/> read: a load or an initialisation writes every tensor, so weights changed since they
    /// were packed show in one of them (one read per tensor: nothing beside a forward pass).
    /// </summary>
    public static bool SameFirsts(float* parameters, ReadOnlySpan<long> offsets, ReadOnlySpan<float> firsts)
    {
        for (int i = 0; i < offsets.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(parameters[offsets[i]]) != BitConverter.SingleToInt32Bits(firsts[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Packs the stacked weights <c>[Σ rows, k]</c> into <paramref name="packed"/> and their biases into
    /// <paramref name="packedBias"/>. Each part is (weight pointer, bias pointer, rows). Panels are split over
    /// <paramref name="pool"/> when given (a copy: the split changes nothing); nothing is allocated for layers
    /// of up to 4,096 outputs. With <paramref name="releaseWeights"/> the whole pages of each source weight are
    /// then handed back to the OS (<see cref="ResidentPages"/>): an inference-only model's HF-layout copy stops
    /// costing memory one layer at a time, and reads as zeros, so the caller must never read it again.
    /// </summary>
    public static void Pack(float* packed, float* packedBias, int k, ReadOnlySpan<(nint Weight, nint Bias, int Rows)> parts, ComputePool? pool = null, bool releaseWeights = false)
    {
        int n = 0;
        foreach ((nint _, nint _, int rows) in parts)
        {
            n += rows;
        }

        var work = new PackWork { N = n, K = k, Packed = packed };
        long panels = PackedPanels.PanelCount(n);
        long minimumPanels = Math.Max(1, MinimumWeightsPerPart / ((long)k * PackedPanels.PanelWidth));
        if (parts.Length == 1)
        {
            work.Source = (float*)parts[0].Weight;
            ParallelRanges.Run(pool, panels, 1, minimumPanels, &PackPanels, &work);
        }
        else
        {
            // Parts live apart in the parameter buffer (biases between them): pack from a table of row pointers.
            const int StackRows = 4096;
            nint* heapRows = n > StackRows ? (nint*)NativeMemory.Alloc((nuint)n, (nuint)sizeof(nint)) : null;
            nint* rowTable = stackalloc nint[n > StackRows ? 1 : n];
            work.Rows = heapRows != null ? heapRows : rowTable;
            try
            {
                int row = 0;
                foreach ((nint weight, nint _, int rows) in parts)
                {
                    for (int j = 0; j < rows; j++)
                    {
                        work.Rows[row++] = weight + ((nint)j * k * sizeof(float));
                    }
                }

                ParallelRanges.Run(pool, panels, 1, minimumPanels, &PackPanels, &work);
            }
            finally
            {
                NativeMemory.Free(heapRows);
            }
        }

        int offset = 0;
        foreach ((nint _, nint bias, int rows) in parts)
        {
            new ReadOnlySpan<float>((float*)bias, rows).CopyTo(new Span<float>(packedBias + offset, rows));
            offset += rows;
        }

        if (releaseWeights)
        {
            foreach ((nint weight, nint _, int rows) in parts)
            {
                ResidentPages.Release((void*)weight, (long)rows * k * sizeof(float));
            }
        }
    }

    private static void PackPanels(void* state, long begin, long end)
    {
        var work = (PackWork*)state;
        if (work->Rows != null)
        {
            PanelPacker.PackTransposedRows(work->N, work->K, work->Rows, work->Packed, (int)begin, (int)end);
        }
        else
        {
            PanelPacker.PackTransposed(work->N, work->K, work->Source, work->K, work->Packed, (int)begin, (int)end);
        }
    }

    // What a range of panels needs; lives on the dispatching thread's stack during the call.
    private struct PackWork
    {
        public int N;
        public int K;
        public float* Source;
        public nint* Rows;
        public float* Packed;
    }
}
