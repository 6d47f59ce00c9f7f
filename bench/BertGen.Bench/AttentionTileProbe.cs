using System;
using System.Globalization;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Memory;

namespace BertGen.Bench;

/// <summary>
/// The attention micro-tile alone on L1/L2-resident operands, in the three forms the kernels use: Sᵀ = K·Qᵀ
/// (broadcasts from strided K rows, k = head size), Oᵀ = Vᵀ·P (broadcasts along V rows, k = sequence) and the
/// backward's dV += Uᵀ·dO (k = 32). Shows how close the shared tile runs to the FMA ceiling before the softmax.
/// </summary>
public static unsafe class AttentionTileProbe
{
    /// <summary>Prints one line per form for head size <paramref name="dh"/> and sequence <paramref name="s"/>.</summary>
    public static void Print(int s, int dh, double ceiling)
    {
        const int block = AttentionGeometry.RowBlock;
        int ld = 3 * 12 * dh, dhp = (dh + 31) / 32 * 32;
        using var qkv = new AlignedBuffer((long)s * ld);
        using var scores = new AlignedBuffer((long)s * block);
        using var qT = new AlignedBuffer((long)dh * block);
        using var oT = new AlignedBuffer((long)dh * block);
        using var dO = new AlignedBuffer((long)block * dhp);
        using var dV = new AlignedBuffer((long)s * dhp);
        float* k = qkv.Pointer + (12 * dh), v = qkv.Pointer + (24 * dh);
        double flops = 2.0 * s * block * dh, flopsKv = 2.0 * s * block * dhp;
        (double Median, double Best)[] t = QuickTable.TimeAlternating(
        [
            () => AttentionTile.Multiply<Lanes512, Vector512<float>>(s, 1, k, ld, 1, dh, qT.Pointer, block, scores.Pointer, block, TileEpilogue.Store),
            () => AttentionTile.Multiply<Lanes512, Vector512<float>>(dh, 1, v, 1, ld, s, scores.Pointer, block, oT.Pointer, block, TileEpilogue.Store),
            () => AttentionTile.Multiply<Lanes512, Vector512<float>>(s, dhp / 32, scores.Pointer, block, 1, block, dO.Pointer, dhp, dV.Pointer, dhp, TileEpilogue.Accumulate),
        ], 31, 0.002);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tile alone s={s} dh={dh}: Sᵀ=K·Qᵀ {100 * flops / t[0].Best / 1e9 / ceiling:F0}%, Oᵀ=Vᵀ·P {100 * flops / t[1].Best / 1e9 / ceiling:F0}%, dV+=Uᵀ·dO {100 * flopsKv / t[2].Best / 1e9 / ceiling:F0}% of the 1-thread ceiling"));
    }
}
