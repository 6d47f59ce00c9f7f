using System;
using BertGen.Forward.Tests.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// PrepareWeightsForInference: the HF-layout copy of the packed linear weights is handed back to the OS, the
/// forward pass computes the same bits as a model that keeps it, and everything that would read the released
/// copy fails with one clear message instead of reading zeros.
/// </summary>
[Collection(MiniLmCollection.Name)]
public sealed class InferenceOnlyTests
{
    private readonly MiniLmModelFixture _fixture;

    public InferenceOnlyTests(MiniLmModelFixture fixture) => _fixture = fixture;

    [Theory]
    [InlineData(1, 128)]
    [InlineData(8, 128)]
    [InlineData(1, 16)]
    public void MiniLm_inference_only_is_bitwise_equal_to_the_model_that_keeps_its_parameters(int batch, int sequence)
    {
        using var pool = new ComputePool(2);
        using MiniLmL6 model = MiniLmModelFixture.LoadModel(pool);
        model.PrepareWeightsForInference();
        Assert.True(model.IsInferenceOnly);
        Assert.False(_fixture.Model.IsInferenceOnly);

        Comparison.AssertSameForward("MiniLM, parameters kept vs released:", _fixture.Model, model, batch, sequence, seed: 5);
    }

    [Fact]
    public void Every_head_is_bitwise_equal_including_the_decoder_tied_to_the_word_embeddings()
    {
        // The MLM decoder is packed from the word embeddings, which the embedding lookup still reads from
        // Parameters: releasing them with the linear weights would zero the lookup (on Linux, where pages are released).
        ModelDescriptor descriptor = SpecForwardTests.Descriptor("AllHeads");
        using var pool = new ComputePool(2);
        using IBertModel keeps = descriptor.Create(pool);
        using IBertModel releases = descriptor.Create(pool);
        ReferenceOracle.Initialize(keeps, WeightInit.Wide, 9);
        ReferenceOracle.Initialize(releases, WeightInit.Wide, 9);
        keeps.PrepareWeights();
        releases.PrepareWeightsForInference();

        Comparison.AssertSameForward("AllHeads, parameters kept vs released:", keeps, releases, 2, 16, seed: 13);
    }

    [Fact]
    public void Everything_that_needs_the_released_parameters_throws_one_clear_error()
    {
        using var pool = new ComputePool(1);
        using var model = new AllHeads(pool);
        model.InitializeParameters(3);
        model.PrepareWeightsForInference();

        foreach (Action needsParameters in new Action[]
        {
            () => _ = model.Parameters,
            () => _ = ((IBertModel)model).Parameters,
            () => model.Parameter("bert.pooler.dense.weight"),
            () => model.PrepareWeights(),
            () => model.PrepareWeightsForInference(),
            () => model.InitializeParameters(4),
            () => ParameterSaver.SaveSafetensors("unused.safetensors", AllHeads.ParameterTable, model.Parameters.AsSpan()),
        })
        {
            var error = Assert.Throws<InvalidOperationException>(needsParameters);
            Assert.StartsWith("AllHeads is inference-only: PrepareWeightsForInference() (or ParameterLoader.LoadInt8) left it only the weights its forward passes compute with", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }

        // Forward passes still run: they read embeddings and LayerNorms from the kept part of the buffer.
        using IForwardPass pass = model.CreateForwardPass(2, 16);
        (int[] ids, int[] mask, int[] types) = SpecForwardTests.PaddedInputs(model, 2, 16, seed: 1);
        pass.Run(ids, mask, types);
        Assert.True(model.IsInferenceOnly);
    }

    [Fact]
    public void A_model_whose_weights_were_never_loaded_refuses_to_answer()
    {
        // Loading forgotten: every output was 0 (an embedding's cosine NaN), without a word.
        using var pool = new ComputePool(1);
        (int[] ids, int[] mask, int[] types) = SpecForwardTests.PaddedInputs(new AllHeads(pool), 2, 16, seed: 1);
        foreach (bool inference in new[] { false, true })
        {
            using var model = new AllHeads(pool);
            if (inference)
            {
                model.PrepareWeightsForInference();
            }
            else
            {
                model.PrepareWeights();
            }

            using IForwardPass pass = model.CreateForwardPass(2, 16);
            Assert.Equal(
                "AllHeads's parameters were all 0 when PrepareWeights() packed them: nothing was loaded or initialised, and every output would be 0; load weights (ParameterLoader) or call InitializeParameters(seed), then prepare them again.",
                Assert.Throws<InvalidOperationException>(() => pass.Run(ids, mask, types)).Message);
        }

        using var initialised = new AllHeads(pool);
        initialised.PrepareWeights();
        initialised.InitializeParameters(5);
        initialised.PrepareWeights();
        using IForwardPass answers = initialised.CreateForwardPass(2, 16);
        answers.Run(ids, mask, types);
        Assert.Contains(answers.LastHiddenState.ToArray(), v => v != 0);
    }
}
