using System;
using System.Collections.Generic;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Inference;

/// <summary>
/// What every generated model class offers the runtime, so loops, loaders and tools work with any spec.
/// The shapes are fixed at build time; <see cref="CreateForwardPass(int, int)"/> gives the compiled code of one.
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

    /// <summary>The parameter buffer. Throws <see cref="InvalidOperationException"/> once the model <see cref="IsInferenceOnly"/>.</summary>
    AlignedBuffer Parameters { get; }

    /// <summary>The threads the model's kernels split big operations over.</summary>
    BertGen.Runtime.Threading.ComputePool Pool { get; }

    /// <summary>
    /// What the spec compiled (the generated class's static <c>Descriptor</c>), for code written for any model: among
    /// others the labels and <c>problem_type</c> of its classifier. Null for a model not generated from a spec.
    /// </summary>
    ModelDescriptor? Descriptor => null;

    /// <summary>The fixed (batch, sequence) shapes compiled for, smallest sequence first.</summary>
    IReadOnlyList<(int Batch, int Sequence)> ShapeVariants { get; }

    /// <summary>HuggingFace initialisation from a seed (normal(0, initializer_range), zero biases, LayerNorm 1/0).</summary>
    void InitializeParameters(ulong seed);

    /// <summary>
    /// Re-derives the kernels' packed copy of the weights from <see cref="Parameters"/>. Call after
    /// loading or changing parameters and before the next forward pass.
    /// </summary>
    void PrepareWeights();

    /// <summary>
    /// <see cref="PrepareWeights"/> for a process that will only run forward passes: the HF-layout copy of every
    /// packed linear weight is handed back to the OS as it is packed, so those weights are held once, not twice.
    /// The model becomes <see cref="IsInferenceOnly"/>: <see cref="Parameters"/> and everything built on it
    /// (loading, saving, training, initialising, packing again) throw <see cref="InvalidOperationException"/>.
    /// A model without a separate packed copy just prepares its weights.
    /// </summary>
    void PrepareWeightsForInference() => PrepareWeights();

    /// <summary>Whether <see cref="PrepareWeightsForInference()"/> has released the HF-layout weights.</summary>
    bool IsInferenceOnly => false;

    /// <summary>
    /// The compiled forward pass of one shape variant, with its own activation arena, in <see cref="ForwardPrecision"/>.
    /// </summary>
    IForwardPass CreateForwardPass(int batch, int sequence);

    /// <summary>The precisions compiled for this model (<c>bertgen.precisions</c>), fp32 first.</summary>
    IReadOnlyList<Precision> Precisions => [Precision.Fp32];

    /// <summary>
    /// The precision <see cref="CreateForwardPass(int, int)"/> runs in: fp32 unless the weights were prepared with
    /// <see cref="PrepareWeightsForInference(Precision)"/> for another (or loaded from an int8 weights file).
    /// </summary>
    Precision ForwardPrecision => Precision.Fp32;

    /// <summary>
    /// <see cref="PrepareWeightsForInference()"/> for the forward passes of <paramref name="precision"/>: the weights
    /// are packed (or quantised) for it alone, and <see cref="CreateForwardPass(int, int)"/> creates its passes.
    /// </summary>
    /// <exception cref="NotSupportedException">The spec did not compile that precision.</exception>
    void PrepareWeightsForInference(Precision precision)
    {
        if (precision != Precision.Fp32)
        {
            throw NotCompiled(precision);
        }

        PrepareWeightsForInference();
    }

    /// <summary>The compiled forward pass of one shape variant in <paramref name="precision"/>.</summary>
    /// <exception cref="NotSupportedException">The spec did not compile that precision.</exception>
    IForwardPass CreateForwardPass(int batch, int sequence, Precision precision) =>
        precision == Precision.Fp32 ? CreateForwardPass(batch, sequence) : throw NotCompiled(precision);

    private NotSupportedException NotCompiled(Precision precision) => PrecisionNames.NotCompiled(Name, precision);
}
