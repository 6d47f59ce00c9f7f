using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Forward.Tests.Models;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Testing;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Forward.Tests;

/// <summary>
/// Every output of the generated forward pass of the three test specs against the scalar double-precision
/// <see cref="ReferenceBert"/>, head by head, with padding in every batch (each row has its own real length).
/// </summary>
/// <remarks>
/// <para>
/// Tolerance: |BertGen − reference| ≤ 5e-5 + 5e-5·|reference| per element. The kernels compute in float32
/// (unit round-off u = 6e-8) with fused multiply-adds in a blocked order, the reference in double. A float32
/// dot product of length K has a worst-case relative error of about K·u and a typical one of √K·u relative
/// to Σ|aᵢbᵢ|; with K ≤ 200 here that is ≈ 1e-6 per matmul. The largest amplification comes from LayerNorm
/// (dividing by the row's standard deviation, which is below 1 for HF-initialised rows) and from the wide
/// initialisation, whose hidden states and logits reach tens of units; repeated over two layers and the
/// heads, the measured worst case is 3e-6 absolute (odd shapes, wide weights, hidden states up to 5; see
/// the test output), so the bound leaves a margin above 10× while still failing on any real defect: a dropped bias, a wrong mask, a mis-strided
/// head or a wrong activation each move outputs by 1e-2 or more. The activations' own approximations (erf
/// and tanh in the kernels) are accurate to ≈ 1e-7 and are covered by the same bound.
/// </para>
/// </remarks>
public sealed class SpecForwardTests
{
    private const double Absolute = 5e-5;
    private const double Relative = 5e-5;

    private readonly ITestOutputHelper _output;

    public SpecForwardTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases()
    {
        foreach (WeightInit init in new[] { WeightInit.HuggingFace, WeightInit.Wide })
        {
            yield return ["AllHeads", 2, 16, init];
            yield return ["OddShapes", 3, 37, init];
            yield return ["OddShapes", 1, 5, init];
            yield return ["ReluToken", 2, 8, init];
            yield return ["SwishHeads", 2, 11, init];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_head_matches_the_double_precision_reference(string spec, int batch, int sequence, WeightInit init)
    {
        ModelDescriptor descriptor = Descriptor(spec);
        using var pool = new ComputePool(2);
        using IBertModel model = descriptor.Create(pool);
        ReferenceOracle.Initialize(model, init, seed: (ulong)(batch * 1000 + sequence));
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(batch, sequence);

        (int[] ids, int[] mask, int[] types) = PaddedInputs(model, batch, sequence, seed: sequence);
        if (batch >= 3)
        {
            // The last row wholly padding (its ids kept), as the batch runner fills a short last batch: each of its queries
            // weighs every key alike, as adding float.MinValue to every score does in HF's float32.
            mask.AsSpan((batch - 1) * sequence, sequence).Clear();
        }

        pass.Run(ids, mask, types);

        Dictionary<string, float[]> weights = ReferenceOracle.Weights(model);
        int numLabels = weights.TryGetValue("classifier.bias", out float[]? labels) ? labels.Length : 2;
        var reference = new ReferenceBert(ReferenceOracle.Config(descriptor, numLabels), weights);
        ReferenceBertOutput expected = reference.Forward(batch, sequence, Longs(ids), Longs(mask), Longs(types));
        int rows = batch * sequence;

        var report = new List<string>();
        void Check(string what, ReadOnlySpan<float> actual, double[] oracle)
        {
            double diff = Comparison.AssertClose($"{spec} B{batch}S{sequence} {init} {what}", actual, oracle, Absolute, Relative);
            report.Add($"{what}: max |Δ| {diff:E2} (max |ref| {Comparison.MaxAbs(oracle):F2})");
        }

        Check("last hidden state", pass.LastHiddenState, expected.LastHiddenState);
        CheckPresence("pooled", pass.PooledOutput, weights.ContainsKey("bert.pooler.dense.weight"));
        if (expected.Pooled is { } pooled)
        {
            Check("pooled", pass.PooledOutput, pooled);
        }

        CheckPresence("masked LM", pass.MaskedLmLogits, weights.ContainsKey("cls.predictions.bias"));
        if (weights.ContainsKey("cls.predictions.bias"))
        {
            Check("masked LM logits", pass.MaskedLmLogits, reference.MaskedLmLogits(expected.LastHiddenState, rows));
        }

        CheckPresence("next sentence", pass.NextSentenceLogits, weights.ContainsKey("cls.seq_relationship.weight"));
        if (weights.ContainsKey("cls.seq_relationship.weight"))
        {
            Check("next sentence logits", pass.NextSentenceLogits, reference.NextSentenceLogits(expected.Pooled!, batch));
        }

        bool tokenHeadNamedApart = weights.ContainsKey("token_classifier.weight");
        bool hasTokenHead = tokenHeadNamedApart || (weights.ContainsKey("classifier.weight") && descriptor.Heads.Contains("token_classification"));
        bool hasSequenceHead = descriptor.Heads.Contains("sequence_classification");
        CheckPresence("sequence classification", pass.SequenceLogits, hasSequenceHead);
        if (hasSequenceHead)
        {
            Check("sequence logits", pass.SequenceLogits, reference.SequenceClassificationLogits(expected.Pooled!, batch));
        }

        CheckPresence("token classification", pass.TokenLogits, hasTokenHead);
        if (hasTokenHead)
        {
            // With both classifiers in one model the token one is stored as token_classifier.*; the reference
            // knows only HF's "classifier", so give it a dictionary where that name means the token head.
            ReferenceBert tokenReference = reference;
            if (tokenHeadNamedApart)
            {
                var renamed = new Dictionary<string, float[]>(weights, StringComparer.Ordinal)
                {
                    ["classifier.weight"] = weights["token_classifier.weight"],
                    ["classifier.bias"] = weights["token_classifier.bias"],
                };
                tokenReference = new ReferenceBert(ReferenceOracle.Config(descriptor, weights["token_classifier.bias"].Length), renamed);
            }

            Check("token logits", pass.TokenLogits, tokenReference.TokenClassificationLogits(expected.LastHiddenState, rows));
        }

        CheckPresence("question answering", pass.QuestionAnsweringLogits, weights.ContainsKey("qa_outputs.weight"));
        if (weights.ContainsKey("qa_outputs.weight"))
        {
            (double[] start, double[] end) = reference.QuestionAnsweringLogits(expected.LastHiddenState, rows);
            var interleaved = new double[rows * 2];
            for (int r = 0; r < rows; r++)
            {
                interleaved[r * 2] = start[r];
                interleaved[(r * 2) + 1] = end[r];
            }

            Check("question answering logits [start, end]", pass.QuestionAnsweringLogits, interleaved);
        }

        _output.WriteLine($"{spec} B{batch}S{sequence} {init}, real lengths {string.Join(", ", RealLengths(mask, batch, sequence))}:");
        foreach (string line in report)
        {
            _output.WriteLine("  " + line);
        }
    }

    [Fact]
    public void The_all_heads_spec_compiles_every_head()
    {
        Assert.Equal(["pretraining", "sequence_classification", "token_classification", "question_answering"], AllHeads.Descriptor.Heads);
        Assert.Equal("gelu_new", OddShapes.Descriptor.Activation);
        Assert.Equal("relu", ReluToken.Descriptor.Activation);
        Assert.Equal("silu", SwishHeads.Descriptor.Activation); // "swish" names the same activation
        Assert.Equal(3, ReluToken.Descriptor.TypeVocabSize);
    }

    internal static ModelDescriptor Descriptor(string spec) => spec switch
    {
        "AllHeads" => AllHeads.Descriptor,
        "OddShapes" => OddShapes.Descriptor,
        "ReluToken" => ReluToken.Descriptor,
        "SwishHeads" => SwishHeads.Descriptor,
        _ => throw new ArgumentException(spec),
    };

    /// <summary>
    /// Random ids and segment ids with a different real length in every row (row r keeps
    /// sequence − (r+1)·sequence/(batch+2) tokens, at least 2), the rest padding: id 0, mask 0, type 0.
    /// </summary>
    internal static (int[] Ids, int[] Mask, int[] Types) PaddedInputs(IBertModel model, int batch, int sequence, int seed)
    {
        var random = new Random(seed);
        var ids = new int[batch * sequence];
        var mask = new int[batch * sequence];
        var types = new int[batch * sequence];
        for (int b = 0; b < batch; b++)
        {
            int length = Math.Max(2, sequence - ((b + 1) * sequence / (batch + 2)));
            for (int s = 0; s < length; s++)
            {
                int t = (b * sequence) + s;
                ids[t] = random.Next(1, model.VocabSize);
                mask[t] = 1;
                types[t] = random.Next(model.TypeVocabSize);
            }
        }

        return (ids, mask, types);
    }

    private static void CheckPresence(string head, ReadOnlySpan<float> output, bool expected) =>
        Assert.True(output.IsEmpty != expected, $"{head} output is {(output.IsEmpty ? "empty" : "present")}, expected it {(expected ? "present" : "absent")}");

    private static IEnumerable<int> RealLengths(int[] mask, int batch, int sequence) =>
        Enumerable.Range(0, batch).Select(b => mask.AsSpan(b * sequence, sequence).ToArray().Sum());

    private static long[] Longs(int[] values) => Array.ConvertAll(values, v => (long)v);
}
