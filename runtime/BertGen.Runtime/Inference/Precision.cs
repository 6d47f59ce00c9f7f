namespace BertGen.Runtime.Inference;

/// <summary>
/// The arithmetic a compiled forward pass runs its linear layers in. A spec lists the ones it compiles in
/// <c>bertgen.precisions</c> (fp32 always); <see cref="IBertModel.PrepareWeightsForInference(Precision)"/> picks one.
/// </summary>
public enum Precision
{
    /// <summary>32-bit floats throughout.</summary>
    Fp32,

    /// <summary>
    /// ONNX Runtime's dynamic quantisation: linear weights int8 per output channel (symmetric), each input row
    /// quantised to uint8 with a zero point on the fly, int32 sums; embeddings, attention, softmax, LayerNorm and
    /// activations stay fp32.
    /// </summary>
    Int8,
}

/// <summary>The spec's and the command line's names of the precisions (<c>fp32</c>, <c>int8</c>).</summary>
internal static class PrecisionNames
{
    public static string Of(Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Int8 => "int8",
        _ => throw new System.ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>The refusal for a precision <paramref name="model"/> was not compiled in, naming the spec setting that compiles it.</summary>
    public static System.NotSupportedException NotCompiled(string model, Precision precision) => new(
        $"{model} has no {Of(precision)} forward pass compiled; list it in its spec: \"precisions\": [\"fp32\", \"{Of(precision)}\"]");
}
