using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// The GEMM drivers, correct for any shape, with M, N, K as arguments: generated code calls them with its
/// fixed shapes' constants, and the loop nest is <see cref="GemmBlocking"/>'s. All forms BERT needs, reduced to one kernel, <c>C[M,N] = A[M,K]·B[K,N]</c> with B packed:
/// <list type="bullet">
/// <item><c>Linear</c>: y = x·Wᵀ + b, W pre-packed once (forward linear layers).</item>
/// <item><c>MultiplyTransposedB</c>: C = A·Bᵀ, B <c>[N,K]</c> packed on the fly (attention scores Q·Kᵀ).</item>
/// <item><c>Multiply</c>: C = A·B, B <c>[K,N]</c> packed on the fly (context P·V, dX = dY·W).</item>
/// <item><c>MultiplyTransposedA</c>: C (+)= Aᵀ·B, A stored <c>[K,M]</c> (weight gradient dW += dYᵀ·X).</item>
/// </list>
/// Work is split between the threads of a <see cref="ComputePool"/> by whole panels (or whole 8-row tiles
/// when there are too few panels), and every C element is computed by the same kernel calls in the same
/// order whatever the split, so threaded results are bitwise equal to single-threaded ones.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Gemm
{
    /// <summary>
    /// y[M,N] = epilogue(x[M,K] · Wᵀ), W <c>[N,K]</c> already packed by <see cref="PanelPacker.PackTransposed"/>.
    /// More generally C = A·B for any B already in panel layout: in training, pack W with
    /// <see cref="PanelPacker.PackDirect"/> as <c>[K = out, N = in]</c> once per optimizer step and every
    /// dX = dY·W of the backward pass is this call, without re-packing W per micro-batch.
    /// </summary>
    /// <param name="m">Rows of x and y (tokens).</param>
    /// <param name="n">Output features.</param>
    /// <param name="k">Input features.</param>
    /// <param name="x">Input, row-major, leading dimension <paramref name="ldx"/>.</param>
    /// <param name="ldx">Leading dimension of x, at least k.</param>
    /// <param name="packedW">The packed weight (<see cref="PackedPanels.PackedLength"/>(n, k) floats).</param>
    /// <param name="y">Output, row-major, leading dimension <paramref name="ldy"/>.</param>
    /// <param name="ldy">Leading dimension of y, at least n.</param>
    /// <param name="epilogue">Bias, activation, residual, or accumulate.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void Linear(int m, int n, int k, float* x, nint ldx, float* packedW, float* y, nint ldy,
        in GemmEpilogue epilogue, ComputePool? pool = null) =>
        Linear(m, n, k, x, ldx, packedW, y, ldy, epilogue, pool, GemmPath.Auto);

    /// <summary>The same product on a forced instruction-set path: tests and benchmarks run every path.</summary>
    public static void Linear(int m, int n, int k, float* x, nint ldx, float* packedW, float* y, nint ldy,
        in GemmEpilogue epilogue, ComputePool? pool, GemmPath path)
    {
        ValidateA(m, k, x, ldx, transposed: false);
        GemmProblem problem = new(m, n, k, x, ldx, false, packedW, null, 0, BSource.Packed, y, ldy, epilogue, path);
        Execute(ref problem, pool);
    }

    /// <summary>
    /// C[M,N] = epilogue(A[M,K] · Bᵀ) with B stored <c>[N,K]</c> row-major (e.g. the keys of one head, whose rows
    /// are strided by the fused QKV width). B is packed into <paramref name="packScratch"/> on the fly.
    /// </summary>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="a">A stored <c>[M,K]</c> row-major.</param>
    /// <param name="lda">Leading dimension of A, at least k.</param>
    /// <param name="b">B stored <c>[N,K]</c> row-major.</param>
    /// <param name="ldb">Leading dimension of B, at least k.</param>
    /// <param name="c">C, row-major.</param>
    /// <param name="ldc">Leading dimension of C, at least n.</param>
    /// <param name="packScratch">Scratch of <see cref="PackedPanels.PackedLength"/>(n, k) floats.</param>
    /// <param name="epilogue">Alpha, bias, activation, residual, or accumulate.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void MultiplyTransposedB(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool = null) =>
        MultiplyTransposedB(m, n, k, a, lda, b, ldb, c, ldc, packScratch, epilogue, pool, GemmPath.Auto);

    /// <summary>The same product on a forced instruction-set path: tests and benchmarks run every path.</summary>
    public static void MultiplyTransposedB(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool, GemmPath path)
    {
        ValidateA(m, k, a, lda, transposed: false);
        ValidateB(n, k, b, ldb, k, packScratch);
        GemmProblem problem = new(m, n, k, a, lda, false, packScratch, b, ldb, BSource.RowsAreColumns, c, ldc, epilogue, path);
        Execute(ref problem, pool);
    }

    /// <summary>
    /// C[M,N] = epilogue(A[M,K] · B) with B stored <c>[K,N]</c> row-major (V in P·V; W <c>[out,in]</c> read as
    /// <c>[K=out, N=in]</c> in dX = dY·W). B is packed into <paramref name="packScratch"/> on the fly.
    /// </summary>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="a">A stored <c>[M,K]</c> row-major.</param>
    /// <param name="lda">Leading dimension of A, at least k.</param>
    /// <param name="b">B stored <c>[K,N]</c> row-major.</param>
    /// <param name="ldb">Leading dimension of B, at least n.</param>
    /// <param name="c">C, row-major.</param>
    /// <param name="ldc">Leading dimension of C, at least n.</param>
    /// <param name="packScratch">Scratch of <see cref="PackedPanels.PackedLength"/>(n, k) floats.</param>
    /// <param name="epilogue">Alpha, bias, activation, residual, or accumulate.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void Multiply(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool = null) =>
        Multiply(m, n, k, a, lda, b, ldb, c, ldc, packScratch, epilogue, pool, GemmPath.Auto);

    /// <summary>The same product on a forced instruction-set path: tests and benchmarks run every path.</summary>
    public static void Multiply(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool, GemmPath path)
    {
        ValidateA(m, k, a, lda, transposed: false);
        ValidateB(n, k, b, ldb, n, packScratch);
        GemmProblem problem = new(m, n, k, a, lda, false, packScratch, b, ldb, BSource.RowsAreK, c, ldc, epilogue, path);
        Execute(ref problem, pool);
    }

    /// <summary>
    /// C[M,N] = epilogue(Aᵀ · B) with A stored <c>[K,M]</c> and B stored <c>[K,N]</c>, both row-major: the weight
    /// gradient dW[out,in] += dY[T,out]ᵀ · X[T,in] is <c>m = out, n = in, k = T</c> with
    /// <see cref="GemmEpilogue.AccumulateIntoC"/>. B is packed into <paramref name="packScratch"/> on the fly;
    /// A is read in place.
    /// </summary>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="a">A stored <c>[K,M]</c>: element (i, kk) of the left factor at <c>a[kk·lda + i]</c>.</param>
    /// <param name="lda">Leading dimension of the stored A, at least m.</param>
    /// <param name="b">B stored <c>[K,N]</c> row-major.</param>
    /// <param name="ldb">Leading dimension of B, at least n.</param>
    /// <param name="c">C, row-major.</param>
    /// <param name="ldc">Leading dimension of C, at least n.</param>
    /// <param name="packScratch">Scratch of <see cref="PackedPanels.PackedLength"/>(n, k) floats.</param>
    /// <param name="epilogue">Alpha, bias, activation, residual, or accumulate.</param>
    /// <param name="pool">Threads to split the work over, or null for the calling thread only.</param>
    public static void MultiplyTransposedA(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool = null) =>
        MultiplyTransposedA(m, n, k, a, lda, b, ldb, c, ldc, packScratch, epilogue, pool, GemmPath.Auto);

    /// <summary>The same product on a forced instruction-set path: tests and benchmarks run every path.</summary>
    public static void MultiplyTransposedA(int m, int n, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        float* packScratch, in GemmEpilogue epilogue, ComputePool? pool, GemmPath path)
    {
        ValidateA(m, k, a, lda, transposed: true);
        ValidateB(n, k, b, ldb, n, packScratch);
        GemmProblem problem = new(m, n, k, a, lda, true, packScratch, b, ldb, BSource.RowsAreK, c, ldc, epilogue, path);
        Execute(ref problem, pool);
    }

    /// <summary>
    /// Products below this many flops (2·M·N·K) run on one thread: ~1 µs of work, where a hand-off
    /// (~0.3 µs measured, see bench/README.md) and a second core's cold caches would eat the gain.
    /// </summary>
    internal const long MinimumFlopsToSplit = 1 << 17;

    /// <summary>
    /// How many parts a product of <paramref name="m"/>×<paramref name="n"/>×<paramref name="k"/> is split
    /// into on <paramref name="threads"/> threads, and along which axis: none below
    /// <see cref="MinimumFlopsToSplit"/>; else whole panels when that gives every thread within 10% of an even
    /// share of the columns, else whole 8-row tiles when there are enough of them (N = 256 is 5⅓ panels: split by
    /// panels one thread gets 144 columns and the other 112, split by rows both get half), else panels.
    /// Deterministic in the shape alone; the axis never changes a result (each element of C is computed the same
    /// way by whichever thread owns it).
    /// </summary>
    internal static (int Parts, bool ByPanels) PlanSplit(int m, int n, int k, int threads)
    {
        int panels = PackedPanels.PanelCount(n);
        int tiles = (m + PackedPanels.TileRows - 1) / PackedPanels.TileRows;
        if (threads <= 1 || 2L * m * n * k < MinimumFlopsToSplit)
        {
            return (1, true);
        }

        double panelImbalance = LargestShare(n, PackedPanels.PanelWidth, threads) * threads / n;
        if (panelImbalance <= 1.1)
        {
            return (threads, true);
        }

        double tileImbalance = LargestShare(m, PackedPanels.TileRows, threads) * threads / m;
        if (tiles >= threads && tileImbalance < panelImbalance)
        {
            return (threads, false);
        }

        return panels >= threads ? (threads, true) : (1, true);
    }

    // The most elements of a length split into whole blocks the way RunPart splits them (the last block possibly short).
    private static double LargestShare(int length, int block, int parts)
    {
        int blocks = (length + block - 1) / block;
        int largest = 0;
        for (int part = 0; part < parts; part++)
        {
            (int begin, int end) = BlockRange(blocks, part, parts);
            largest = Math.Max(largest, Math.Min(length, end * block) - Math.Min(length, begin * block));
        }

        return largest;
    }

    // Part `part` of `parts` of `blocks` whole panels or tiles: ParallelRanges' chunking, one block per granule.
    private static (int Begin, int End) BlockRange(int blocks, int part, int parts)
    {
        (long begin, long end) = ParallelRanges.Chunk(blocks, 1, part, parts);
        return ((int)begin, (int)end);
    }

    private static void Execute(ref GemmProblem problem, ComputePool? pool)
    {
        if (problem.N <= 0)
        {
            throw new GemmArgumentException($"GEMM needs positive n, got {problem.N}.");
        }

        if (problem.Packed == null || problem.C == null)
        {
            throw new GemmArgumentException("GEMM got a null packed B or C pointer.");
        }

        if (problem.Ldc < problem.N)
        {
            throw new GemmArgumentException($"GEMM: C's leading dimension {problem.Ldc} is shorter than a row of {problem.N}.");
        }

        problem.Epilogue.Validate(problem.N, problem.C);
        problem.Path = GemmPathResolver.Resolve(problem.Path);
        (int parts, bool byPanels) = PlanSplit(problem.M, problem.N, problem.K, pool?.ThreadCount ?? 1);
        problem.ByPanels = byPanels;
        if (parts == 1 || pool == null)
        {
            RunPart(ref problem, 0, 1);
            return;
        }

        fixed (GemmProblem* context = &problem)
        {
            if (!byPanels && problem.Source != BSource.Packed)
            {
                // Splitting rows: every thread needs every panel, so all are packed (split by panels) in a
                // dispatch of their own before the rows are.
                pool.Run(&PackPartFromPool, context, parts);
                problem.Source = BSource.Packed;
            }

            pool.Run(&RunPartFromPool, context, parts);
        }
    }

    private static void PackPartFromPool(void* context, int part, int parts)
    {
        ref GemmProblem problem = ref *(GemmProblem*)context;
        (int panelBegin, int panelEnd) = BlockRange(PackedPanels.PanelCount(problem.N), part, parts);
        PackPanels(ref problem, panelBegin, panelEnd);
    }

    private static void RunPartFromPool(void* context, int part, int parts) => RunPart(ref *(GemmProblem*)context, part, parts);

    private static void RunPart(ref GemmProblem problem, int part, int parts)
    {
        int panels = PackedPanels.PanelCount(problem.N);
        int tiles = (problem.M + PackedPanels.TileRows - 1) / PackedPanels.TileRows;
        int panelBegin = 0, panelEnd = panels, tileBegin = 0, tileEnd = tiles;
        if (problem.ByPanels)
        {
            (panelBegin, panelEnd) = BlockRange(panels, part, parts);
        }
        else
        {
            (tileBegin, tileEnd) = BlockRange(tiles, part, parts);
        }

        if (problem.Source != BSource.Packed)
        {
            // Each thread packs exactly the panels it multiplies: no barrier between packing and computing.
            PackPanels(ref problem, panelBegin, panelEnd);
        }

        if (problem.ATransposed)
        {
            Compute<TransposedA>(ref problem, panelBegin, panelEnd, tileBegin, tileEnd);
        }
        else
        {
            Compute<RowMajorA>(ref problem, panelBegin, panelEnd, tileBegin, tileEnd);
        }
    }

    private static void PackPanels(ref GemmProblem problem, int panelBegin, int panelEnd)
    {
        if (problem.Source == BSource.RowsAreColumns)
        {
            PanelPacker.PackTransposed(problem.N, problem.K, problem.BSourcePointer, problem.Ldb, problem.Packed, panelBegin, panelEnd);
        }
        else
        {
            PanelPacker.PackDirect(problem.N, problem.K, problem.BSourcePointer, problem.Ldb, problem.Packed, panelBegin, panelEnd);
        }
    }

    // The loop nest of GemmBlocking, over panels [panelBegin, panelEnd) and 8-row tiles [tileBegin, tileEnd).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute<TLayout>(ref GemmProblem problem, int panelBegin, int panelEnd, int tileBegin, int tileEnd)
        where TLayout : struct, IOperandLayout
    {
        const int W = PackedPanels.PanelWidth;
        const int R = PackedPanels.TileRows;
        int m = problem.M, n = problem.N, k = problem.K;
        float* a = problem.A;
        nint lda = problem.Lda;
        float* c = problem.C;
        nint ldc = problem.Ldc;
        GemmPath path = problem.Path;
        GemmEpilogue epilogue = problem.Epilogue;
        bool postOps = epilogue.HasPostOps;
        int fullRows = m / R;
        int tailRows = Math.Max(1, m % R);

        // A tile whose kernel is wider than the panel's real columns is computed into this scratch (ldc 48)
        // and copied back.
        float* scratch = stackalloc float[R * W];
        const int rowBlockTiles = GemmBlocking.RowBlock / R;
        for (int blockBegin = tileBegin; blockBegin < tileEnd; blockBegin += rowBlockTiles)
        {
            int blockEnd = Math.Min(blockBegin + rowBlockTiles, tileEnd);
            for (int panel = panelBegin; panel < panelEnd; panel++)
            {
                int col0 = panel * W;
                int cols = Math.Min(W, n - col0);
                int width = KernelWidth(path, cols);
                delegate*<float*, nint, float*, float*, nint, int, bool, void> full = SelectTile<TLayout>(path, R, width);
                delegate*<float*, nint, float*, float*, nint, int, bool, void> tail = SelectTile<TLayout>(path, tailRows, width);
                float* panelBase = problem.Packed + ((long)panel * k * W);
                for (int k0 = 0; k0 < k; k0 += GemmBlocking.KBlock)
                {
                    int kLen = Math.Min(GemmBlocking.KBlock, k - k0);
                    bool loadC = k0 > 0 || epilogue.Accumulate;
                    bool last = k0 + kLen == k;
                    float* b = panelBase + ((long)k0 * W);
                    for (int tile = blockBegin; tile < blockEnd; tile++)
                    {
                        int row0 = tile * R;
                        int rows = Math.Min(R, m - row0);
                        float* aTile = TLayout.IsTransposed ? a + ((long)k0 * lda) + row0 : a + ((long)row0 * lda) + k0;
                        float* cTile = c + ((long)row0 * ldc) + col0;
                        delegate*<float*, nint, float*, float*, nint, int, bool, void> kernel = tile < fullRows ? full : tail;
                        if (cols == width)
                        {
                            kernel(aTile, lda, b, cTile, ldc, kLen, loadC);
                        }
                        else
                        {
                            if (loadC)
                            {
                                CopyTile(cTile, ldc, scratch, W, rows, cols);
                            }

                            kernel(aTile, lda, b, scratch, W, kLen, loadC);
                            CopyTile(scratch, W, cTile, ldc, rows, cols);
                        }

                        if (last && postOps)
                        {
                            epilogue.ApplyToTile(cTile, ldc, row0, rows, col0, cols, path);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Computes any one tile, for generated per-shape drivers that call the micro-kernels directly for full
    /// 8×48 tiles and this for the edges: <paramref name="rows"/> ≤ 8 rows and <paramref name="cols"/> ≤ 48
    /// columns of C, choosing the kernel exactly as <see cref="Gemm"/>'s own drivers do (row-count instantiation,
    /// the 32/16-wide AVX-512 edge kernels, a scratch tile when the kernel is wider than the real columns), so
    /// a mirrored driver gives bitwise the same results. No epilogue: call
    /// <see cref="GemmEpilogue.ApplyToTile"/> after the tile's last K-block.
    /// </summary>
    /// <param name="path">A concrete path (not <see cref="GemmPath.Auto"/>), as resolved by <see cref="GemmPathResolver"/>.</param>
    /// <param name="aTransposed">A is stored transposed (<see cref="TransposedA"/>).</param>
    /// <param name="rows">Rows of the tile, 1 to 8.</param>
    /// <param name="cols">Real columns of the tile, 1 to 48.</param>
    /// <param name="a">A's element (0, 0) of this tile and K-block.</param>
    /// <param name="lda">A's leading dimension.</param>
    /// <param name="b">The packed panel at this K-block.</param>
    /// <param name="c">C's element (0, 0) of this tile.</param>
    /// <param name="ldc">C's leading dimension.</param>
    /// <param name="k">Reduction length of this K-block.</param>
    /// <param name="loadC">Accumulate onto C instead of overwriting it.</param>
    internal static void EdgeTile(GemmPath path, bool aTransposed, int rows, int cols, float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
    {
        if (path == GemmPath.Auto || path > GemmPath.Scalar)
        {
            throw new GemmArgumentException($"EdgeTile needs a concrete GEMM path, got {path}.");
        }

        if (rows < 1 || rows > PackedPanels.TileRows || cols < 1 || cols > PackedPanels.PanelWidth || k < 1)
        {
            throw new GemmArgumentException($"EdgeTile got rows={rows}, cols={cols}, k={k}; needs 1..8 rows, 1..48 columns, k ≥ 1.");
        }

        int width = KernelWidth(path, cols);
        delegate*<float*, nint, float*, float*, nint, int, bool, void> kernel = aTransposed
            ? SelectTile<TransposedA>(path, rows, width)
            : SelectTile<RowMajorA>(path, rows, width);
        if (cols == width)
        {
            kernel(a, lda, b, c, ldc, k, loadC);
            return;
        }

        float* scratch = stackalloc float[PackedPanels.TileRows * PackedPanels.PanelWidth];
        if (loadC)
        {
            CopyTile(c, ldc, scratch, PackedPanels.PanelWidth, rows, cols);
        }

        kernel(a, lda, b, scratch, PackedPanels.PanelWidth, k, loadC);
        CopyTile(scratch, PackedPanels.PanelWidth, c, ldc, rows, cols);
    }

    private static void CopyTile(float* source, nint ldSource, float* destination, nint ldDestination, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(source + (r * ldSource), cols).CopyTo(new Span<float>(destination + (r * ldDestination), cols));
        }
    }

    // The kernel for `rows` rows of a panel slice `width` columns wide (48, or 32 / 16 for the AVX-512 edge
    // kernels that skip a mostly padded last panel).
    private static delegate*<float*, nint, float*, float*, nint, int, bool, void> SelectTile<TLayout>(GemmPath path, int rows, int width)
        where TLayout : struct, IOperandLayout => path switch
    {
        GemmPath.Avx512 => width switch
        {
            16 => rows switch
            {
            1 => &Avx512Tile16<Rows1, TLayout>,
            2 => &Avx512Tile16<Rows2, TLayout>,
            3 => &Avx512Tile16<Rows3, TLayout>,
            4 => &Avx512Tile16<Rows4, TLayout>,
            5 => &Avx512Tile16<Rows5, TLayout>,
            6 => &Avx512Tile16<Rows6, TLayout>,
            7 => &Avx512Tile16<Rows7, TLayout>,
            _ => &Avx512Tile16<Rows8, TLayout>,
            },
            32 => rows switch
            {
            1 => &Avx512Tile32<Rows1, TLayout>,
            2 => &Avx512Tile32<Rows2, TLayout>,
            3 => &Avx512Tile32<Rows3, TLayout>,
            4 => &Avx512Tile32<Rows4, TLayout>,
            5 => &Avx512Tile32<Rows5, TLayout>,
            6 => &Avx512Tile32<Rows6, TLayout>,
            7 => &Avx512Tile32<Rows7, TLayout>,
            _ => &Avx512Tile32<Rows8, TLayout>,
            },
            _ => rows switch
            {
            1 => &Avx512Tile<Rows1, TLayout>,
            2 => &Avx512Tile<Rows2, TLayout>,
            3 => &Avx512Tile<Rows3, TLayout>,
            4 => &Avx512Tile<Rows4, TLayout>,
            5 => &Avx512Tile<Rows5, TLayout>,
            6 => &Avx512Tile<Rows6, TLayout>,
            7 => &Avx512Tile<Rows7, TLayout>,
            _ => &Avx512Tile<Rows8, TLayout>,
            },
        },
        GemmPath.Avx2 => rows switch
        {
            1 => &Avx2Tile<Rows1, TLayout>,
            2 => &Avx2Tile<Rows2, TLayout>,
            3 => &Avx2Tile<Rows3, TLayout>,
            4 => &Avx2Tile<Rows4, TLayout>,
            5 => &Avx2Tile<Rows5, TLayout>,
            6 => &Avx2Tile<Rows6, TLayout>,
            7 => &Avx2Tile<Rows7, TLayout>,
            _ => &Avx2Tile<Rows8, TLayout>,
        },
        _ => rows switch
        {
            1 => &GemmTileScalar.Tile<Rows1, TLayout>,
            2 => &GemmTileScalar.Tile<Rows2, TLayout>,
            3 => &GemmTileScalar.Tile<Rows3, TLayout>,
            4 => &GemmTileScalar.Tile<Rows4, TLayout>,
            5 => &GemmTileScalar.Tile<Rows5, TLayout>,
            6 => &GemmTileScalar.Tile<Rows6, TLayout>,
            7 => &GemmTileScalar.Tile<Rows7, TLayout>,
            _ => &GemmTileScalar.Tile<Rows8, TLayout>,
        },
    };

    // Width of the kernel that covers a panel with `cols` real columns on `path`.
    private static int KernelWidth(GemmPath path, int cols) =>
        path != GemmPath.Avx512 || cols > 32 ? PackedPanels.PanelWidth : cols > 16 ? 32 : 16;

    // One out-of-line copy of each inlined micro-kernel, so the driver calls it through a pointer.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx512Tile<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
        => GemmTileAvx512.Tile<TRows, TLayout>(a, lda, b, c, ldc, k, loadC);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx512Tile32<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
        => GemmTileAvx512.Tile32<TRows, TLayout>(a, lda, b, c, ldc, k, loadC);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx512Tile16<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
        => GemmTileAvx512.Tile16<TRows, TLayout>(a, lda, b, c, ldc, k, loadC);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Avx2Tile<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
        => GemmTileAvx2.Tile<TRows, TLayout>(a, lda, b, c, ldc, k, loadC);

    private static void ValidateA(int m, int k, float* a, nint lda, bool transposed)
    {
        if (m <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"GEMM needs positive m and k, got m={m}, k={k}.");
        }

        if (a == null)
        {
            throw new GemmArgumentException("GEMM got a null A pointer.");
        }

        int row = transposed ? m : k;
        if (lda < row)
        {
            throw new GemmArgumentException($"GEMM: A's leading dimension {lda} is shorter than a row of {row}.");
        }
    }

    private static void ValidateB(int n, int k, float* b, nint ldb, int row, float* packScratch)
    {
        if (b == null || packScratch == null)
        {
            throw new GemmArgumentException("GEMM got a null B or packing scratch pointer.");
        }

        if (n <= 0)
        {
            throw new GemmArgumentException($"GEMM needs positive n, got n={n}.");
        }

        if (ldb < row)
        {
            throw new GemmArgumentException($"GEMM: B's leading dimension {ldb} is shorter than a row of {row}.");
        }
    }
}
