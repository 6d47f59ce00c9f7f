using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// An activation written once, as TensorPrimitives writes its operators: the function and its derivative side by
/// side, each at every width the kernels run (scalar, <c>Vector256</c>, <c>Vector512</c>) with the same formula,
/// so every path computes the same approximation. Kernels are generic over the operator and dispatch once
/// (<see cref="Activations.Dispatch"/>); the derivation and error bound of each approximation sits beside it.
/// </summary>
internal interface IActivationOperator
{
    static abstract float Invoke(float x);

    static abstract Vector256<float> Invoke(Vector256<float> x);

    static abstract Vector512<float> Invoke(Vector512<float> x);

    /// <summary>f'(x): what the backward of y = f(x) multiplies the gradient of y by.</summary>
    static abstract float Derivative(float x);

    static abstract Vector256<float> Derivative(Vector256<float> x);

    static abstract Vector512<float> Derivative(Vector512<float> x);
}
