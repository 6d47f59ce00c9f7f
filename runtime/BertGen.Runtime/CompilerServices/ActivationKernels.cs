using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Elementwise activations for training: the forward writes f(pre), the backward multiplies a gradient by
/// f'(pre), both with the activation's operator (<c>Kernels/Activations/</c>, the same formulas as the GEMM
/// epilogue), dispatched once per call. Vector512, Vector256 or scalar by the machine, with a scalar tail.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class ActivationKernels
{
    /// <summary>Below this many elements per thread an activation runs on the calling thread alone.</summary>
    public const long MinimumElementsPerPart = 1 << 14;

    /// <summary>output[i] = f(pre[i]), split over <paramref name="pool"/> when given and worth it.</summary>
    public static void Forward(Activation activation, float* pre, float* output, long count, ComputePool? pool = null) =>
        Forward(activation, pre, output, count, pool, VectorWidths.Best);

    /// <summary>grad[i] *= f'(pre[i]) — the backward of output = f(pre); split over <paramref name="pool"/> when given.</summary>
    public static void Backward(Activation activation, float* pre, float* grad, long count, ComputePool? pool = null) =>
        Backward(activation, pre, grad, count, pool, VectorWidths.Best);

    /// <summary><see cref="Forward(Activation, float*, float*, long, ComputePool?)"/> on the paths up to <paramref name="width"/>.</summary>
    internal static void Forward(Activation activation, float* pre, float* output, long count, ComputePool? pool, VectorWidth width)
    {
        var run = new Elementwise { Work = new Operands { Pre = pre, Target = output, Width = width }, Count = count, Pool = pool, Backward = false };
        Activations.Dispatch(activation, ref run);
    }

    /// <summary><see cref="Backward(Activation, float*, float*, long, ComputePool?)"/> on the paths up to <paramref name="width"/>.</summary>
    internal static void Backward(Activation activation, float* pre, float* grad, long count, ComputePool? pool, VectorWidth width)
    {
        var run = new Elementwise { Work = new Operands { Pre = pre, Target = grad, Width = width }, Count = count, Pool = pool, Backward = true };
        Activations.Dispatch(activation, ref run);
    }

    /// <summary>grad[i] *= 1 − output[i]²: the backward of output = tanh(pre), from the saved output (the pooler).</summary>
    public static void TanhBackwardFromOutput(float* output, float* grad, long count) => TanhBackwardFromOutput(output, grad, count, VectorWidths.Best);

    internal static void TanhBackwardFromOutput(float* output, float* grad, long count, VectorWidth width)
    {
        long i = 0;
        if (width == VectorWidth.Bits512)
        {
            for (; i <= count - 16; i += 16)
            {
                (Vector512.Load(grad + i) * TanhOperator.DerivativeFromOutput(Vector512.Load(output + i))).Store(grad + i);
            }
        }
        else if (width == VectorWidth.Bits256)
        {
            for (; i <= count - 8; i += 8)
            {
                (Vector256.Load(grad + i) * TanhOperator.DerivativeFromOutput(Vector256.Load(output + i))).Store(grad + i);
            }
        }

        for (; i < count; i++)
        {
            grad[i] *= TanhOperator.DerivativeFromOutput(output[i]);
        }
    }

    private static void ForwardRange<TActivation>(void* state, long begin, long end)
        where TActivation : struct, IActivationOperator
    {
        var work = (Operands*)state;
        float* pre = work->Pre, output = work->Target;
        long i = begin;
        if (work->Width == VectorWidth.Bits512)
        {
            for (; i <= end - 16; i += 16)
            {
                TActivation.Invoke(Vector512.Load(pre + i)).Store(output + i);
            }
        }
        else if (work->Width == VectorWidth.Bits256)
        {
            for (; i <= end - 8; i += 8)
            {
                TActivation.Invoke(Vector256.Load(pre + i)).Store(output + i);
            }
        }

        for (; i < end; i++)
        {
            output[i] = TActivation.Invoke(pre[i]);
        }
    }

    private static void BackwardRange<TActivation>(void* state, long begin, long end)
        where TActivation : struct, IActivationOperator
    {
        var work = (Operands*)state;
        float* pre = work->Pre, grad = work->Target;
        long i = begin;
        if (work->Width == VectorWidth.Bits512)
        {
            for (; i <= end - 16; i += 16)
            {
                (Vector512.Load(grad + i) * TActivation.Derivative(Vector512.Load(pre + i))).Store(grad + i);
            }
        }
        else if (work->Width == VectorWidth.Bits256)
        {
            for (; i <= end - 8; i += 8)
            {
                (Vector256.Load(grad + i) * TActivation.Derivative(Vector256.Load(pre + i))).Store(grad + i);
            }
        }

        for (; i < end; i++)
        {
            grad[i] *= TActivation.Derivative(pre[i]);
        }
    }

    // One activation call: its operands, and the split over the pool once the operator is known. Chunks are
    // 16-element aligned, so every element takes the same path whatever the split.
    private struct Elementwise : IActivationAction
    {
        public Operands Work;
        public long Count;
        public ComputePool? Pool;
        public bool Backward;

        public readonly void Run<TActivation>()
            where TActivation : struct, IActivationOperator
        {
            Operands work = Work;
            ParallelRanges.Run(Pool, Count, 16, MinimumElementsPerPart, Backward ? &BackwardRange<TActivation> : &ForwardRange<TActivation>, &work);
        }
    }

    // What a chunk of an activation needs; lives on the dispatching thread's stack during the call.
    private struct Operands
    {
        public float* Pre;
        public float* Target;
        public VectorWidth Width;
    }
}
