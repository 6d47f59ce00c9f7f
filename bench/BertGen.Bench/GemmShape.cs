namespace BertGen.Bench;

/// <summary>One linear layer's GEMM: y[M,N] = x[M,K]·W[N,K]ᵀ.</summary>
public sealed record GemmShape(string Name, int M, int K, int N)
{
    /// <summary>Floating-point operations of one product (a multiply and an add per term).</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The shapes the targets are stated for: BERT-base and MiniLM linear layers at 128 tokens.</summary>
    public static GemmShape[] Bert { get; } =
    [
        new("base qkv 768→2304", 128, 768, 2304),
        new("base out 768→768", 128, 768, 768),
        new("base ffn1 768→3072", 128, 768, 3072),
        new("base ffn2 3072→768", 128, 3072, 768),
        new("minilm qkv 384→1152", 128, 384, 1152),
        new("minilm out 384→384", 128, 384, 384),
        new("minilm ffn1 384→1536", 128, 384, 1536),
        new("minilm ffn2 1536→384", 128, 1536, 384),
    ];

    /// <inheritdoc/>
    public override string ToString() => Name;
}
