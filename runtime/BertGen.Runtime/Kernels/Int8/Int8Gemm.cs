using System;
using System.Runtime.CompilerServices;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The int8 linear layer of ONNX Runtime's dynamic quantisation: <c>y[M,N] = epilogue(x[M,K] · Wᵀ)</c> with W
/// quantised once (<see cref="Int8LinearPacker"/>: int8 per output channel, symmetric) and x quantised per row
/// on the fly (unsigned, with a zero point, <see cref="Int8Quantizer"/>), int32 accumulation, then
/// <c>y = float(Σ(a − zp)·q) · scaleA · scaleW</c> and the fp32 GEMM's own epilogue (bias, GELU, ReLU, tanh,
/// residual) on each finished tile.
/// </summary>
/// <remarks>
/// <para>
/// Work is split like <see cref="Gemm"/>'s (<see cref="Gemm.PlanSplit"/>: whole 48-column panels, or whole 8-row
/// tiles). Split by rows, each thread quantises the rows it multiplies; split by panels, every thread needs every
/// row, so the rows are quantised in a dispatch of their own first. Rows are quantised independently of each
/// other and of the split, so a row's output does not depend on the batch it is in or on the thread count.
/// </para>
/// <para>
/// Loop nest per thread, as the fp32 GEMM's: row blocks of 128 rows, panels, K-blocks of <see cref="KBlock"/>
/// bytes (the panel's 768 × 48-byte slice, 36 KB, is re-read by every tile of the row block), 8-row tiles.
/// Between K-blocks a tile's int32 partial sums are kept in C's own memory; the last K-block dequantises.
/// </para>
/// </remarks>
internal static unsafe class Int8Gemm
{
    /// <summary>Deepest K the int32 accumulators hold exactly: |Σ(a − zp)·q| ≤ 255·127·K &lt; 2³¹.</summary>
    public const int MaxDepth = 65536;

    /// <summary>
    /// K per block, in bytes of an A row (a multiple of the k-group): BERT-base's and MiniLM's K = 768 and 384 in one
    /// block. 768 measured 1–2 points above 512 at K = 768 (one block instead of two) and no worse elsewhere; the
    /// slice fits Zen 5's 48 KB L1 (on Zen 4's 32 KB the prefetcher streams it from L2, as the fp32 GEMM's 48 KB).
    /// </summary>
    internal const int KBlock = 768;

    /// <summary>
    /// Bytes of scratch <see cref="Linear"/> needs to quantise <paramref name="m"/> rows of <paramref name="k"/> inputs,
    /// a multiple of 64: <c>m·⌈k/64⌉·64 + ⌈8m/64⌉·64</c> (the rows, each on its own cache lines, then a float scale
    /// and an int zero point per row). One call's scratch is free again when it returns, so the linears of a pass
    /// can share one region of the largest size.
    /// </summary>
    public static long ScratchBytes(int m, int k)
    {
        if (m <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"int8 GEMM scratch needs positive m and k, got m={m}, k={k}.");
        }

        return QuantizedRows.ScratchBytes(m, k);
    }

    /// <summary>
    /// y[M,N] = epilogue(x[M,K] · Wᵀ) with W packed by <see cref="Int8LinearPacker"/>, on the fastest int8 path.
    /// </summary>
    /// <param name="m">Rows of x and y (tokens).</param>
    /// <param name="n">Output features.</param>
    /// <param name="k">Input features, at most <see cref="MaxDepth"/>.</param>
    /// <param name="x">Input, row-major, leading dimension <paramref name="ldx"/>.</param>
    /// <param name="ldx">Leading dimension of x, at least k.</param>
    /// <param name="packedW">The packed weight (<see cref="QuantizedPanels.PackedBytes"/>(n, k) bytes).</param>
    /// <param name="y">Output, row-major, leading dimension <paramref name="ldy"/>.</param>
    /// <param name="ldy">Leading dimension of y, at least n.</param>
    /// <param name="epilogue">Alpha, bias, activation, residual; not accumulate.</param>
    /// <param name="scratch"><see cref="ScratchBytes"/>(m, k) bytes for the quantised rows, not aliasing x or y.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void Linear(int m, int n, int k, float* x, nint ldx, byte* packedW, float* y, nint ldy, in GemmEpilogue epilogue, byte* scratch, ComputePool? pool = null)
        => LinearOnPath(m, n, k, x, ldx, packedW, y, ldy, epilogue, scratch, pool, Int8Path.Auto);

    /// <summary><see cref="Linear"/> on a forced path (tests and benchmarks compare the paths).</summary>
    internal static void LinearOnPath(int m, int n, int k, float* x, nint ldx, byte* packedW, float* y, nint ldy, in GemmEpilogue epilogue, byte* scratch, ComputePool? pool, Int8Path path)
    {
        Validate(m, n, k, x, ldx, packedW, y, ldy, epilogue, scratch);
        var problem = new Int8GemmProblem
        {
            M = m, N = n, K = k, X = x, Ldx = ldx, Packed = packedW, Y = y, Ldy = ldy,
            Epilogue = epilogue, Scratch = scratch, Path = Int8PathResolver.Resolve(path),
        };
        (int parts, bool byPanels) = PlanSplit(m, n, k, pool?.ThreadCount ?? 1);
        problem.ByPanels = byPanels;
        if (parts == 1 || pool == null)
        {
            QuantizeRows(ref problem, 0, m);
            Compute(ref problem, 0, PackedPanels.PanelCount(n), 0, TileCount(m));
            return;
        }

        Int8GemmProblem* context = &problem;
        if (byPanels)
        {
            pool.Run(&QuantizePartFromPool, context, parts);
        }

        pool.Run(&RunPartFromPool, context, parts);
    }

    /// <summary>
    /// The fp32 GEMM's split (<see cref="Gemm.PlanSplit"/>), except that whole 8-row tiles are preferred whenever they
    /// share out evenly: split by rows, each thread quantises the rows it multiplies in the same dispatch, while split by
    /// panels every row is needed by every thread, so the rows are quantised in a dispatch of their own first and read
    /// across cores. (The fp32 GEMM prefers panels: each thread then streams half of weights four times the size.)
    /// </summary>
    internal static (int Parts, bool ByPanels) PlanSplit(int m, int n, int k, int threads)
    {
        (int parts, bool byPanels) = Gemm.PlanSplit(m, n, k, threads);
        int tiles = TileCount(m);
        if (parts > 1 && byPanels && tiles >= threads && tiles % threads == 0)
        {
            return (threads, false);
        }

        return (parts, byPanels);
    }

    /// <summary>The fp32 path whose epilogue an int8 path applies (so tests can apply the same one).</summary>
    internal static GemmPath EpiloguePath(Int8Path path) =>
        Int8PathResolver.Resolve(path) == Int8Path.Scalar ? GemmPath.Scalar : GemmPathResolver.Resolve(GemmPath.Auto);

    private static int TileCount(int m) => (m + PackedPanels.TileRows - 1) / PackedPanels.TileRows;

    private static void QuantizePartFromPool(void* context, int part, int parts)
    {
        ref Int8GemmProblem problem = ref *(Int8GemmProblem*)context;
        (long begin, long end) = ParallelRanges.Chunk(problem.M, 1, part, parts);
        QuantizeRows(ref problem, (int)begin, (int)end);
    }

    private static void RunPartFromPool(void* context, int part, int parts)
    {
        ref Int8GemmProblem problem = ref *(Int8GemmProblem*)context;
        int panels = PackedPanels.PanelCount(problem.N);
        int tiles = TileCount(problem.M);
        if (problem.ByPanels)
        {
            (long panelBegin, long panelEnd) = ParallelRanges.Chunk(panels, 1, part, parts);
            Compute(ref problem, (int)panelBegin, (int)panelEnd, 0, tiles);
            return;
        }

        // Split by rows: this thread's rows are only read by this thread, so it quantises them itself.
        (long tileBegin, long tileEnd) = ParallelRanges.Chunk(tiles, 1, part, parts);
        int rowBegin = (int)tileBegin * PackedPanels.TileRows;
        int rowEnd = Math.Min(problem.M, (int)tileEnd * PackedPanels.TileRows);
        QuantizeRows(ref problem, rowBegin, rowEnd);
        Compute(ref problem, 0, panels, (int)tileBegin, (int)tileEnd);
    }

    private static void QuantizeRows(ref Int8GemmProblem problem, int rowBegin, int rowEnd)
    {
        int m = problem.M, k = problem.K;
        int stride = QuantizedRows.Stride(k);
        VectorWidth width = problem.Path == Int8Path.Scalar ? VectorWidth.Scalar : VectorWidths.Best;
        Int8Quantizer.QuantizeActivationRows(
            problem.X + (rowBegin * problem.Ldx), problem.Ldx, rowEnd - rowBegin, k,
            problem.Scratch + ((long)rowBegin * stride), stride,
            QuantizedRows.Scales(problem.Scratch, m, k) + rowBegin, QuantizedRows.ZeroPoints(problem.Scratch, m, k) + rowBegin, width);
    }

    // The loop nest over panels [panelBegin, panelEnd) and 8-row tiles [tileBegin, tileEnd).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(ref Int8GemmProblem problem, int panelBegin, int panelEnd, int tileBegin, int tileEnd)
    {
        const int W = QuantizedPanels.PanelWidth;
        const int R = PackedPanels.TileRows;
        int m = problem.M, n = problem.N, k = problem.K;
        int depth = QuantizedPanels.PaddedDepth(k);
        int stride = QuantizedRows.Stride(k);
        byte* a = problem.Scratch;
        float* rowScales = QuantizedRows.Scales(a, m, k);
        int* rowZeroPoints = QuantizedRows.ZeroPoints(a, m, k);
        int* columnSums = (int*)(problem.Packed + QuantizedPanels.ColumnSumsOffset(n, k));
        float* columnScales = (float*)(problem.Packed + QuantizedPanels.ScalesOffset(n, k));
        float* c = problem.Y;
        nint ldc = problem.Ldy;
        GemmEpilogue epilogue = problem.Epilogue;
        bool postOps = epilogue.HasPostOps;
        GemmPath epiloguePath = EpiloguePath(problem.Path);

        // A full-width tile's kernel adds the bias, and the residual when no activation comes between them, to the
        // dequantised values in registers (with α = 1 the epilogue's product by α is exact, so the adds are the
        // same); the epilogue pass then does only what is left, or nothing. Edge tiles (computed in the scratch
        // below, 48 columns of which only some are real) leave it all to the epilogue pass.
        bool fuse = epilogue.Alpha == 1f;
        float* fusedBias = fuse ? epilogue.Bias : null;
        float* fusedResidual = fuse && epilogue.Activation == Activation.None ? epilogue.Residual : null;
        GemmEpilogue rest = !fuse ? epilogue
            : fusedResidual != null || epilogue.Residual == null ? GemmEpilogue.None.WithActivation(epilogue.Activation)
            : GemmEpilogue.None.WithActivation(epilogue.Activation).WithResidual(epilogue.Residual, epilogue.ResidualStride);
        delegate*<byte*, nint, sbyte*, float*, nint, int, bool, Int8TileOutput*, void> full = SelectTile(problem.Path, R);
        delegate*<byte*, nint, sbyte*, float*, nint, int, bool, Int8TileOutput*, void> tail = SelectTile(problem.Path, Math.Max(1, m % R));
        int fullRows = m / R;

        // A tile of the last panel whose real columns are fewer than 48 is computed here (ldc 48) and copied.
        float* scratch = stackalloc float[R * W];
        const int rowBlockTiles = GemmBlocking.RowBlock / R;
        for (int blockBegin = tileBegin; blockBegin < tileEnd; blockBegin += rowBlockTiles)
        {
            int blockEnd = Math.Min(blockBegin + rowBlockTiles, tileEnd);
            for (int panel = panelBegin; panel < panelEnd; panel++)
            {
                int col0 = panel * W;
                int cols = Math.Min(W, n - col0);
                sbyte* panelBase = (sbyte*)problem.Packed + ((long)panel * depth * W);
                for (int k0 = 0; k0 < depth; k0 += KBlock)
                {
                    int kLen = Math.Min(KBlock, depth - k0);
                    bool loadC = k0 > 0;
                    bool last = k0 + kLen == depth;
                    sbyte* b = panelBase + ((long)k0 * W);
                    for (int tile = blockBegin; tile < blockEnd; tile++)
                    {
                        int row0 = tile * R;
                        int rows = Math.Min(R, m - row0);
                        byte* aTile = a + ((long)row0 * stride) + k0;
                        float* cTile = c + (row0 * ldc) + col0;
                        bool fullWidth = cols == W;
                        Int8TileOutput output = new(rowScales + row0, rowZeroPoints + row0, columnScales + col0, columnSums + col0,
                            fullWidth && fusedBias != null ? fusedBias + col0 : null,
                            fullWidth && fusedResidual != null ? fusedResidual + (row0 * epilogue.ResidualStride) + col0 : null,
                            epilogue.ResidualStride);
                        Int8TileOutput* dequantize = last ? &output : null;
                        delegate*<byte*, nint, sbyte*, float*, nint, int, bool, Int8TileOutput*, void> kernel = tile < fullRows ? full : tail;
                        if (fullWidth)
                        {
                            kernel(aTile, stride, b, cTile, ldc, kLen / QuantizedPanels.GroupDepth, loadC, dequantize);
                        }
                        else
                        {
                            if (loadC)
                            {
                                CopyTile(cTile, ldc, scratch, W, rows, cols);
                            }

                            kernel(aTile, stride, b, scratch, W, kLen / QuantizedPanels.GroupDepth, loadC, dequantize);
                            CopyTile(scratch, W, cTile, ldc, rows, cols);
                        }

                        if (last && !fullWidth && postOps)
                        {
                            epilogue.ApplyToTile(cTile, ldc, row0, rows, col0, cols, epiloguePath);
                        }
                        else if (last && rest.HasPostOps)
                        {
                            rest.ApplyToTile(cTile, ldc, row0, rows, col0, cols, epiloguePath);
                        }
                    }
                }
            }
        }
    }

    // Copies int32 partial sums or floats alike: both are 4-byte patterns.
    private static void CopyTile(float* source, nint ldSource, float* destination, nint ldDestination, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(source + (r * ldSource), cols).CopyTo(new Span<float>(destination + (r * ldDestination), cols));
        }
    }

    // The kernel for `rows` rows of a panel on `path`.
    private static delegate*<byte*, nint, sbyte*, float*, nint, int, bool, Int8TileOutput*, void> SelectTile(Int8Path path, int rows) => path switch
    {
        Int8Path.AvxVnni => rows switch
        {
            1 => &VnniTile<Rows1>,
            2 => &VnniTile<Rows2>,
            3 => &VnniTile<Rows3>,
            4 => &VnniTile<Rows4>,
            5 => &VnniTile<Rows5>,
            6 => &VnniTile<Rows6>,
            7 => &VnniTile<Rows7>,
            _ => &VnniTile<Rows8>,
        },
        Int8Path.Avx2 => rows switch
        {
            1 => &Avx2Tile<Rows1>,
            2 => &Avx2Tile<Rows2>,
            3 => &Avx2Tile<Rows3>,
            4 => &Avx2Tile<Rows4>,
            5 => &Avx2Tile<Rows5>,
            6 => &Avx2Tile<Rows6>,
            7 => &Avx2Tile<Rows7>,
            _ => &Avx2Tile<Rows8>,
        },
        _ => rows switch
        {
            1 => &Int8TileScalar.Tile<Rows1>,
            2 => &Int8TileScalar.Tile<Rows2>,
            3 => &Int8TileScalar.Tile<Rows3>,
            4 => &Int8TileScalar.Tile<Rows4>,
            5 => &Int8TileScalar.Tile<Rows5>,
            6 => &Int8TileScalar.Tile<Rows6>,
            7 => &Int8TileScalar.Tile<Rows7>,
            _ => &Int8TileScalar.Tile<Rows8>,
        },
    };

    // One out-of-line copy of each kernel, so the driver calls it through a pointer.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void VnniTile<TRows>(byte* a, nint lda, sbyte* b, float* c, nint ldc, int groups, bool loadC, Int8TileOutput* output)
        where TRows : struct, ITileRows
        => Int8Tile256.Tile<TRows, VnniDot, System.Runtime.Intrinsics.Vector256<byte>>(a, lda, b, c, ldc, groups, loadC, output);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx2Tile<TRows>(byte* a, nint lda, sbyte* b, float* c, nint ldc, int groups, bool loadC, Int8TileOutput* output)
        where TRows : struct, ITileRows
        => Int8Tile256.Tile<TRows, SplitActivationDot, SplitActivationDot.Halves>(a, lda, b, c, ldc, groups, loadC, output);

    private static void Validate(int m, int n, int k, float* x, nint ldx, byte* packedW, float* y, nint ldy, in GemmEpilogue epilogue, byte* scratch)
    {
        if (m <= 0 || n <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"int8 GEMM needs positive m, n and k, got m={m}, n={n}, k={k}.");
        }

        if (k > MaxDepth)
        {
            throw new GemmArgumentException($"int8 GEMM accumulates in int32, exact up to k = {MaxDepth}; got k={k}.");
        }

        if (x == null || packedW == null || y == null || scratch == null)
        {
            throw new GemmArgumentException("int8 GEMM got a null x, packed weight, y or scratch pointer.");
        }

        if (ldx < k)
        {
            throw new GemmArgumentException($"int8 GEMM: x's leading dimension {ldx} is shorter than a row of {k}.");
        }

        if (ldy < n)
        {
            throw new GemmArgumentException($"int8 GEMM: y's leading dimension {ldy} is shorter than a row of {n}.");
        }

        if (epilogue.Accumulate)
        {
            throw new GemmArgumentException("int8 GEMM epilogue: accumulate mode is a training form; the int8 path is inference only.");
        }

        epilogue.Validate(n, y);
    }
}
