using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The GEMM forms with on-the-fly packing at BERT-base sizes (128 tokens, H 768, 12 heads of 64), each
/// timed as one call including its packing: one head's scores and context, and the backward dX and dW of
/// the 768→3072 FFN layer.
/// </summary>
public sealed unsafe class FormsFixture : IDisposable
{
    private const int T = 128, H = 768, I = 3072, Dh = 64;

    private readonly AlignedBuffer _qkv = new((long)T * 3 * H);
    private readonly AlignedBuffer _scores = new((long)T * T);
    private readonly AlignedBuffer _context = new((long)T * H);
    private readonly AlignedBuffer _dy = new((long)T * I);
    private readonly AlignedBuffer _w = new((long)I * H);
    private readonly AlignedBuffer _x = new((long)T * H);
    private readonly AlignedBuffer _dx = new((long)T * H);
    private readonly AlignedBuffer _dw = new((long)I * H);
    private readonly AlignedBuffer _scratch = new(PackedPanels.PackedLength(I, H));

    /// <summary>Fills the inputs with deterministic values.</summary>
    public FormsFixture()
    {
        Random random = new(99);
        foreach (AlignedBuffer b in new[] { _qkv, _dy, _w, _x })
        {
            float* p = b.Pointer;
            for (long i = 0; i < b.Length; i++)
            {
                p[i] = (float)((random.NextDouble() * 2) - 1);
            }
        }
    }

    /// <summary>The forms: name, flops, action.</summary>
    public (string Name, double Flops, Action<ComputePool?> Run)[] Forms =>
    [
        ("scores Q·Kᵀ 1 head S128 dh64", 2.0 * T * T * Dh, pool => Gemm.MultiplyTransposedB(T, T, Dh, _qkv.Pointer, 3 * H,
            _qkv.Pointer + H, 3 * H, _scores.Pointer, T, _scratch.Pointer, GemmEpilogue.None.WithAlpha(0.125f), pool)),
        ("context P·V 1 head S128 dh64", 2.0 * T * T * Dh, pool => Gemm.Multiply(T, Dh, T, _scores.Pointer, T,
            _qkv.Pointer + (2 * H), 3 * H, _context.Pointer, H, _scratch.Pointer, GemmEpilogue.None, pool)),
        ("dX = dY·W 3072→768 T128", 2.0 * T * I * H, pool => Gemm.Multiply(T, H, I, _dy.Pointer, I,
            _w.Pointer, H, _dx.Pointer, H, _scratch.Pointer, GemmEpilogue.None, pool)),
        ("dW += dYᵀ·X 3072x768 T128", 2.0 * T * I * H, pool => Gemm.MultiplyTransposedA(I, H, T, _dy.Pointer, I,
            _x.Pointer, H, _dw.Pointer, H, _scratch.Pointer, GemmEpilogue.AccumulateIntoC, pool)),
    ];

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        foreach (AlignedBuffer b in new[] { _qkv, _scores, _context, _dy, _w, _x, _dx, _dw, _scratch })
        {
            b.Dispose();
        }
    }
}
