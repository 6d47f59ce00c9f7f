using System;
using System.Collections.Generic;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Inference;

/// <summary>
/// What every generated model class offers the runtime, so loops, loaders and tools work with any spec.
/// The shapes are fixed at build time; <see cref="CreateForwardPass"/> gives the compiled code of one.
/// </summary>
public interface IBertModel : IDisposable
{
    /// <summary>The generated type's name, e.g. <c>MiniLmL6</c>.</summary>
    string Name { get; }

    int VocabSize { get; }

    int HiddenSize { get; }

    int TypeVocabSize { get; }

    int MaxPositions { get; }

    int PadTokenId { get; }

    /// <summary>Every parameter tensor by HuggingFace name, with its offset in <see cref="Parameters"/>.</summary>
    IReadOnlyList<ParameterInfo> ParameterTable { get; }

    /// <summary>The parameter buffer.</summary>
    AlignedBuffer Parameters { get; }

    /// <summary>The threads the model's kernels split big operations over.</summary>
    BertGen.Runtime.Threading.ComputePool Pool { get; }

    /// <summary>The fixed (batch, sequence) shapes compiled for, smallest sequence first.</summary>
    IReadOnlyList<(int Batch, int Sequence)> ShapeVariants { get; }

    /// <summary>HuggingFace initialisation from a seed (normal(0, initializer_range), zero biases, LayerNorm 1/0).</summary>
    void InitializeParameters(ulong seed);

    /// <summary>
    /// Re-derives the kernels' packed copy of the weights from <see cref="Parameters"/>. Call after
    /// loading or changing parameters and before the next forward pass.
    /// </summary>
    void PrepareWeights();

    /// <summary>The compiled forward pass of one shape variant, with its own activation arena.</summary>
    IForwardPass CreateForwardPass(int batch, int sequence);
}
