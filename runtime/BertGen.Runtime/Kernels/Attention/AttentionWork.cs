using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>One attention call's operands, shared by its parts; lives on the dispatching thread's stack.</summary>
internal unsafe struct AttentionWork
{
    public AttentionWork(in AttentionGeometry geometry, float* qkv, float* maskBias, float* scratch, long scratchPerPart,
        float dropout, ulong seed, int site, GemmPath path)
    {
        Geometry = geometry;
        Qkv = qkv;
        MaskBias = maskBias;
        Scratch = scratch;
        ScratchPerPart = scratchPerPart;
        Dropout = dropout;
        Seed = seed;
        Site = site;
        Path = path;
        Threshold = BertGen.Runtime.CompilerServices.Dropout.Threshold(dropout);
        KeepScale = dropout > 0f ? 1f / (1f - dropout) : 1f;
    }

    public AttentionGeometry Geometry;
    public float* Qkv;
    public float* MaskBias;
    public float* Context;
    public float* Statistics;
    public float* Exponentials;
    public float* DContext;
    public float* DQkv;
    public float* Scratch;
    public long ScratchPerPart;
    public float Dropout;
    public ulong Seed;
    public int Site;
    public uint Threshold;
    public float KeepScale;
    public GemmPath Path;
    public int Items;

    /// <summary>Whether dropout acts (as the unfused code: only for a positive probability).</summary>
    public readonly bool Drops => Dropout > 0f;

    /// <summary>The key of (sequence b, head h)'s dropout stream, as the unfused attention keyed it.</summary>
    public readonly uint DropoutKey(int sequenceHead) => BertGen.Runtime.CompilerServices.Dropout.Key(Seed, ((ulong)Site << 24) + (ulong)sequenceHead);

    /// <summary>Items [count·part/parts, count·(part+1)/parts): a split that depends only on the part count.</summary>
    public readonly (int Begin, int End) Range(int part, int parts) =>
        ((int)((long)Items * part / parts), (int)((long)Items * (part + 1) / parts));
}
