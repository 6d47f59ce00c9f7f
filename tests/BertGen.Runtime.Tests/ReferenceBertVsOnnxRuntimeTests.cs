using System;
using System.Collections.Generic;
using BertGen.Testing;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Runtime.Tests;

/// <summary>
/// The scalar reference BERT, fed the weights our ONNX importer recovered, against ONNX Runtime running the
/// original ONNX graph: agreement checks the importer (names, transposes), the reference's arithmetic and
/// its masking all at once, on real sentences.
/// </summary>
[Collection(MiniLmCollection.Name)]
public sealed class ReferenceBertVsOnnxRuntimeTests
{
    // ONNX Runtime computes in float32: each of the ~2k-term dot products and LayerNorms in 6 layers rounds
    // at ~6e-8 relative, and the final LayerNorm outputs are O(1–10), so a few 1e-6 to 1e-5 absolute is
    // expected; 1e-4 (the task's bound) leaves margin yet catches any real error (a wrong transpose, mask,
    // eps or GELU variant moves values by 1e-2 or more).
    private const double Tolerance = 1e-4;

    private static readonly string[] Sentences =
    [
        "This is an example sentence",
        "Each sentence is converted",
        "Hello!",
        "The quick brown fox jumps over the lazy dog.",
        "BERT stands for Bidirectional Encoder Representations from Transformers.",
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A man is riding a horse.",
        "A woman is playing violin.",
        "Two men pushed carts through the woods.",
        "A man is riding a white horse on an enclosed ground.",
        "A monkey is playing drums.",
        "Someone in a gorilla costume is playing a set of drums.",
        "Café Müller serves crème brûlée to naïve visitors from São Paulo.",
        "Ångström, Øresund and Dvořák are spelled with diacritics.",
        "我爱北京天安门",
        "東京は日本の首都です。",
        "Tokenization of unbelievably uncharacteristically long words splits them into pieces.",
        "Numbers like 3.14159 and 2,718 and dates like 2024-09-22 appear too.",
        "Short",
        "What is the capital of France? Paris is the capital and most populous city of France, "
            + "with an estimated population of over two million residents in its administrative limits.",
        "e-mail: someone@example.com, url: https://example.org/path?q=1",
    ];

    private readonly MiniLmFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ReferenceBertVsOnnxRuntimeTests(MiniLmFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void LastHiddenStateAndPoolerMatchOnnxRuntimeOnRealSentencesWithPaddingAndAPair()
    {
        var sequences = new List<(IReadOnlyList<int>, IReadOnlyList<int>)>();
        foreach (string sentence in Sentences)
        {
            IReadOnlyList<int> ids = _fixture.Tokenizer.EncodeToIds(sentence);
            sequences.Add((ids, new int[ids.Count]));
        }

        // A sentence pair: [CLS] A [SEP] B [SEP] with token type 1 on B and its [SEP].
        IReadOnlyList<int> a = _fixture.Tokenizer.EncodeToIds("How old are you?", addSpecialTokens: false);
        IReadOnlyList<int> b = _fixture.Tokenizer.EncodeToIds("I am six years old.", addSpecialTokens: false);
        IReadOnlyList<int> pairIds = _fixture.Tokenizer.BuildInputsWithSpecialTokens(a, b);
        IReadOnlyList<int> pairTypes = _fixture.Tokenizer.CreateTokenTypeIdsFromSequences(a, b);
        Assert.Contains(1, pairTypes);
        sequences.Add((pairIds, pairTypes));

        var batch = new TokenBatch(sequences);
        Assert.True(batch.Batch >= 24);
        _output.WriteLine($"batch {batch.Batch} × {batch.Sequence}, lengths {string.Join(",", batch.Lengths)}");

        ReferenceBertOutput reference = _fixture.Reference.Forward(batch.Batch, batch.Sequence, batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        OnnxRuntimeBertOutput peer = _fixture.OnnxRuntime.Run(batch.Batch, batch.Sequence, batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);

        // Real positions are the contract. Padded positions are compared too: HF computes them (their queries
        // still see every real key) and both implementations mask keys the same way, so they must agree as well.
        int h = reference.Hidden;
        double worstReal = 0;
        double worstPadded = 0;
        for (int s = 0; s < batch.Batch; s++)
        {
            for (int t = 0; t < batch.Sequence; t++)
            {
                for (int i = 0; i < h; i++)
                {
                    int index = (((s * batch.Sequence) + t) * h) + i;
                    double diff = Math.Abs(reference.LastHiddenState[index] - peer.LastHiddenState[index]);
                    if (t < batch.Lengths[s])
                    {
                        worstReal = Math.Max(worstReal, diff);
                    }
                    else
                    {
                        worstPadded = Math.Max(worstPadded, diff);
                    }
                }
            }
        }

        double worstPooled = 0;
        for (int i = 0; i < reference.Pooled!.Length; i++)
        {
            worstPooled = Math.Max(worstPooled, Math.Abs(reference.Pooled[i] - peer.Pooled![i]));
        }

        _output.WriteLine($"max |Δ| last_hidden_state real {worstReal:E2}, padded {worstPadded:E2}; pooler {worstPooled:E2}");
        Assert.True(worstReal <= Tolerance, $"last_hidden_state differs by {worstReal} on real positions");
        Assert.True(worstPadded <= Tolerance, $"last_hidden_state differs by {worstPadded} on padded positions");
        Assert.True(worstPooled <= Tolerance, $"pooler output differs by {worstPooled}");
    }
}
