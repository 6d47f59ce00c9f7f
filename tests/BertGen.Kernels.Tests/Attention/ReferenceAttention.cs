using System;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Kernels.Tests.Attention;

/// <summary>
/// Self-attention and its backward in double, straight from the definitions (shares no code with the kernels),
/// together with a first-order bound on the error of any float implementation that computes the scores as float
/// dot products, the softmax in float with an exp of a few ulp, and the products P·V, dO·Vᵀ, dX·K, dXᵀ·Q, Uᵀ·dO as
/// float sums in any order.
/// </summary>
/// <remarks>
/// The bound (u = 2⁻²⁴, γ_n = n·u/(1 − n·u), Higham §3.1), per query row r over its attended keys j:
/// <list type="bullet">
/// <item>score error Δx_r = scale·γ_d·max_j Σ_d |q_rd·k_jd| + 4u·max_j |x_rj| (the dot product; rounding the scale to
/// float, the multiply, the bias add and the subtraction of the maximum);</item>
/// <item>probability relative error ε_r = 2·Δx_r + (s + 12)·u: δP_j/P_j = δx_j − Σ_k P_k·δx_k (≤ 2Δx), the exp's
/// 2 ulp on each term of numerator and denominator, the denominator's float sum γ_s, the normalisation;</item>
/// <item>context: Σ_j |U_rj·v_jd|·(ε_r + γ_s);</item>
/// <item>backward: dU's float dot γ_d·Σ_d|do_rd·v_jd| carried through dP = dropout(dU), D = Σ dP·P (plus γ_s), dX =
/// P·(dP − D)·scale (plus 3u), and then each output's own γ_s·Σ|terms| with the propagated input errors.</item>
/// </list>
/// The bound is first order in u; tests compare against twice it, which covers the second-order terms many times
/// over at these sizes (ε_r ≲ 1e-4).
/// </remarks>
internal sealed class ReferenceAttention
{
    private const double U = 1.0 / (1 << 24);

    private ReferenceAttention(int batch, int sequence, int heads, int headSize)
    {
        Batch = batch;
        Sequence = sequence;
        Heads = heads;
        HeadSize = headSize;
        int t = batch * sequence, h = heads * headSize;
        Context = new double[t * h];
        ContextBound = new double[t * h];
        DQkv = new double[t * 3 * h];
        DQkvBound = new double[t * 3 * h];
    }

    public int Batch { get; }

    public int Sequence { get; }

    public int Heads { get; }

    public int HeadSize { get; }

    public double[] Context { get; }

    public double[] ContextBound { get; }

    public double[] DQkv { get; }

    public double[] DQkvBound { get; }

    private static double Gamma(int n) => n * U / (1 - (n * U));

    /// <summary>
    /// The forward and (when <paramref name="dContext"/> is given) the backward. Dropout's mask is read off the
    /// runtime's <see cref="Dropout.Apply"/> on a row of ones (the generic element-wise dropout, tested on its own).
    /// </summary>
    public static ReferenceAttention Compute(int batch, int sequence, int heads, int headSize, float[] qkv, float[] maskBias, float[]? dContext,
        float dropout, ulong seed, int site)
    {
        var result = new ReferenceAttention(batch, sequence, heads, headSize);
        int s = sequence, dh = headSize, h = heads * headSize, ld = 3 * h;
        double scale = 1 / Math.Sqrt(dh);
        for (int b = 0; b < batch; b++)
        {
            for (int head = 0; head < heads; head++)
            {
                int item = (b * heads) + head;
                double[] keep = KeepFactors(s, dropout, seed, ((ulong)site << 24) + (ulong)item);
                double Q(int r, int d) => qkv[((b * s) + r) * ld + (head * dh) + d];
                double K(int j, int d) => qkv[((b * s) + j) * ld + h + (head * dh) + d];
                double V(int j, int d) => qkv[((b * s) + j) * ld + (2 * h) + (head * dh) + d];
                double DO(int r, int d) => dContext![((b * s) + r) * h + (head * dh) + d];

                var p = new double[s, s];
                var u = new double[s, s];
                var epsilon = new double[s];
                for (int r = 0; r < s; r++)
                {
                    var x = new double[s];
                    double dotMagnitude = 0, xMagnitude = 0, max = double.MinValue;
                    for (int j = 0; j < s; j++)
                    {
                        double dot = 0, abs = 0;
                        for (int d = 0; d < dh; d++)
                        {
                            dot += Q(r, d) * K(j, d);
                            abs += Math.Abs(Q(r, d) * K(j, d));
                        }

                        x[j] = (dot * scale) + maskBias[(b * s) + j];
                        max = Math.Max(max, x[j]);
                        if (maskBias[(b * s) + j] == 0f)
                        {
                            dotMagnitude = Math.Max(dotMagnitude, abs);
                            xMagnitude = Math.Max(xMagnitude, Math.Abs(x[j]));
                        }
                    }

                    double sum = 0;
                    for (int j = 0; j < s; j++)
                    {
                        sum += Math.Exp(x[j] - max);
                    }

                    for (int j = 0; j < s; j++)
                    {
                        p[r, j] = Math.Exp(x[j] - max) / sum;
                        u[r, j] = p[r, j] * keep[(r * s) + j];
                    }

                    double deltaX = (scale * Gamma(dh) * dotMagnitude) + (4 * U * xMagnitude);
                    epsilon[r] = (2 * deltaX) + ((s + 12) * U);
                    for (int d = 0; d < dh; d++)
                    {
                        double o = 0, abs = 0;
                        for (int j = 0; j < s; j++)
                        {
                            o += u[r, j] * V(j, d);
                            abs += Math.Abs(u[r, j] * V(j, d));
                        }

                        int at = ((b * s) + r) * h + (head * dh) + d;
                        result.Context[at] = o;
                        result.ContextBound[at] = (abs * (epsilon[r] + Gamma(s))) + (U * Math.Abs(o));
                    }
                }

                if (dContext is not null)
                {
                    Backward(result, b, head, p, u, epsilon, keep, Q, K, V, DO, scale);
                }
            }
        }

        return result;
    }

    private static void Backward(ReferenceAttention result, int b, int head, double[,] p, double[,] u, double[] epsilon, double[] keep,
        Func<int, int, double> q, Func<int, int, double> k, Func<int, int, double> v, Func<int, int, double> dOut, double scale)
    {
        int s = result.Sequence, dh = result.HeadSize, h = result.Heads * dh, ld = 3 * h;
        var dx = new double[s, s];
        var dxError = new double[s, s];
        for (int r = 0; r < s; r++)
        {
            var dp = new double[s];
            var dpError = new double[s];
            double dot = 0, dotError = 0, dotMagnitude = 0;
            for (int j = 0; j < s; j++)
            {
                double du = 0, abs = 0;
                for (int d = 0; d < dh; d++)
                {
                    du += dOut(r, d) * v(j, d);
                    abs += Math.Abs(dOut(r, d) * v(j, d));
                }

                dp[j] = du * keep[(r * s) + j];
                dpError[j] = ((Gamma(dh) * abs) + (U * Math.Abs(du))) * keep[(r * s) + j];
                dot += dp[j] * p[r, j];
                dotMagnitude += Math.Abs(dp[j] * p[r, j]);
                dotError += Math.Abs(p[r, j]) * (dpError[j] + (Math.Abs(dp[j]) * epsilon[r]));
            }

            dotError += Gamma(s) * dotMagnitude;
            for (int j = 0; j < s; j++)
            {
                dx[r, j] = p[r, j] * (dp[j] - dot) * scale;
                dxError[r, j] = (Math.Abs(p[r, j]) * (dpError[j] + dotError) * scale) + (Math.Abs(dx[r, j]) * (epsilon[r] + (3 * U)));
            }
        }

        for (int i = 0; i < s; i++)
        {
            for (int d = 0; d < dh; d++)
            {
                // dQ_i = Σ_j dX_ij k_j;  dK_i = Σ_r dX_ri q_r;  dV_i = Σ_r U_ri do_r.
                double dq = 0, dqAbs = 0, dqPropagated = 0, dk = 0, dkAbs = 0, dkPropagated = 0, dv = 0, dvAbs = 0, dvPropagated = 0;
                for (int j = 0; j < s; j++)
                {
                    dq += dx[i, j] * k(j, d);
                    dqAbs += Math.Abs(dx[i, j] * k(j, d));
                    dqPropagated += dxError[i, j] * Math.Abs(k(j, d));
                    dk += dx[j, i] * q(j, d);
                    dkAbs += Math.Abs(dx[j, i] * q(j, d));
                    dkPropagated += dxError[j, i] * Math.Abs(q(j, d));
                    dv += u[j, i] * dOut(j, d);
                    dvAbs += Math.Abs(u[j, i] * dOut(j, d));
                    dvPropagated += Math.Abs(u[j, i] * dOut(j, d)) * epsilon[j];
                }

                int row = ((b * s) + i) * ld + (head * dh) + d;
                result.DQkv[row] = dq;
                result.DQkvBound[row] = dqPropagated + (Gamma(s) * dqAbs) + (U * Math.Abs(dq));
                result.DQkv[row + h] = dk;
                result.DQkvBound[row + h] = dkPropagated + (Gamma(s) * dkAbs) + (U * Math.Abs(dk));
                result.DQkv[row + (2 * h)] = dv;
                result.DQkvBound[row + (2 * h)] = dvPropagated + (Gamma(s) * dvAbs) + (U * Math.Abs(dv));
            }
        }
    }

    /// <summary>0 where dropout drops element i of the (sequence, head)'s s × s probabilities, 1/(1 − p) where it keeps it.</summary>
    private static unsafe double[] KeepFactors(int s, float dropout, ulong seed, ulong site)
    {
        float[] ones = new float[s * s];
        Array.Fill(ones, 1f);
        fixed (float* p = ones)
        {
            Dropout.Apply(p, ones.Length, dropout, seed, site);
        }

        return Array.ConvertAll(ones, x => (double)x);
    }
}
