using System;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Backward;

/// <summary>
/// LayerNorm for training: the forward keeps x̂ = (x − μ)·rstd and rstd per row for the backward.
/// Rows of <c>width</c> floats; statistics in float like torch's CPU kernel, two passes for the variance.
/// </summary>
public static unsafe class LayerNormKernels
{
    /// <summary>y = x̂·γ + β with x̂ and rstd saved. <paramref name="y"/> may equal <paramref name="x"/>.</summary>
    public static void Forward(float* x, float* y, float* xhat, float* rstd, int rows, int width, float* gamma, float* beta, float epsilon)
    {
        for (int r = 0; r < rows; r++)
        {
            float* xr = x + ((long)r * width), yr = y + ((long)r * width), hr = xhat + ((long)r * width);
            float mean = Sum(xr, width) / width;
            float variance = 0f;
            for (int j = 0; j < width; j++)
            {
                float d = xr[j] - mean;
                variance += d * d;
            }

            float inv = 1f / MathF.Sqrt((variance / width) + epsilon);
            rstd[r] = inv;
            for (int j = 0; j < width; j++)
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
    public static void Backward(float* dy, float* xhat, float* rstd, float* gamma, float* dx, float* dGamma, float* dBeta, int rows, int width, bool accumulate)
    {
        Span<float> g = width <= 8192 ? stackalloc float[width] : new float[width];
        for (int r = 0; r < rows; r++)
        {
            float* dyr = dy + ((long)r * width), hr = xhat + ((long)r * width), dxr = dx + ((long)r * width);
            float sumG = 0f, sumGx = 0f;
            for (int j = 0; j < width; j++)
            {
                float d = dyr[j];
                dGamma[j] += d * hr[j];
                dBeta[j] += d;
                float gj = d * gamma[j];
                g[j] = gj;
                sumG += gj;
                sumGx += gj * hr[j];
            }

            float meanG = sumG / width, meanGx = sumGx / width, inv = rstd[r];
            for (int j = 0; j < width; j++)
            {
                float v = inv * (g[j] - meanG - (hr[j] * meanGx));
                dxr[j] = accumulate ? dxr[j] + v : v;
            }
        }
    }

    private static float Sum(float* x, int n)
    {
        int j = 0;
        float total = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; j <= n - 16; j += 16)
            {
                acc += Vector512.Load(x + j);
            }

            total = Vector512.Sum(acc);
        }

        for (; j < n; j++)
        {
            total += x[j];
        }

        return total;
    }
}
