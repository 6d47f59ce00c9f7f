namespace BertGen.Runtime.Kernels;

/// <summary>An elementwise activation a GEMM epilogue can apply after the bias.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None,

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)): HuggingFace <c>"gelu"</c>.</summary>
    GeluErf,

    /// <summary>Tanh GELU, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))): <c>"gelu_new"</c>, <c>"gelu_pytorch_tanh"</c>.</summary>
    GeluTanh,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>tanh(x): the BERT pooler.</summary>
    Tanh,
}
