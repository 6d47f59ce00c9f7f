using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// LayerNorm for training, forward beside backward: the forward keeps x̂ = (x − μ)·rstd and rstd per row for the
/// backward. Rows of <c>width</c> floats; statistics in float like torch's CPU kernel, two passes for the variance.
/// Vector512, Vector256 or scalar over each row by the machine, with a scalar tail.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class LayerNormKernels
{
    /// <summary>Below this many floats per thread a LayerNorm forward runs on the calling thread alone.</summary>
    public const long MinimumFloatsPerPart = 1 << 14;

    /// <summary>
    /// y = x̂·γ + β with x̂ and rstd saved. <paramref name="y"/> may equal <paramref name="x"/>. Rows are
    /// independent, so they are split over <paramref name="pool"/> when given without changing any result.
    /// </summary>
    public static void Forward(float* x, float* y, float* xhat, float* rstd, int rows, int width, float* gamma, float* beta, float epsilon, ComputePool? pool = null) =>
        Forward(x, y, xhat, rstd, rows, width, gamma, beta, epsilon, pool, VectorWidths.Best);

    internal static void Forward(float* x, float* y, float* xhat, float* rstd, int rows, int width, float* gamma, float* beta, float epsilon, ComputePool? pool, VectorWidth vectors)
    {
        var work = new ForwardOperands { X = x, Y = y, Xhat = xhat, Rstd = rstd, Width = width, Gamma = gamma, Beta = beta, Epsilon = epsilon, Vectors = vectors };
        ParallelRanges.Run(pool, rows, 1, Math.Max(1, MinimumFloatsPerPart / Math.Max(1, width)), &ForwardRows, &work);
    }

    /// <summary>
    /// The inference LayerNorm, in place: <paramref name="rowKernel"/> (a generated kernel unrolled for one width) over
    /// <paramref name="rows"/> rows of <paramref name="width"/> floats, split by rows over <paramref name="pool"/> as
    /// <see cref="Forward(float*, float*, float*, float*, int, int, float*, float*, float, ComputePool?)"/> splits
    /// them. Every row is normalised by the same kernel call whichever thread takes it, so any split gives the same bits.
    /// </summary>
    /// <param name="rowKernel">Normalises <c>rows</c> consecutive rows from <c>x</c>: <c>(x, rows, gamma, beta)</c>.</param>
    /// <param name="x">The first row; rows are <paramref name="width"/> floats apart.</param>
    /// <param name="rows">Rows to normalise.</param>
    /// <param name="width">Floats per row (the kernel's width).</param>
    /// <param name="gamma">The scale, <paramref name="width"/> floats.</param>
    /// <param name="beta">The shift, <paramref name="width"/> floats.</param>
    /// <param name="pool">Threads to split the rows over, or null for the calling thread only.</param>
    public static void InPlace(delegate* managed<float*, int, float*, float*, void> rowKernel, float* x, int rows, int width, float* gamma, float* beta, ComputePool? pool)
    {
        if (rowKernel == null || x == null || gamma == null || beta == null || rows < 0 || width < 1)
        {
            throw new ArgumentException($"LayerNorm in place needs a row kernel, rows ≥ 0 and width ≥ 1 with non-null rows, scale and shift; got {rows} rows of {width}.");
        }

        var work = new InPlaceOperands { RowKernel = rowKernel, X = x, Width = width, Gamma = gamma, Beta = beta };
        ParallelRanges.Run(pool, rows, 1, Math.Max(1, MinimumFloatsPerPart / width), &InPlaceRows, &work);
    }

    private static void InPlaceRows(void* state, long begin, long end)
    {
        var work = (InPlaceOperands*)state;
        work->RowKernel(work->X + (begin * work->Width), (int)(end - begin), work->Gamma, work->Beta);
    }

    private static void ForwardRows(void* state, long begin, long end)
    {
        var work = (ForwardOperands*)state;
        float* x = work->X, y = work->Y, xhat = work->Xhat, rstd = work->Rstd, gamma = work->Gamma, beta = work->Beta;
        int width = work->Width;
        float epsilon = work->Epsilon;
        VectorWidth vectors = work->Vectors;
        for (long r = begin; r < end; r++)
        {
            float* xr = x + (r * width), yr = y + (r * width), hr = xhat + (r * width);

            // pass 1: mean
            float mean = Sum(xr, width, vectors) / width;

            // pass 2: variance around the mean (no cancellation from E[x²] − E[x]²)
            float variance = 0f;
            int j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> acc = Vector512<float>.Zero, m = Vector512.Create(mean);
                for (; j <= width - 16; j += 16)
                {
                    Vector512<float> d = Vector512.Load(xr + j) - m;
                    acc += d * d;
                }

                variance = Vector512.Sum(acc);
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> acc = Vector256<float>.Zero, m = Vector256.Create(mean);
                for (; j <= width - 8; j += 8)
                {
                    Vector256<float> d = Vector256.Load(xr + j) - m;
                    acc += d * d;
                }

                variance = Vector256.Sum(acc);
            }

            for (; j < width; j++)
            {
                float d = xr[j] - mean;
                variance += d * d;
            }

            // pass 3: x̂ and y
            float inv = 1f / MathF.Sqrt((variance / width) + epsilon);
            rstd[r] = inv;
            j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> m = Vector512.Create(mean), s = Vector512.Create(inv);
                for (; j <= width - 16; j += 16)
                {
                    Vector512<float> h = (Vector512.Load(xr + j) - m) * s;
                    h.Store(hr + j);
                    Vector512.FusedMultiplyAdd(h, Vector512.Load(gamma + j), Vector512.Load(beta + j)).Store(yr + j);
                }
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(inv);
                for (; j <= width - 8; j += 8)
                {
                    Vector256<float> h = (Vector256.Load(xr + j) - m) * s;
                    h.Store(hr + j);
                    Vector256.FusedMultiplyAdd(h, Vector256.Load(gamma + j), Vector256.Load(beta + j)).Store(yr + j);
                }
            }

            for (; j < width; j++)
            {
                float h = (xr[j] - mean) * inv;
                hr[j] = h;
                yr[j] = (h * gamma[j]) + beta[j];
            }
        }
    }

    /// <summary>
    /// Backward of y = x̂·γ + β (forward: y = LayerNorm(x)):
    /// dγ += Σ_rows dy·x̂, dβ += Σ_rows dy, and
    /// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ. dx is written (or added, when
    /// <paramref name="accumulate"/>) and may equal dy when not accumulating.
    /// </summary>
    public static void Backward(float* dy, float* xhat, float* rstd, float* gamma, float* dx, float* dGamma, float* dBeta, int rows, int width, bool accumulate) =>
        Backward(dy, xhat, rstd, gamma, dx, dGamma, dBeta, rows, width, accumulate, VectorWidths.Best);

    internal static void Backward(float* dy, float* xhat, float* rstd, float* gamma, float* dx, float* dGamma, float* dBeta, int rows, int width, bool accumulate, VectorWidth vectors)
    {
        for (int r = 0; r < rows; r++)
        {
            float* dyr = dy + ((long)r * width), hr = xhat + ((long)r * width), dxr = dx + ((long)r * width);

            // pass 1: dγ, dβ, and the row's Σg and Σg·x̂
            float sumG = 0f, sumGx = 0f;
            int j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> accG = Vector512<float>.Zero, accGx = Vector512<float>.Zero;
                for (; j <= width - 16; j += 16)
                {
                    Vector512<float> d = Vector512.Load(dyr + j), h = Vector512.Load(hr + j);
                    Vector512.FusedMultiplyAdd(d, h, Vector512.Load(dGamma + j)).Store(dGamma + j);
                    (Vector512.Load(dBeta + j) + d).Store(dBeta + j);
                    Vector512<float> gj = d * Vector512.Load(gamma + j);
                    accG += gj;
                    accGx = Vector512.FusedMultiplyAdd(gj, h, accGx);
                }

                sumG = Vector512.Sum(accG);
                sumGx = Vector512.Sum(accGx);
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> accG = Vector256<float>.Zero, accGx = Vector256<float>.Zero;
                for (; j <= width - 8; j += 8)
                {
                    Vector256<float> d = Vector256.Load(dyr + j), h = Vector256.Load(hr + j);
                    Vector256.FusedMultiplyAdd(d, h, Vector256.Load(dGamma + j)).Store(dGamma + j);
                    (Vector256.Load(dBeta + j) + d).Store(dBeta + j);
                    Vector256<float> gj = d * Vector256.Load(gamma + j);
                    accG += gj;
                    accGx = Vector256.FusedMultiplyAdd(gj, h, accGx);
                }

                sumG = Vector256.Sum(accG);
                sumGx = Vector256.Sum(accGx);
            }

            for (; j < width; j++)
            {
                float d = dyr[j];
                dGamma[j] += d * hr[j];
                dBeta[j] += d;
                float gj = d * gamma[j];
                sumG += gj;
                sumGx += gj * hr[j];
            }

            // pass 2: dx
            float meanG = sumG / width, meanGx = sumGx / width, inv = rstd[r];
            j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> mg = Vector512.Create(meanG), mgx = Vector512.Create(meanGx), s = Vector512.Create(inv);
                for (; j <= width - 16; j += 16)
                {
                    Vector512<float> gj = Vector512.Load(dyr + j) * Vector512.Load(gamma + j);
                    Vector512<float> v = s * (gj - mg - (Vector512.Load(hr + j) * mgx));
                    (accumulate ? Vector512.Load(dxr + j) + v : v).Store(dxr + j);
                }
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> mg = Vector256.Create(meanG), mgx = Vector256.Create(meanGx), s = Vector256.Create(inv);
                for (; j <= width - 8; j += 8)
                {
                    Vector256<float> gj = Vector256.Load(dyr + j) * Vector256.Load(gamma + j);
                    Vector256<float> v = s * (gj - mg - (Vector256.Load(hr + j) * mgx));
                    (accumulate ? Vector256.Load(dxr + j) + v : v).Store(dxr + j);
                }
            }

            for (; j < width; j++)
            {
                float v = inv * ((dyr[j] * gamma[j]) - meanG - (hr[j] * meanGx));
                dxr[j] = accumulate ? dxr[j] + v : v;
            }
        }
    }

    private static float Sum(float* x, int n, VectorWidth vectors)
    {
        int j = 0;
        float total = 0f;
        if (vectors == VectorWidth.Bits512 && n >= 16)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; j <= n - 16; j += 16)
            {
                acc += Vector512.Load(x + j);
            }

            total = Vector512.Sum(acc);
        }
        else if (vectors == VectorWidth.Bits256 && n >= 8)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; j <= n - 8; j += 8)
            {
                acc += Vector256.Load(x + j);
            }

            total = Vector256.Sum(acc);
        }

        for (; j < n; j++)
        {
            total += x[j];
        }

        return total;
    }

    // What a chunk of rows of a LayerNorm forward needs; lives on the dispatching thread's stack during the call.
    private struct ForwardOperands
    {
        public float* X;
        public float* Y;
        public float* Xhat;
        public float* Rstd;
        public float* Gamma;
        public float* Beta;
        public int Width;
        public float Epsilon;
        public VectorWidth Vectors;
    }

    // What a chunk of rows of an in-place LayerNorm needs, on the dispatching thread's stack during the call.
    private struct InPlaceOperands
    {
        public delegate* managed<float*, int, float*, float*, void> RowKernel;
        public float* X;
        public int Width;
        public float* Gamma;
        public float* Beta;
    }
}
