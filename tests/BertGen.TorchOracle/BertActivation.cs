namespace BertGen.TorchOracle;

/// <summary>The FFN and MLM-transform activation, as HuggingFace's <c>hidden_act</c> names it.</summary>
public enum BertActivation
{
    /// <summary><c>"gelu"</c>: the exact GELU, 0.5·x·(1 + erf(x/√2)).</summary>
    GeluErf,

    /// <summary><c>"gelu_new"</c> / <c>"gelu_pytorch_tanh"</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    GeluTanh,

    /// <summary><c>"relu"</c>.</summary>
    Relu,

    /// <summary><c>"silu"</c> / <c>"swish"</c>: x·σ(x).</summary>
    Silu,
}
