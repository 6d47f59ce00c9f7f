using System;

namespace BertGen.Kernels.Tests;

/// <summary>
/// The independent oracle: plain triple loops accumulating in double, and erf from its Maclaurin series in
/// double, sharing no code with the kernels.
/// </summary>
internal static class ReferenceMath
{
    /// <summary>Unit roundoff of float, 2^-24.</summary>
    public const double FloatUnitRoundoff = 1.0 / (1 << 24);

    /// <summary>
    /// C[i,j] = Σ_k A(i,k)·B(k,j) in double, with A and B given as element functions so every stored layout
    /// is read by its own definition; also returns Σ_k |A(i,k)·B(k,j)| for the error bound.
    /// </summary>
    public static (double[] Value, double[] Magnitude) Product(int m, int n, int k, Func<int, int, float> a, Func<int, int, float> b)
    {
        double[] value = new double[m * n];
        double[] magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)a(i, p) * b(p, j);
                    s += t;
                    abs += Math.Abs(t);
                }

                value[(i * n) + j] = s;
                magnitude[(i * n) + j] = abs;
            }
        }

        return (value, magnitude);
    }

    /// <summary>
    /// The forward error bound of a float dot product of length k (Higham, Accuracy and Stability of
    /// Numerical Algorithms, §3.1): |fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γ_k Σ|aᵢbᵢ|, γ_k = k·u/(1 − k·u), u = 2^-24. It holds
    /// for any summation order and with or without FMA (an FMA only removes roundings), so it is the tolerance
    /// whichever path or K-blocking ran. One more term covers C's previous value in accumulate mode.
    /// </summary>
    public static double DotBound(int k, double magnitude)
    {
        double ku = (k + 1) * FloatUnitRoundoff;
        return ku / (1 - ku) * magnitude;
    }

    /// <summary>erf(x) in double: Maclaurin series for |x| ≤ 4.5 (terms peak near 1e5 at x = 4.5, so double
    /// cancellation leaves ~1e-11 absolute error), and ±1 beyond (erfc(4.5) = 2e-10).</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 4.5)
        {
            return Math.Sign(x);
        }

        // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double add = term / ((2 * n) + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return sum * 2 / Math.Sqrt(Math.PI);
    }

    /// <summary>Exact GELU, 0.5x(1 + erf(x/√2)), in double.</summary>
    public static double GeluErf(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>Tanh GELU in double.</summary>
    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));

    /// <summary>Deterministic values in [−1, 1).</summary>
    public static float[] RandomArray(int length, int seed)
    {
        Random random = new(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
