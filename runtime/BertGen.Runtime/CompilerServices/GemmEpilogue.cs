using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// What a GEMM does with the product before it lands in C, applied tile by tile while the tile is still in
/// L1, so a linear layer's bias, activation and residual cost no extra pass over memory:
/// <c>C = act(α·(A·B) + bias) + residual</c>, or <c>C += A·B</c> in accumulate mode (gradient accumulation,
/// and dX = dY·W adding onto a gradient that already holds the residual branch's share).
/// </summary>
/// <remarks>
/// Immutable; build one with <see cref="None"/> or <see cref="AccumulateIntoC"/> and the <c>With…</c> methods.
/// The bias is indexed by output column, the residual by (row, column) with its own leading dimension and
/// must not alias C (C's tile is overwritten before the residual is read). Accumulate mode combines with
/// nothing else: "add onto C, then scale or activate the sum" is never what a BERT step needs, so asking for
/// it is an error rather than a guess.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly unsafe struct GemmEpilogue
{
    private readonly float _alphaMinusOne; // stored as α − 1 so default(GemmEpilogue) means α = 1

    private GemmEpilogue(float alpha, float* bias, Activation activation, float* residual, nint ldResidual, bool accumulate)
    {
        _alphaMinusOne = alpha - 1f;
        Bias = bias;
        Activation = activation;
        Residual = residual;
        ResidualStride = ldResidual;
        Accumulate = accumulate;
    }

    /// <summary>C = A·B.</summary>
    public static GemmEpilogue None => default;

    /// <summary>C += A·B.</summary>
    public static GemmEpilogue AccumulateIntoC => new(1f, null, Activation.None, null, 0, true);

    /// <summary>Scale α applied to the product before the bias (1/√d_head for attention scores).</summary>
    public float Alpha => _alphaMinusOne + 1f;

    /// <summary>Per-column bias of length N, or null.</summary>
    public float* Bias { get; }

    /// <summary>Activation applied after the bias.</summary>
    public Activation Activation { get; }

    /// <summary>Residual [M, N] added last, or null.</summary>
    public float* Residual { get; }

    /// <summary>Leading dimension of <see cref="Residual"/> in floats.</summary>
    public nint ResidualStride { get; }

    /// <summary>Accumulate onto C's previous contents.</summary>
    public bool Accumulate { get; }

    /// <summary>True when anything but a plain store or accumulate happens after the K loop.</summary>
    public bool HasPostOps => _alphaMinusOne != 0f || Bias != null || Activation != Activation.None || Residual != null;

    /// <summary>This epilogue with a per-column bias.</summary>
    public GemmEpilogue WithBias(float* bias) => new(Alpha, bias, Activation, Residual, ResidualStride, Accumulate);

    /// <summary>This epilogue with an activation after the bias.</summary>
    public GemmEpilogue WithActivation(Activation activation) => new(Alpha, Bias, activation, Residual, ResidualStride, Accumulate);

    /// <summary>This epilogue with a residual [M, N] (leading dimension <paramref name="ldResidual"/>) added last.</summary>
    public GemmEpilogue WithResidual(float* residual, nint ldResidual) => new(Alpha, Bias, Activation, residual, ldResidual, Accumulate);

    /// <summary>This epilogue with the product scaled by <paramref name="alpha"/>.</summary>
    public GemmEpilogue WithAlpha(float alpha) => new(alpha, Bias, Activation, Residual, ResidualStride, Accumulate);

    /// <summary>Rejects combinations that have no meaning for a product of <paramref name="n"/> columns written to <paramref name="c"/>.</summary>
    internal void Validate(int n, float* c)
    {
        if (Accumulate && HasPostOps)
        {
            throw new GemmArgumentException("GEMM epilogue: accumulate mode cannot be combined with alpha, bias, activation or residual.");
        }

        if (!Activations.IsDefined(Activation))
        {
            throw new GemmArgumentException($"GEMM epilogue: unknown activation {(int)Activation}.");
        }

        if (Residual != null && ResidualStride < n)
        {
            throw new GemmArgumentException($"GEMM epilogue: residual leading dimension {ResidualStride} is shorter than a row of {n}.");
        }

        if (Residual != null && Residual == c)
        {
            throw new GemmArgumentException("GEMM epilogue: the residual must not alias C.");
        }

        if (!float.IsFinite(Alpha))
        {
            throw new GemmArgumentException($"GEMM epilogue: alpha {Alpha} is not finite.");
        }
    }

    /// <summary>
    /// Applies the post-ops to a finished tile of C: rows <c>[row0, row0+rows)</c>, columns
    /// <c>[col0, col0+cols)</c>, <paramref name="c"/> pointing at the tile's first element. Called by the
    /// drivers after a tile's last K-block, while the tile is in L1. The activation is dispatched once per tile
    /// to a loop compiled for its operator.
    /// </summary>
    internal void ApplyToTile(float* c, nint ldc, int row0, int rows, int col0, int cols, GemmPath path)
    {
        var tile = new Tile
        {
            C = c,
            Ldc = ldc,
            Rows = rows,
            Cols = cols,
            Path = path,
            Alpha = Alpha,
            Bias = Bias == null ? null : Bias + col0,
            Residual = Residual == null ? null : Residual + (row0 * ResidualStride) + col0,
            ResidualStride = ResidualStride,
        };
        Activations.Dispatch(Activation, ref tile);
    }

    // One tile's post-ops, run with the epilogue's activation operator.
    private struct Tile : IActivationAction
    {
        public float* C;
        public nint Ldc;
        public int Rows;
        public int Cols;
        public GemmPath Path;
        public float Alpha;
        public float* Bias;
        public float* Residual;
        public nint ResidualStride;

        public readonly void Run<TActivation>()
            where TActivation : struct, IActivationOperator => Apply<TActivation>(this);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TActivation>(in Tile t)
        where TActivation : struct, IActivationOperator
    {
        float* bias = t.Bias, residual = t.Residual;
        float alpha = t.Alpha;
        for (int r = 0; r < t.Rows; r++)
        {
            float* cRow = t.C + (r * t.Ldc);
            float* resRow = residual == null ? null : residual + (r * t.ResidualStride);
            int j = 0;
            if (t.Path == GemmPath.Avx512)
            {
                for (; j + 16 <= t.Cols; j += 16)
                {
                    Vector512<float> v = Vector512.Load(cRow + j) * Vector512.Create(alpha);
                    if (bias != null)
                    {
                        v += Vector512.Load(bias + j);
                    }

                    v = TActivation.Invoke(v);
                    if (resRow != null)
                    {
                        v += Vector512.Load(resRow + j);
                    }

                    Vector512.Store(v, cRow + j);
                }
            }
            else if (t.Path == GemmPath.Avx2)
            {
                for (; j + 8 <= t.Cols; j += 8)
                {
                    Vector256<float> v = Vector256.Load(cRow + j) * Vector256.Create(alpha);
                    if (bias != null)
                    {
                        v += Vector256.Load(bias + j);
                    }

                    v = TActivation.Invoke(v);
                    if (resRow != null)
                    {
                        v += Vector256.Load(resRow + j);
                    }

                    Vector256.Store(v, cRow + j);
                }
            }

            for (; j < t.Cols; j++)
            {
                float v = cRow[j] * alpha;
                if (bias != null)
                {
                    v += bias[j];
                }

                v = TActivation.Invoke(v);
                if (resRow != null)
                {
                    v += resRow[j];
                }

                cRow[j] = v;
            }
        }
    }
}
