using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The buffers of one benchmarked int8 linear layer: x, the int8-packed weight, the bias, the quantisation
/// scratch and y; the same pseudo-random values as <see cref="LinearGemmFixture"/> for the same shape.
/// </summary>
public sealed unsafe class Int8LinearFixture : IDisposable
{
    private readonly AlignedBuffer _x;
    private readonly AlignedBuffer _packed;
    private readonly AlignedBuffer _bias;
    private readonly AlignedBuffer _scratch;
    private readonly AlignedBuffer _y;

    /// <summary>Allocates and fills the operands, quantises and packs W.</summary>
    public Int8LinearFixture(GemmShape shape)
    {
        Shape = shape;
        _x = new AlignedBuffer((long)shape.M * shape.K);
        _packed = new AlignedBuffer(QuantizedPanels.PackedBytes(shape.N, shape.K) / sizeof(float));
        _bias = new AlignedBuffer(shape.N);
        _scratch = new AlignedBuffer(Int8Gemm.ScratchBytes(shape.M, shape.K) / sizeof(float));
        _y = new AlignedBuffer((long)shape.M * shape.N);
        using AlignedBuffer w = new((long)shape.N * shape.K);
        Random random = new(1234);
        LinearGemmFixture.Fill(_x, random);
        LinearGemmFixture.Fill(w, random);
        LinearGemmFixture.Fill(_bias, random);
        using AlignedBuffer packedBias = new(shape.N);
        Int8LinearPacker.Pack((byte*)_packed.Pointer, packedBias.Pointer, shape.K, [((nint)w.Pointer, (nint)_bias.Pointer, shape.N)]);
    }

    /// <summary>The shape.</summary>
    public GemmShape Shape { get; }

    /// <summary>y = x·Wᵀ + b in int8, with the given epilogue activation.</summary>
    internal void Run(ComputePool? pool, Int8Path path = Int8Path.Auto, Activation activation = Activation.None)
    {
        GemmEpilogue epilogue = GemmEpilogue.None.WithBias(_bias.Pointer).WithActivation(activation);
        Int8Gemm.LinearOnPath(Shape.M, Shape.N, Shape.K, _x.Pointer, Shape.K, (byte*)_packed.Pointer, _y.Pointer, Shape.N, epilogue, (byte*)_scratch.Pointer, pool, path);
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        _x.Dispose();
        _packed.Dispose();
        _bias.Dispose();
        _scratch.Dispose();
        _y.Dispose();
    }
}
