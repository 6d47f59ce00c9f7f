using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// An elementwise activation: what a GEMM epilogue applies after the bias, and what a training step's activation
/// kernels compute and differentiate. Each member is one operator (<see cref="IActivationOperator"/>) in
/// <c>Kernels/Activations/</c>, reached through the one switch of <see cref="Activations"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum Activation
{
    /// <summary>Identity.</summary>
    None,

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)), erf evaluated in float (≤ 4.5e-7 relative): HuggingFace <c>"gelu"</c>.</summary>
    GeluErf,

    /// <summary>Tanh GELU, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))): <c>"gelu_new"</c>, <c>"gelu_pytorch_tanh"</c>.</summary>
    GeluTanh,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>tanh(x): the BERT pooler.</summary>
    Tanh,

    /// <summary>SiLU (swish), x·σ(x): HuggingFace <c>"silu"</c>, <c>"swish"</c>.</summary>
    Silu,
}

/// <summary>Code to run with an activation's operator once it is known: the JIT compiles one copy per operator.</summary>
internal interface IActivationAction
{
    void Run<TActivation>()
        where TActivation : struct, IActivationOperator;
}

/// <summary>
/// The runtime's table of activations: the one switch from an <see cref="Activation"/> to its operator. Kernels
/// dispatch once per call (or per GEMM tile) and run a loop specialised to the operator; an unknown value throws.
/// </summary>
internal static class Activations
{
    /// <summary>Runs <paramref name="action"/> with the operator of <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a member.</exception>
    public static void Dispatch<TAction>(Activation activation, ref TAction action)
        where TAction : struct, IActivationAction
    {
        if (!TryDispatch(activation, ref action))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }

    /// <summary>Whether <paramref name="activation"/> is a member (and so has an operator).</summary>
    public static bool IsDefined(Activation activation)
    {
        var nothing = default(Nothing);
        return TryDispatch(activation, ref nothing);
    }

    /// <summary>f(x) for one value (tests and tools; kernels dispatch once and loop).</summary>
    public static float Apply(Activation activation, float x)
    {
        var at = new Scalar(x, derivative: false);
        Dispatch(activation, ref at);
        return at.Result;
    }

    /// <summary>f(x) for 8 values.</summary>
    public static Vector256<float> Apply(Activation activation, Vector256<float> x)
    {
        var at = new Vector256At(x, derivative: false);
        Dispatch(activation, ref at);
        return at.Result;
    }

    /// <summary>f(x) for 16 values.</summary>
    public static Vector512<float> Apply(Activation activation, Vector512<float> x)
    {
        var at = new Vector512At(x, derivative: false);
        Dispatch(activation, ref at);
        return at.Result;
    }

    /// <summary>f'(x) for one value.</summary>
    public static float Derivative(Activation activation, float x)
    {
        var at = new Scalar(x, derivative: true);
        Dispatch(activation, ref at);
        return at.Result;
    }

    private static bool TryDispatch<TAction>(Activation activation, ref TAction action)
        where TAction : struct, IActivationAction
    {
        switch (activation)
        {
            case Activation.None:
                action.Run<IdentityOperator>();
                return true;
            case Activation.GeluErf:
                action.Run<GeluErfOperator>();
                return true;
            case Activation.GeluTanh:
                action.Run<GeluTanhOperator>();
                return true;
            case Activation.Relu:
                action.Run<ReluOperator>();
                return true;
            case Activation.Tanh:
                action.Run<TanhOperator>();
                return true;
            case Activation.Silu:
                action.Run<SiluOperator>();
                return true;
            default:
                return false;
        }
    }

    private struct Nothing : IActivationAction
    {
        public readonly void Run<TActivation>()
            where TActivation : struct, IActivationOperator
        {
        }
    }

    private struct Scalar : IActivationAction
    {
        private readonly float _x;
        private readonly bool _derivative;

        public Scalar(float x, bool derivative)
        {
            _x = x;
            _derivative = derivative;
            Result = 0f;
        }

        public float Result { get; private set; }

        public void Run<TActivation>()
            where TActivation : struct, IActivationOperator =>
            Result = _derivative ? TActivation.Derivative(_x) : TActivation.Invoke(_x);
    }

    private struct Vector256At : IActivationAction
    {
        private readonly Vector256<float> _x;
        private readonly bool _derivative;

        public Vector256At(Vector256<float> x, bool derivative)
        {
            _x = x;
            _derivative = derivative;
            Result = default;
        }

        public Vector256<float> Result { get; private set; }

        public void Run<TActivation>()
            where TActivation : struct, IActivationOperator =>
            Result = _derivative ? TActivation.Derivative(_x) : TActivation.Invoke(_x);
    }

    private struct Vector512At : IActivationAction
    {
        private readonly Vector512<float> _x;
        private readonly bool _derivative;

        public Vector512At(Vector512<float> x, bool derivative)
        {
            _x = x;
            _derivative = derivative;
            Result = default;
        }

        public Vector512<float> Result { get; private set; }

        public void Run<TActivation>()
            where TActivation : struct, IActivationOperator =>
            Result = _derivative ? TActivation.Derivative(_x) : TActivation.Invoke(_x);
    }
}
