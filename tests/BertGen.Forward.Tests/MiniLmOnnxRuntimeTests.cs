using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Inference;
using BertGen.Testing;
using BertGen.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Forward.Tests;

/// <summary>
/// The generated MiniLmL6 with the real all-MiniLM-L6-v2 weights against ONNX Runtime running the package's
/// model.onnx, on real sentences routed by the <see cref="BatchRunner"/> to the smallest fitting compiled
/// variant (B1S16, B1S32, B1S64, B1S128, B8S128, and for two long texts B1S256 and B1S512), so every compiled shape is
/// exercised with padding.
/// </summary>
/// <remarks>
/// Tolerance 1e-4 absolute on the last hidden state (real positions) and the pooler output. Both engines
/// compute in float32 but in different orders (ORT fuses attention and LayerNorm, BertGen blocks its GEMMs),
/// and BertGen pads the input to its variant while ORT runs each sentence at its exact length; after six
/// layers of LayerNorm-normalised states with magnitudes up to ≈ 10 the float32 disagreement is a few 1e-6
/// (printed by the test), so 1e-4 is the issue's bound with a wide margin; a padding leak through the
/// mask would move real positions by far more.
/// </remarks>
[Collection(MiniLmCollection.Name)]
public sealed class MiniLmOnnxRuntimeTests
{
    private const double Tolerance = 1e-4;

    /// <summary>Short, medium and long (65–128 WordPieces) texts; accents, CJK, punctuation, digits.</summary>
    private static readonly string[] Texts =
    [
        "This is an example sentence",
        "Each sentence is converted",
        "Hello!",
        "Café crème à la française, naïve résumé.",
        "我喜欢机器学习。東京は日本の首都です。",
        "The quick brown fox jumps over the lazy dog.",
        "Numbers like 3.14159 and 2,718 tokenise into several pieces.",
        "Sentence embeddings place similar meanings close together in a vector space, so search can compare them.",
        "In 1969, Apollo 11 landed on the Moon; Neil Armstrong and Buzz Aldrin walked on the surface while Michael Collins orbited above.",
        "Über den Wolken muss die Freiheit wohl grenzenlos sein, sang Reinhard Mey, und viele Menschen summen das Lied noch heute.",
        "Transformers replaced recurrent networks for most language tasks because attention lets every token look at every other token directly, and training parallelises across the whole sequence instead of stepping through it one position at a time.",
        "The committee reviewed the proposal for the new library on the north side of the river, weighing the cost of construction, the expected number of visitors, the parking situation, the effect on the neighbouring park and the opinions gathered at three public meetings held during the spring. In the end it approved a smaller design.",
        "A well-blocked matrix multiplication keeps a panel of one operand in the level-one cache, streams the other operand from the level-two cache, and accumulates a small tile of the result in registers, so that the arithmetic units rarely wait for memory and the kernel approaches the machine's peak rate of fused multiply-add operations. Getting there takes careful tuning for every processor generation.",
        "When the storm reached the coast late in the evening, the fishermen had already pulled their boats onto the beach, tied down the nets, and gathered in the small harbour tavern, where they listened to the wind rattling the shutters and told each other stories about worse nights they had survived decades ago. By morning the sea was calm again.",
        "Photosynthesis converts light energy into chemical energy: chlorophyll absorbs photons, water molecules are split to release oxygen, and the energy captured drives the Calvin cycle, in which carbon dioxide from the air is fixed into sugars that the plant uses to grow, to store energy, and to build its cell walls. Without it there would be no oxygen to breathe.",
        "The recipe asks for two cups of flour, one teaspoon of baking soda, half a teaspoon of salt, a cup of softened butter, three quarters of a cup of sugar, two eggs, a teaspoon of vanilla extract and two cups of chocolate chips, baked for ten minutes at one hundred and ninety degrees. Let the cookies cool on a rack before serving them.",
        "Distributed systems must tolerate partial failure: a message may be delayed, duplicated or lost, a node may crash and restart with stale state, and clocks on different machines drift apart, so protocols such as consensus algorithms are designed to keep replicas consistent without assuming any of these things cannot happen. Testing them is notoriously hard.",
        "During the long summer holidays the children explored the forest behind their grandparents' farm, building a hut from fallen branches, following the stream to a hidden pond full of frogs, and coming home every evening with muddy boots, scratched knees and pockets full of interesting stones and feathers. Those weeks stayed with them for the rest of their lives.",
        "Modern compilers translate high-level source code through several intermediate representations, applying optimisations such as inlining, constant propagation, loop unrolling, vectorisation and register allocation, before finally emitting machine instructions tuned for the particular processor the program is expected to run on. Each step must preserve the meaning of the program exactly.",
        "The museum's new exhibition traces the history of timekeeping from sundials and water clocks through pendulum clocks and marine chronometers to quartz watches and atomic clocks, explaining at each step how better time measurement changed navigation, science, industry and the daily lives of ordinary people. Admission is free on the first Sunday of every month.",
        "Railways transformed the nineteenth century: goods that once travelled for weeks by canal or cart reached distant cities in a day, towns grew up around stations, national time zones were introduced so that timetables made sense, and millions of people could for the first time visit the sea, look for work far from home or move to another region entirely.",
        "Short one.",
        "Two words",
    ];

    private readonly MiniLmModelFixture _fixture;
    private readonly ITestOutputHelper _output;

    public MiniLmOnnxRuntimeTests(MiniLmModelFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void Real_sentences_through_every_variant_match_onnx_runtime()
    {
        var inputs = new List<TokenizedInput>();
        foreach (string text in Texts)
        {
            EncodedInput encoded = _fixture.Tokenizer.Encode(text, 128);
            inputs.Add(new TokenizedInput(encoded.InputIds.ToArray(), encoded.SegmentIds.ToArray()));
        }

        // Long texts for the 256 and 512 shapes (sentence-transformers' limits for all-MiniLM-L6-v2 and arctic-embed-xs).
        foreach (string text in new[] { string.Join(' ', Texts[11..14]), string.Join(' ', Texts[10..21]) })
        {
            EncodedInput encoded = _fixture.Tokenizer.Encode(text, 512);
            inputs.Add(new TokenizedInput(encoded.InputIds.ToArray(), encoded.SegmentIds.ToArray()));
        }

        // A sentence pair: segment ids 1 on the second sentence.
        EncodedInput pair = _fixture.Tokenizer.EncodePair("How old is the universe?", "About 13.8 billion years, according to measurements of the cosmic microwave background.", 128);
        inputs.Add(new TokenizedInput(pair.InputIds.ToArray(), pair.SegmentIds.ToArray()));
        Assert.Contains(1, inputs[^1].TokenTypeIds);
        Assert.DoesNotContain(100, inputs[3].InputIds); // accents fold to known pieces, not [UNK]
        Assert.True(inputs[4].Length >= 18, "CJK text splits into one piece per character"); // some of them are [UNK] in this vocabulary
        Assert.Contains(inputs[4].InputIds, id => id > 999);

        const int hidden = 384;
        var variantsUsed = new HashSet<(int, int)>();
        double worstHidden = 0, worstPooled = 0;
        int checkedInputs = 0;
        using var runner = new BatchRunner(_fixture.Model);
        runner.Run(inputs, (index, pass, row) =>
        {
            variantsUsed.Add((pass.Batch, pass.Sequence));
            TokenizedInput input = inputs[index];
            int length = input.Length;

            // ORT at the sentence's exact length: no padding at all on the oracle's side.
            long[] ids = Array.ConvertAll(input.InputIds, v => (long)v);
            long[] types = Array.ConvertAll(input.TokenTypeIds, v => (long)v);
            var mask = new long[length];
            Array.Fill(mask, 1L);
            OnnxRuntimeBertOutput expected = _fixture.OnnxRuntime.Run(1, length, ids, mask, types);

            ReadOnlySpan<float> actualHidden = pass.LastHiddenState.Slice(row * pass.Sequence * hidden, length * hidden);
            ReadOnlySpan<float> actualPooled = pass.PooledOutput.Slice(row * hidden, hidden);
            double diffHidden = Comparison.AssertClose($"input {index} ({length} tokens, B{pass.Batch}S{pass.Sequence}) last hidden state",
                actualHidden, Array.ConvertAll(expected.LastHiddenState, v => (double)v), Tolerance, 0);
            double diffPooled = Comparison.AssertClose($"input {index} pooled", actualPooled, Array.ConvertAll(expected.Pooled!, v => (double)v), Tolerance, 0);
            worstHidden = Math.Max(worstHidden, diffHidden);
            worstPooled = Math.Max(worstPooled, diffPooled);
            checkedInputs++;
        });

        _output.WriteLine($"{inputs.Count} inputs, lengths {string.Join(", ", inputs.Select(i => i.Length))}");
        Assert.Equal(inputs.Count, checkedInputs);
        Assert.Equal([(1, 16), (1, 32), (1, 64), (1, 128), (8, 128), (1, 256), (1, 512)], variantsUsed.OrderBy(v => v.Item2).ThenBy(v => v.Item1));
        _output.WriteLine($"max |Δ| vs ONNX Runtime: last hidden state {worstHidden:E2}, pooler {worstPooled:E2}");
    }

    [Fact]
    public void Mean_pooled_embedding_matches_the_published_values()
    {
        // sentence-transformers' published all-MiniLM-L6-v2 output for this sentence, to four decimals.
        float[] published = [0.0677f, 0.0635f, 0.0487f, 0.0793f, 0.0374f];
        int[] ids = [101, 2023, 2003, 2019, 2742, 6251, 102];
        Assert.Equal(ids, _fixture.Tokenizer.Encode("This is an example sentence", 128).InputIds);

        using var embedder = new SentenceEmbedder(_fixture.Model, PoolingMode.Mean);
        float[] embedding = embedder.Embed([TokenizedInput.Single(ids)])[0];

        // Rounding to four decimals leaves up to 5e-5; float32 noise adds ~1e-7.
        for (int i = 0; i < published.Length; i++)
        {
            Assert.True(Math.Abs(embedding[i] - published[i]) <= 5.1e-5, $"embedding[{i}] = {embedding[i]:F6}, published {published[i]:F4}");
        }

        double norm = Math.Sqrt(embedding.Sum(v => (double)v * v));
        Assert.Equal(1.0, norm, 5);
        _output.WriteLine($"embedding starts {string.Join(", ", embedding.Take(5).Select(v => v.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}
