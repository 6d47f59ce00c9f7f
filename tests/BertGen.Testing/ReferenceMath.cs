using System;

namespace BertGen.Testing;

/// <summary>Scalar functions for the reference model, in double precision, each from a textbook formula.</summary>
public static class ReferenceMath
{
    private const double TwoOverSqrtPi = 1.1283791670955126; // 2/√π
    private const double OneOverSqrtPi = 0.5641895835477563; // 1/√π

    /// <summary>
    /// The error function to about 1e-16. .NET has none. For |x| ≤ 1.5 the Maclaurin series
    /// erf x = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)) (A&amp;S 7.1.5; its terms stay below 1, so the alternating
    /// sum loses nothing; at x = 3 cancellation would cost 3e-14); beyond, erfc's continued fraction
    /// (A&amp;S 7.1.14) erfc x = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))), which with 120 terms
    /// already matches glibc's erf to the last bit at x = 1.5 and converges faster as x grows.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        double a = Math.Abs(x);
        double result;
        if (a <= 1.5)
        {
            double term = a;
            double sum = a;
            double x2 = a * a;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double contribution = term / ((2 * n) + 1);
                sum += contribution;
                if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            result = TwoOverSqrtPi * sum;
        }
        else if (a < 27)
        {
            // Evaluate the continued fraction from the bottom: k/2 are the partial numerators.
            double fraction = a;
            for (int k = 120; k >= 1; k--)
            {
                fraction = a + (k / 2.0 / fraction);
            }

            result = 1 - (Math.Exp(-a * a) * OneOverSqrtPi / fraction);
        }
        else
        {
            result = 1; // erfc(27) < 1e-317
        }

        return x < 0 ? -result : result;
    }

    /// <summary>Applies a BERT activation.</summary>
    public static double Activate(ReferenceActivation activation, double x) => activation switch
    {
        ReferenceActivation.GeluErf => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        ReferenceActivation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x)))),
        ReferenceActivation.Relu => Math.Max(0, x),
        ReferenceActivation.Silu => x / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
