using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// One linear layer as the GEMM kernels read it: its weight packed into panels at <see cref="PackedOffset"/>
/// of the packed-weight buffer, its bias copied right after (so the fused Q/K/V bias is contiguous).
/// </summary>
/// <param name="Key">Identifier in generated code, e.g. <c>Layer0Qkv</c>.</param>
/// <param name="OutFeatures">N: output features (the sum of the parts for a fused layer).</param>
/// <param name="InFeatures">K: input features.</param>
/// <param name="WeightNames">HF weight tensors stacked along the output dimension, in order.</param>
/// <param name="BiasNames">HF bias tensors, in the same order.</param>
internal sealed record PackedLinear(
    string Key,
    int OutFeatures,
    int InFeatures,
    ImmutableEquatableArray<string> WeightNames,
    ImmutableEquatableArray<string> BiasNames,
    long PackedOffset,
    long BiasOffset) : IEquatable<PackedLinear>;
