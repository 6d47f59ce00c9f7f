using System;
using BertGen.Runtime.Kernels;

namespace BertGen.Runtime.Backward;

/// <summary>
/// Elementwise activations for training: the forward writes f(pre) (same formulas as the GEMM epilogue,
/// <see cref="ActivationMath"/>), the backward multiplies a gradient by f'(pre).
/// </summary>
public static unsafe class ActivationKernels
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;
    private const float GeluTanhScale = 0.79788456080286536f;
    private const float GeluTanhCubic = 0.044715f;

    /// <summary>output[i] = f(pre[i]).</summary>
    public static void Forward(Activation activation, float* pre, float* output, long count)
    {
        for (long i = 0; i < count; i++)
        {
            output[i] = ActivationMath.Apply(activation, pre[i]);
        }
    }

    /// <summary>grad[i] *= f'(pre[i]) — the backward of output = f(pre).</summary>
    public static void Backward(Activation activation, float* pre, float* grad, long count)
    {
        for (long i = 0; i < count; i++)
        {
            grad[i] *= Derivative(activation, pre[i]);
        }
    }

    /// <summary>grad[i] *= 1 − output[i]²: the backward of output = tanh(pre), from the saved output.</summary>
    public static void TanhBackwardFromOutput(float* output, float* grad, long count)
    {
        for (long i = 0; i < count; i++)
        {
            grad[i] *= 1f - (output[i] * output[i]);
        }
    }

    /// <summary>f'(x) for each activation.</summary>
    public static float Derivative(Activation activation, float x)
    {
        switch (activation)
        {
            case Activation.None:
                return 1f;
            case Activation.GeluErf:
                // d/dx [x·Φ(x)] = Φ(x) + x·φ(x), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π).
                return (0.5f * (1f + ActivationMath.Erf(x * InvSqrt2))) + (x * InvSqrt2Pi * MathF.Exp(-0.5f * x * x));
            case Activation.GeluTanh:
            {
                // f = ½x(1 + tanh u), u = s(x + c·x³): f' = ½(1 + tanh u) + ½x(1 − tanh²u)·s(1 + 3c·x²).
                float u = GeluTanhScale * (x + (GeluTanhCubic * x * x * x));
                float t = ActivationMath.Tanh(u);
                return (0.5f * (1f + t)) + (0.5f * x * (1f - (t * t)) * GeluTanhScale * (1f + (3f * GeluTanhCubic * x * x)));
            }

            case Activation.Relu:
                return x > 0f ? 1f : 0f;
            case Activation.Tanh:
            {
                float t = ActivationMath.Tanh(x);
                return 1f - (t * t);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }
}
