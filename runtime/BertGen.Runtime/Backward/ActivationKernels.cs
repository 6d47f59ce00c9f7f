using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Backward;

/// <summary>
/// Elementwise activations for training: the forward writes f(pre) (same formulas as the GEMM epilogue,
/// <see cref="ActivationMath"/>), the backward multiplies a gradient by f'(pre). Vector512 with a scalar tail.
/// </summary>
public static unsafe class ActivationKernels
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;
    private const float GeluTanhScale = 0.79788456080286536f;
    private const float GeluTanhCubic = 0.044715f;

    /// <summary>Below this many elements per thread an activation runs on the calling thread alone.</summary>
    public const long MinimumElementsPerPart = 1 << 14;

    /// <summary>output[i] = f(pre[i]), split over <paramref name="pool"/> when given and worth it.</summary>
    public static void Forward(Activation activation, float* pre, float* output, long count, ComputePool? pool = null)
    {
        var work = new Operands { Activation = activation, Pre = pre, Target = output };
        ParallelRanges.Run(pool, count, 16, MinimumElementsPerPart, &ForwardRange, &work);
    }

    /// <summary>grad[i] *= f'(pre[i]) — the backward of output = f(pre); split over <paramref name="pool"/> when given.</summary>
    public static void Backward(Activation activation, float* pre, float* grad, long count, ComputePool? pool = null)
    {
        var work = new Operands { Activation = activation, Pre = pre, Target = grad };
        ParallelRanges.Run(pool, count, 16, MinimumElementsPerPart, &BackwardRange, &work);
    }

    private static void ForwardRange(void* state, long begin, long end)
    {
        var work = (Operands*)state;
        Activation activation = work->Activation;
        float* pre = work->Pre, output = work->Target;
        long i = begin;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                ActivationMath.Apply(activation, Vector512.Load(pre + i)).Store(output + i);
            }
        }

        for (; i < end; i++)
        {
            output[i] = ActivationMath.Apply(activation, pre[i]);
        }
    }

    private static void BackwardRange(void* state, long begin, long end)
    {
        var work = (Operands*)state;
        Activation activation = work->Activation;
        float* pre = work->Pre, grad = work->Target;
        long i = begin;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                (Vector512.Load(grad + i) * Derivative(activation, Vector512.Load(pre + i))).Store(grad + i);
            }
        }

        for (; i < end; i++)
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

    /// <summary>f'(x) for 16 values: the same formulas as the scalar <see cref="Derivative(Activation, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Activation activation, Vector512<float> x)
    {
        Vector512<float> half = Vector512.Create(0.5f), one = Vector512<float>.One;
        switch (activation)
        {
            case Activation.None:
                return one;
            case Activation.GeluErf:
                return (half * (one + ActivationMath.Erf(x * Vector512.Create(InvSqrt2))))
                    + (x * Vector512.Create(InvSqrt2Pi) * ActivationMath.ExpNonPositive(Vector512.Create(-0.5f) * x * x));
            case Activation.GeluTanh:
            {
                Vector512<float> u = Vector512.Create(GeluTanhScale) * (x + (Vector512.Create(GeluTanhCubic) * x * x * x));
                Vector512<float> t = ActivationMath.Tanh(u);
                return (half * (one + t)) + (half * x * (one - (t * t)) * Vector512.Create(GeluTanhScale) * (one + (Vector512.Create(3f * GeluTanhCubic) * x * x)));
            }

            case Activation.Relu:
                return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), one, Vector512<float>.Zero);
            case Activation.Tanh:
            {
                Vector512<float> t = ActivationMath.Tanh(x);
                return one - (t * t);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }

    // What a chunk of an activation needs; lives on the dispatching thread's stack during the call.
    private struct Operands
    {
        public Activation Activation;
        public float* Pre;
        public float* Target;
    }
}
