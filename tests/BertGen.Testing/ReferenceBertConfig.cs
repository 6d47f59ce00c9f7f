using System;

namespace BertGen.Testing;

/// <summary>The activation named by a HuggingFace config's <c>hidden_act</c>.</summary>
public enum ReferenceActivation
{
    /// <summary><c>"gelu"</c>: exact, 0.5·x·(1 + erf(x/√2)).</summary>
    GeluErf,

    /// <summary><c>"gelu_new"</c> / <c>"gelu_pytorch_tanh"</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    GeluTanh,

    /// <summary><c>"relu"</c>: max(0, x).</summary>
    Relu,

    /// <summary><c>"silu"</c> / <c>"swish"</c>: x·σ(x) = x / (1 + e^−x).</summary>
    Silu,
}

/// <summary>The plain config values a BERT forward pass depends on (HuggingFace <c>BertConfig</c> fields).</summary>
/// <param name="Hidden"><c>hidden_size</c>.</param>
/// <param name="Layers"><c>num_hidden_layers</c>.</param>
/// <param name="Heads"><c>num_attention_heads</c>.</param>
/// <param name="Intermediate"><c>intermediate_size</c>.</param>
/// <param name="Activation"><c>hidden_act</c>.</param>
/// <param name="LayerNormEps"><c>layer_norm_eps</c>.</param>
/// <param name="VocabSize"><c>vocab_size</c>.</param>
/// <param name="MaxPositions"><c>max_position_embeddings</c>.</param>
/// <param name="TypeVocabSize"><c>type_vocab_size</c>.</param>
/// <param name="NumLabels"><c>num_labels</c> of the classification heads.</param>
public sealed record ReferenceBertConfig(
    int Hidden,
    int Layers,
    int Heads,
    int Intermediate,
    ReferenceActivation Activation,
    double LayerNormEps,
    int VocabSize,
    int MaxPositions,
    int TypeVocabSize,
    int NumLabels = 2)
{
    /// <summary>all-MiniLM-L6-v2 (and snowflake-arctic-embed-xs, which has the same shape).</summary>
    public static ReferenceBertConfig MiniLmL6V2 { get; } = new(384, 6, 12, 1536, ReferenceActivation.GeluErf, 1e-12, 30522, 512, 2);

    /// <summary>Size of one attention head.</summary>
    public int HeadSize => Hidden / Heads;

    /// <summary>Parses a HuggingFace <c>hidden_act</c> string.</summary>
    public static ReferenceActivation ParseActivation(string hiddenAct) => hiddenAct switch
    {
        "gelu" => ReferenceActivation.GeluErf,
        "gelu_new" or "gelu_pytorch_tanh" => ReferenceActivation.GeluTanh,
        "relu" => ReferenceActivation.Relu,
        "silu" or "swish" => ReferenceActivation.Silu,
        _ => throw new ArgumentException($"hidden_act '{hiddenAct}' is not one BERT uses", nameof(hiddenAct)),
    };
}
