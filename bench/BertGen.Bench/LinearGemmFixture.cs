using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>The buffers of one benchmarked linear layer: x, the packed weight, the bias and y.</summary>
public sealed unsafe class LinearGemmFixture : IDisposable
{
    private readonly AlignedBuffer _x;
    private readonly AlignedBuffer _packed;
    private readonly AlignedBuffer _bias;
    private readonly AlignedBuffer _y;

    /// <summary>Allocates and fills the operands with deterministic pseudo-random values, packs W.</summary>
    public LinearGemmFixture(GemmShape shape)
    {
        Shape = shape;
        _x = new AlignedBuffer((long)shape.M * shape.K);
        _packed = new AlignedBuffer(PackedPanels.PackedLength(shape.N, shape.K));
        _bias = new AlignedBuffer(shape.N);
        _y = new AlignedBuffer((long)shape.M * shape.N);
        using AlignedBuffer w = new((long)shape.N * shape.K);
        Random random = new(1234);
        Fill(_x, random);
        Fill(w, random);
        Fill(_bias, random);
        PanelPacker.PackTransposed(shape.N, shape.K, w.Pointer, shape.K, _packed.Pointer, 0, PackedPanels.PanelCount(shape.N));
    }

    /// <summary>The shape.</summary>
    public GemmShape Shape { get; }

    /// <summary>y = x·Wᵀ + b, with the given epilogue activation.</summary>
    public void Run(ComputePool? pool, GemmPath path = GemmPath.Auto, Activation activation = Activation.None)
    {
        GemmEpilogue epilogue = GemmEpilogue.None.WithBias(_bias.Pointer).WithActivation(activation);
        Gemm.Linear(Shape.M, Shape.N, Shape.K, _x.Pointer, Shape.K, _packed.Pointer, _y.Pointer, Shape.N, epilogue, pool, path);
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        _x.Dispose();
        _packed.Dispose();
        _bias.Dispose();
        _y.Dispose();
    }

    /// <summary>Fills a buffer with uniform values in [−1, 1).</summary>
    internal static void Fill(AlignedBuffer buffer, Random random)
    {
        float* p = buffer.Pointer;
        for (long i = 0; i < buffer.Length; i++)
        {
            p[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }
}
