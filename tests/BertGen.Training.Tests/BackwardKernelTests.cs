using System;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// Each backward kernel against central finite differences of a plain double-precision forward written
/// here (h = 1e-6: truncation ~h² and round-off ~1e-16/h, both far below the float32 kernels' ~1e-7 relative
/// error). Tolerance 1e-4 relative to the largest gradient: float32 arithmetic over ≤ 64 terms. Every kernel runs
/// on each of its paths — Vector512, Vector256 and scalar, forced whatever the machine has — with sizes that give
/// each path whole vectors and a tail, so an AVX2-only machine runs a path these tests have checked.
/// </summary>
public sealed unsafe class BackwardKernelTests
{
    private const double H = 1e-6;
    private const double Tolerance = 1e-4;

    /// <summary>The kernels' paths by lanes: 16 (Vector512), 8 (Vector256), 1 (scalar).</summary>
    public static TheoryData<int> Widths => new() { 16, 8, 1 };

    public static TheoryData<Activation, int> ActivationsAndWidths()
    {
        var data = new TheoryData<Activation, int>();
        foreach (Activation activation in new[] { Activation.GeluErf, Activation.GeluTanh, Activation.Relu, Activation.Tanh, Activation.Silu })
        {
            foreach (int lanes in new[] { 16, 8, 1 })
            {
                data.Add(activation, lanes);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNormBackwardMatchesFiniteDifferences(int lanes)
    {
        const int rows = 3, width = 37;
        float eps = 1e-12f;
        float[] x = Random(rows * width, 1, 2.0), gamma = Random(width, 2, 0.5, 1.0), beta = Random(width, 3, 0.3), upstream = Random(rows * width, 4, 1.0);

        // L = Σ upstream · LayerNorm(x); its gradient wrt x, γ, β is what Backward computes from dy = upstream.
        double Loss(double[] xs, double[] gs, double[] bs)
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                double mean = Enumerable.Range(0, width).Average(j => xs[(r * width) + j]);
                double variance = Enumerable.Range(0, width).Average(j => Math.Pow(xs[(r * width) + j] - mean, 2));
                for (int j = 0; j < width; j++)
                {
                    total += upstream[(r * width) + j] * ((((xs[(r * width) + j] - mean) / Math.Sqrt(variance + eps)) * gs[j]) + bs[j]);
                }
            }

            return total;
        }

        float[] y = new float[rows * width], xhat = new float[rows * width], rstd = new float[rows];
        float[] dx = new float[rows * width], dGamma = new float[width], dBeta = new float[width];
        fixed (float* px = x, py = y, ph = xhat, pr = rstd, pg = gamma, pb = beta, pu = upstream, pdx = dx, pdg = dGamma, pdb = dBeta)
        {
            LayerNormKernels.Forward(px, py, ph, pr, rows, width, pg, pb, eps, null, (VectorWidth)lanes);
            LayerNormKernels.Backward(pu, ph, pr, pg, pdx, pdg, pdb, rows, width, accumulate: false, (VectorWidth)lanes);
        }

        double[] xd = x.Select(v => (double)v).ToArray(), gd = gamma.Select(v => (double)v).ToArray(), bd = beta.Select(v => (double)v).ToArray();
        AssertClose(dx, Numeric(xd, v => Loss(v, gd, bd)), "dx");
        AssertClose(dGamma, Numeric(gd, v => Loss(xd, v, bd)), "dγ");
        AssertClose(dBeta, Numeric(bd, v => Loss(xd, gd, v)), "dβ");
    }

    [Theory]
    [MemberData(nameof(ActivationsAndWidths))]
    public void ActivationDerivativeMatchesFiniteDifferences(Activation activation, int lanes)
    {
        // Points away from relu's kink at 0, where the derivative is undefined.
        float[] pre = Random(200, 5, 3.0).Select(v => Math.Abs(v) < 1e-3f ? 0.5f : v).ToArray();
        float[] grad = Enumerable.Repeat(1f, pre.Length).ToArray();
        fixed (float* pp = pre, pg = grad)
        {
            ActivationKernels.Backward(activation, pp, pg, pre.Length, null, (VectorWidth)lanes);
        }

        double[] expected = pre.Select(v => (Exact(activation, v + H) - Exact(activation, v - H)) / (2 * H)).ToArray();
        AssertClose(grad, expected, activation.ToString());
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SoftmaxBackwardMatchesFiniteDifferences(int lanes)
    {
        const int rows = 4, width = 19;
        const float scale = 0.25f;
        float[] scores = Random(rows * width, 6, 3.0), upstream = Random(rows * width, 7, 1.0);

        // L = Σ upstream · softmax(scale · s) per row; SoftmaxBackward takes P = softmax and dP = upstream.
        double Loss(double[] s)
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                double max = Enumerable.Range(0, width).Max(j => scale * s[(r * width) + j]);
                double sum = Enumerable.Range(0, width).Sum(j => Math.Exp((scale * s[(r * width) + j]) - max));
                for (int j = 0; j < width; j++)
                {
                    total += upstream[(r * width) + j] * Math.Exp((scale * s[(r * width) + j]) - max) / sum;
                }
            }

            return total;
        }

        float[] probabilities = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double[] e = Enumerable.Range(0, width).Select(j => Math.Exp(scale * scores[(r * width) + j])).ToArray();
            for (int j = 0; j < width; j++)
            {
                probabilities[(r * width) + j] = (float)(e[j] / e.Sum());
            }
        }

        float[] gradient = (float[])upstream.Clone();
        fixed (float* pp = probabilities, pg = gradient)
        {
            SoftmaxBackward.Apply(pp, pg, rows, width, scale, (VectorWidth)lanes);
        }

        AssertClose(gradient, Numeric(scores.Select(v => (double)v).ToArray(), Loss), "dScores");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void WeightedCrossEntropyGradientMatchesFiniteDifferences(int lanes)
    {
        const int rows = 5, classes = 37;
        float[] logits = Random(rows * classes, 8, 2.0);
        int[] labels = { 3, 0, 6, 2, -100 };
        float[] weights = { 1f, 1f, 0f, 1f, 1f };
        double normalizer = weights.Sum() + 1e-5;

        double Loss(double[] x)
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                if (labels[r] < 0 || weights[r] == 0)
                {
                    continue;
                }

                double max = Enumerable.Range(0, classes).Max(j => x[(r * classes) + j]);
                double lse = max + Math.Log(Enumerable.Range(0, classes).Sum(j => Math.Exp(x[(r * classes) + j] - max)));
                total += weights[r] * (lse - x[(r * classes) + labels[r]]);
            }

            return total / normalizer;
        }

        float[] gradient = (float[])logits.Clone();
        LossResult result;
        fixed (float* pg = gradient)
        fixed (int* pl = labels)
        fixed (float* pw = weights)
        {
            result = LossKernels.SoftmaxCrossEntropy(pg, rows, classes, classes, pl, pw, normalizer, 1f, (VectorWidth)lanes);
        }

        double[] x0 = logits.Select(v => (double)v).ToArray();
        Assert.Equal(Loss(x0), result.Loss, 5);
        Assert.Equal(3, result.Count);
        AssertClose(gradient, Numeric(x0, Loss), "dLogits");
    }

    [Fact]
    public void BinaryCrossEntropyAndSquaredErrorGradientsMatchFiniteDifferences()
    {
        float[] logits = Random(12, 9, 2.0);
        float[] targets = Random(12, 10, 1.0).Select(v => v > 0 ? 1f : 0f).ToArray();
        double Bce(double[] x) => x.Select((v, i) => Math.Max(v, 0) - (v * targets[i]) + Math.Log(1 + Math.Exp(-Math.Abs(v)))).Average();
        double Mse(double[] x) => x.Select((v, i) => Math.Pow(v - targets[i], 2)).Average();

        float[] bce = (float[])logits.Clone(), mse = (float[])logits.Clone();
        fixed (float* pb = bce, pm = mse, pt = targets)
        {
            Assert.Equal(Bce(logits.Select(v => (double)v).ToArray()), LossKernels.BinaryCrossEntropyWithLogits(pb, pt, 4, 3, 1f).Loss, 5);
            Assert.Equal(Mse(logits.Select(v => (double)v).ToArray()), LossKernels.MeanSquaredError(pm, pt, 12, 1f).Loss, 5);
        }

        AssertClose(bce, Numeric(logits.Select(v => (double)v).ToArray(), Bce), "BCE");
        AssertClose(mse, Numeric(logits.Select(v => (double)v).ToArray(), Mse), "MSE");
    }

    [Fact]
    public void DropoutMaskIsReproducibleScaledAndDropsTheRequestedFraction()
    {
        const int n = 200_000;
        const float p = 0.1f;
        float[] a = Enumerable.Repeat(1f, n).ToArray(), b = (float[])a.Clone(), c = (float[])a.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            Dropout.Apply(pa, n, p, seed: 42, site: 7);
            Dropout.Apply(pb, n, p, seed: 42, site: 7);
            Dropout.Apply(pc, n, p, seed: 42, site: 8);
        }

        Assert.Equal(a, b); // the backward regenerates exactly the forward's mask
        Assert.NotEqual(a, c); // another site draws another mask
        Assert.All(a, v => Assert.True(v == 0f || Math.Abs(v - (1 / (1 - p))) < 1e-6));
        double dropped = a.Count(v => v == 0f) / (double)n;
        // Binomial(n, 0.1): σ = √(0.09/n) ≈ 6.7e-4; 5σ.
        Assert.InRange(dropped, p - 0.0034, p + 0.0034);
    }

    /// <summary>
    /// Dropout's mask is a function of (seed, site, index) alone: each path keeps and scales the same elements to
    /// the same bits (199 elements: whole vectors and a tail on every path), in place, before a residual, and copied.
    /// </summary>
    [Fact]
    public void DropoutIsTheSameOnEveryPath()
    {
        const int n = 199;
        float[] input = Random(n, 11, 1.0), residual = Random(n, 12, 1.0);
        float[] Run(int lanes, int form)
        {
            float[] x = (float[])input.Clone(), output = new float[n];
            fixed (float* px = x, pr = residual, po = output)
            {
                switch (form)
                {
                    case 0:
                        Dropout.Apply(px, n, 0.3f, 5, 9, null, (VectorWidth)lanes);
                        return x;
                    case 1:
                        Dropout.ApplyAndAdd(px, pr, n, 0.3f, 5, 9, null, (VectorWidth)lanes);
                        return x;
                    default:
                        Dropout.ApplyTo(px, po, n, 0.3f, 5, 9, (VectorWidth)lanes);
                        return output;
                }
            }
        }

        for (int form = 0; form < 3; form++)
        {
            float[] scalar = Run(1, form);
            Assert.Equal(scalar, Run(8, form));
            Assert.Equal(scalar, Run(16, form));
        }

        // And the mask is a dropout's: each element dropped or kept ×1/(1 − p), about p of them dropped (binomial
        // mean 59.7, σ 6.5 for 199 draws at p = 0.3; the bounds are 6σ), the same mask under the residual add.
        float[] applied = Run(1, 0), added = Run(1, 1);
        float scale = 1f / (1f - 0.3f);
        for (int i = 0; i < n; i++)
        {
            Assert.True(applied[i] == 0f || applied[i] == input[i] * scale, $"element {i}: {applied[i]} from {input[i]}");
            Assert.Equal(applied[i] + residual[i], added[i]);
        }

        Assert.InRange(applied.Count(v => v == 0f), 20, 100);
    }

    /// <summary>The pooler's tanh backward from its output, against 1 − y² in double, on every path.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void TanhBackwardFromOutputOnEveryPath(int lanes)
    {
        const int n = 37;
        float[] y = Random(n, 13, 0.5).Select(v => MathF.Tanh(v)).ToArray(), grad = Random(n, 14, 1.0), expected = (float[])grad.Clone();
        fixed (float* py = y, pg = grad)
        {
            ActivationKernels.TanhBackwardFromOutput(py, pg, n, (VectorWidth)lanes);
        }

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(expected[i] * (1 - ((double)y[i] * y[i])), grad[i], 1e-6);
        }
    }

    private static double Exact(Activation activation, double x) => activation switch
    {
        Activation.GeluErf => 0.5 * x * (1 + BertGen.Testing.ReferenceMath.Erf(x / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x)))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Tanh => Math.Tanh(x),
        Activation.Silu => x / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double[] Numeric(double[] point, Func<double[], double> f)
    {
        var gradient = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            double saved = point[i];
            point[i] = saved + H;
            double up = f(point);
            point[i] = saved - H;
            double down = f(point);
            point[i] = saved;
            gradient[i] = (up - down) / (2 * H);
        }

        return gradient;
    }

    private static void AssertClose(float[] actual, double[] expected, string what)
    {
        double scale = Math.Max(expected.Max(Math.Abs), 1e-12);
        double error = actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
        Assert.True(error / scale <= Tolerance, $"{what}: max|analytic − numeric| = {error:E2}, {error / scale:E2} of the largest gradient");
    }

    private static float[] Random(int n, ulong seed, double scale, double offset = 0)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(offset + (scale * random.NextGaussian()))).ToArray();
    }
}
