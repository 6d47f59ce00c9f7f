using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>One HF linear layer stacked into a packed one: its weight and bias tensors and its output rows.</summary>
internal sealed record LinearPart(string Weight, string Bias, int Rows) : IEquatable<LinearPart>;

/// <summary>
/// One linear layer as the GEMM kernels read it: its weight packed into panels at <see cref="PackedOffset"/>
/// of the packed-weight buffer, its bias copied right after (so the fused Q/K/V bias is contiguous).
/// </summary>
/// <param name="Key">Its name in generated code (<see cref="LinearKeys"/>), e.g. <c>Layer0Qkv</c>.</param>
/// <param name="OutFeatures">N: output features (the sum of the parts for a fused layer).</param>
/// <param name="InFeatures">K: input features.</param>
/// <param name="Parts">HF layers stacked along the output dimension, in order (Q, K, V for the fused one).</param>
/// <param name="QuantizedOffset">
/// Where its int8 panels start in the quantised-weight buffer, in floats (the buffer is floats so its biases are;
/// the panels are read as bytes), or -1 when the spec compiles no int8 forward.
/// </param>
/// <param name="QuantizedBiasOffset">Where its fp32 bias sits in the quantised-weight buffer, right after the panels; -1 without int8.</param>
internal sealed record PackedLinear(
    string Key,
    int OutFeatures,
    int InFeatures,
    ImmutableEquatableArray<LinearPart> Parts,
    long PackedOffset,
    long BiasOffset,
    long QuantizedOffset,
    long QuantizedBiasOffset) : IEquatable<PackedLinear>;
