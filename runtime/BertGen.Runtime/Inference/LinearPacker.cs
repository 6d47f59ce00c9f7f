using System;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Copies a linear layer from the HF-layout parameter buffer into the GEMM's packed-panel layout, with its
/// bias right after. Several HF layers stacked along the output dimension (Q, K, V) become one fused layer.
/// Called by generated <c>PrepareWeights</c> methods with their planned offsets.
/// </summary>
public static unsafe class LinearPacker
{
    /// <summary>
    /// Packs the stacked weights <c>[Σ rows, k]</c> into <paramref name="packed"/> and their biases into
    /// <paramref name="packedBias"/>. Each part is (weight pointer, bias pointer, rows). With
    /// <paramref name="releaseWeights"/> the whole pages of each source weight are then handed back to the OS
    /// (<see cref="ResidentPages"/>): an inference-only model's HF-layout copy stops costing memory one layer at
    /// a time, and reads as zeros, so the caller must never read it again.
    /// </summary>
    public static void Pack(float* packed, float* packedBias, int k, ReadOnlySpan<(nint Weight, nint Bias, int Rows)> parts, bool releaseWeights = false)
    {
        int n = 0;
        foreach ((nint _, nint _, int rows) in parts)
        {
            n += rows;
        }

        if (parts.Length == 1)
        {
            PanelPacker.PackTransposed(n, k, (float*)parts[0].Weight, k, packed, 0, PackedPanels.PanelCount(n));
        }
        else
        {
            // Parts live apart in the parameter buffer (biases between them): stack them first.
            using var stacked = new AlignedBuffer((long)n * k);
            long row = 0;
            foreach ((nint weight, nint _, int rows) in parts)
            {
                new ReadOnlySpan<float>((float*)weight, rows * k).CopyTo(new Span<float>(stacked.Pointer + (row * k), rows * k));
                row += rows;
            }

            PanelPacker.PackTransposed(n, k, stacked.Pointer, k, packed, 0, PackedPanels.PanelCount(n));
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
}
