using System;
using System.ComponentModel;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// What generated int8 forward passes and their weight preparation call: the int8 linear layer (ONNX Runtime's
/// dynamic quantisation on VPDPBUSD, <c>Kernels/Int8</c>) and the packers that put a layer's weights into its
/// layout, quantising fp32 weights or taking already quantised ones from an int8 weights file.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Int8Kernels
{
    /// <summary>
    /// y[M,N] = epilogue(x[M,K] · Wᵀ) with W packed by <see cref="Pack"/>: each row of x quantised to uint8 with a zero
    /// point into <paramref name="scratch"/>, int32 sums, dequantised, then the fp32 GEMM's epilogue.
    /// </summary>
    /// <param name="m">Rows of x and y (tokens).</param>
    /// <param name="n">Output features.</param>
    /// <param name="k">Input features.</param>
    /// <param name="x">Input, row-major, leading dimension <paramref name="ldx"/>.</param>
    /// <param name="ldx">Leading dimension of x, at least k.</param>
    /// <param name="packedW">The packed int8 weight (<see cref="PackedBytes"/>(n, k) bytes).</param>
    /// <param name="y">Output, row-major, leading dimension <paramref name="ldy"/>.</param>
    /// <param name="ldy">Leading dimension of y, at least n.</param>
    /// <param name="epilogue">Bias, activation, residual; not accumulate.</param>
    /// <param name="scratch">At least <see cref="ScratchBytes"/>(m, k) bytes, 64-byte aligned, aliasing neither x nor y.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void Linear(int m, int n, int k, float* x, nint ldx, byte* packedW, float* y, nint ldy, in GemmEpilogue epilogue, byte* scratch, ComputePool? pool)
        => Int8Gemm.Linear(m, n, k, x, ldx, packedW, y, ldy, epilogue, scratch, pool);

    /// <summary>Bytes of scratch <see cref="Linear"/> quantises m rows of depth k into (the generator's planner repeats it).</summary>
    public static long ScratchBytes(int m, int k) => Int8Gemm.ScratchBytes(m, k);

    /// <summary>Bytes of one packed int8 layer of n outputs and k inputs (the generator's planner repeats it).</summary>
    public static long PackedBytes(int n, int k) => QuantizedPanels.PackedBytes(n, k);

    /// <summary>
    /// Packs one linear layer — the HF weights <paramref name="weightNames"/> stacked along the output dimension, each
    /// part (fp32 weight, bias, rows) — into <paramref name="packed"/>, its fp32 bias into <paramref name="packedBias"/>.
    /// Without <paramref name="source"/> the fp32 weights are quantised here (and, with <paramref name="releaseWeights"/>,
    /// their pages handed back to the OS); with it, the quantised values and scales come from the source by name and
    /// the fp32 weights are not read.
    /// </summary>
    public static void Pack(byte* packed, float* packedBias, int k, ReadOnlySpan<(nint Weight, nint Bias, int Rows)> parts, string[] weightNames,
        IInt8WeightSource? source, ComputePool? pool, bool releaseWeights)
    {
        ArgumentNullException.ThrowIfNull(weightNames);
        if (weightNames.Length != parts.Length)
        {
            throw new ArgumentException($"{weightNames.Length} weight names for {parts.Length} parts.", nameof(weightNames));
        }

        if (source is null)
        {
            Int8LinearPacker.Pack(packed, packedBias, k, parts, pool, releaseWeights);
            return;
        }

        Span<(nint Values, nint Scales, nint Bias, int Rows)> quantized = stackalloc (nint, nint, nint, int)[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            (nint values, nint scales) = source.Int8Weight(weightNames[i], parts[i].Rows, k);
            quantized[i] = (values, scales, parts[i].Bias, parts[i].Rows);
        }

        Int8LinearPacker.PackQuantized(packed, packedBias, k, quantized, pool);
        foreach (string name in weightNames)
        {
            source.Release(name);
        }
    }
}

/// <summary>Where already quantised linear weights come from (an int8 weights file): by HF name, checked against a shape.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IInt8WeightSource
{
    /// <summary>
    /// The int8 values <c>[rows, columns]</c> row-major and the <c>rows</c> float32 scales of weight <paramref name="name"/>.
    /// Throws <see cref="Weights.WeightFileException"/> when the source lacks it or holds another shape.
    /// </summary>
    (nint Values, nint Scales) Int8Weight(string name, int rows, int columns);

    /// <summary>Weight <paramref name="name"/> is packed: the source may drop its pages from memory (it is not read again).</summary>
    void Release(string name);
}

/// <summary>What a model compiled with an int8 forward offers the int8 weights file (<see cref="Weights.ParameterLoader.LoadInt8"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IInt8Model
{
    /// <summary>The HF linear weights the int8 forward reads quantised: what an int8 weights file stores as I8.</summary>
    System.Collections.Generic.IReadOnlyList<string> Int8WeightNames { get; }

    /// <summary>The HF name of the word embeddings, which an int8 weights file can lend in place (see <see cref="PrepareInt8WeightsFrom"/>).</summary>
    string WordEmbeddingName { get; }

    /// <summary>
    /// Packs the int8 forward's weights from <paramref name="source"/> (biases, embeddings and LayerNorms already in the
    /// parameter buffer), never touching the fp32 copies of the quantised weights; the model becomes inference-only in int8.
    /// With <paramref name="wordEmbeddings"/> non-zero, the word embedding rows are read from there (a mapped file the model
    /// then keeps alive through <paramref name="keepAlive"/>, disposed with it) instead of from the parameter buffer, so
    /// only the rows texts use stay resident (a tied masked-LM decoder is quantised from the whole table at load, whose
    /// pages then go back). The model owns <paramref name="keepAlive"/> only once this returns; if it throws, the caller
    /// still does and the model points into nothing of it.
    /// </summary>
    void PrepareInt8WeightsFrom(IInt8WeightSource source, nint wordEmbeddings, IDisposable? keepAlive);

    /// <summary>Quantises the linear layers from the parameter buffer, keeping the fp32 weights (both precisions can run).</summary>
    void PrepareInt8Weights();
}
