using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// One SIMD width for the attention kernels, as a type: <see cref="Lanes512"/> (16 floats), <see cref="Lanes256"/>
/// (8) or <see cref="LanesScalar"/> (1). The kernels are written once, generic over this, and the JIT compiles one
/// straight-line copy per width with every member inlined (TensorPrimitives writes its operators the same way).
/// </summary>
/// <typeparam name="V">The vector type: <c>Vector512&lt;float&gt;</c>, <c>Vector256&lt;float&gt;</c> or <c>float</c>.</typeparam>
internal unsafe interface IAttentionLanes<V>
    where V : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>
    /// Rows of one micro-tile: as many as keep 2 accumulators per row, the two B vectors and a broadcast in
    /// registers (32 zmm registers hold 8 rows; 16 ymm registers 6).
    /// </summary>
    static abstract int TileRows { get; }

    static abstract V Zero { get; }

    static abstract V Load(float* p);

    static abstract void Store(V value, float* p);

    static abstract V Splat(float x);

    /// <summary>a·b + c, fused.</summary>
    static abstract V Fma(V a, V b, V c);

    static abstract V Add(V a, V b);

    static abstract V Subtract(V a, V b);

    static abstract V Multiply(V a, V b);

    static abstract V Max(V a, V b);

    /// <summary>exp(x) for x ≤ 0, as the generated softmax computes it (<see cref="ActivationMath.ExpNonPositive(Vector512{float})"/>).</summary>
    static abstract V ExpNonPositive(V x);

    /// <summary>(lane·laneStride)·φ in each lane, as bits: the per-lane part of a dropout index, computed once per block.</summary>
    static abstract V LaneTerms(uint laneStride);

    /// <summary>
    /// All bits set in the lanes whose element <c>index + lane·laneStride</c> of the stream <paramref name="key"/>
    /// dropout keeps, zero in the others: the same draw as <see cref="Dropout"/> makes for that element, given
    /// <paramref name="laneTerms"/> from <see cref="LaneTerms"/> (index·φ + lane·laneStride·φ = (index + lane·laneStride)·φ mod 2³²).
    /// </summary>
    static abstract V KeepMask(uint key, uint index, V laneTerms, uint threshold);

    /// <summary>x where the mask's lane is set, +0 elsewhere.</summary>
    static abstract V And(V x, V mask);
}

/// <summary>16 floats per vector (AVX-512).</summary>
internal readonly unsafe struct Lanes512 : IAttentionLanes<Vector512<float>>
{
    public static int Count => 16;

    public static int TileRows => 8;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Splat(float x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x) => ActivationMath.ExpNonPositive(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LaneTerms(uint laneStride) =>
        (Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * Vector512.Create(laneStride * Dropout.Golden)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepMask(uint key, uint index, Vector512<float> laneTerms, uint threshold)
    {
        Vector512<uint> draw = Dropout.Draw(Vector512.Create(key) ^ (Vector512.Create(index * Dropout.Golden) + laneTerms.AsUInt32()));
        return Vector512.GreaterThanOrEqual(draw, Vector512.Create(threshold)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> x, Vector512<float> mask) => x & mask;
}

/// <summary>8 floats per vector (AVX2).</summary>
internal readonly unsafe struct Lanes256 : IAttentionLanes<Vector256<float>>
{
    public static int Count => 8;

    public static int TileRows => 6;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Splat(float x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x) => ActivationMath.ExpNonPositive(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LaneTerms(uint laneStride) =>
        (Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7) * Vector256.Create(laneStride * Dropout.Golden)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepMask(uint key, uint index, Vector256<float> laneTerms, uint threshold)
    {
        Vector256<uint> draw = Dropout.Draw(Vector256.Create(key) ^ (Vector256.Create(index * Dropout.Golden) + laneTerms.AsUInt32()));
        return Vector256.GreaterThanOrEqual(draw, Vector256.Create(threshold)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> x, Vector256<float> mask) => x & mask;
}

/// <summary>One float: the portable path, no intrinsics.</summary>
internal readonly unsafe struct LanesScalar : IAttentionLanes<float>
{
    public static int Count => 1;

    public static int TileRows => 4;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, float* p) => *p = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Splat(float x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => MathF.Max(a, b);

    // The generated softmax's scalar path uses MathF.Exp too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ExpNonPositive(float x) => MathF.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LaneTerms(uint laneStride) => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KeepMask(uint key, uint index, float laneTerms, uint threshold) =>
        BitConverter.UInt32BitsToSingle(Dropout.Draw(key ^ (index * Dropout.Golden)) >= threshold ? uint.MaxValue : 0u);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float And(float x, float mask) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(x) & BitConverter.SingleToUInt32Bits(mask));
}
