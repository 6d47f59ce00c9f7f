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

    /// <summary>BERT-tiny (H128, I512) layers at 128 and 32 tokens: GEMMs of a few µs, where hand-off cost shows.</summary>
    public static GemmShape[] Tiny { get; } =
    [
        new("tiny qkv 128→384 T128", 128, 128, 384),
        new("tiny ffn1 128→512 T128", 128, 128, 512),
        new("tiny ffn2 512→128 T128", 128, 512, 128),
        new("tiny out 128→128 T32", 32, 128, 128),
    ];

    /// <inheritdoc/>
    public override string ToString() => Name;
}
