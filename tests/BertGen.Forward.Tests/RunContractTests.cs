using System;
using BertGen.Forward.Tests.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// What a forward pass promises besides its numbers: the same bits on any thread count, the documented
/// exceptions for bad inputs, and no managed allocation per call once warm.
/// </summary>
[Collection(MiniLmCollection.Name)]
public sealed class RunContractTests
{
    private readonly MiniLmModelFixture _fixture;

    public RunContractTests(MiniLmModelFixture fixture) => _fixture = fixture;

    [Theory]
    [InlineData(1, 128)]
    [InlineData(8, 128)]
    [InlineData(1, 16)]
    public void MiniLm_on_two_threads_is_bitwise_equal_to_one_thread(int batch, int sequence)
    {
        using var singlePool = new ComputePool(1);
        using MiniLmL6 single = MiniLmModelFixture.LoadModel(singlePool);
        single.PrepareWeights();
        Assert.Equal(2, _fixture.Model.Pool.ThreadCount);

        Comparison.AssertSameForward("MiniLM on one thread vs two:", single, _fixture.Model, batch, sequence, seed: 7);
    }

    [Theory]
    [InlineData("AllHeads", 2, 16)]
    [InlineData("OddShapes", 3, 37)]
    public void Test_specs_on_two_threads_are_bitwise_equal_to_one_thread(string spec, int batch, int sequence)
    {
        ModelDescriptor descriptor = SpecForwardTests.Descriptor(spec);
        using var singlePool = new ComputePool(1);
        using var doublePool = new ComputePool(2);
        using IBertModel single = descriptor.Create(singlePool);
        using IBertModel threaded = descriptor.Create(doublePool);
        ReferenceOracle.Initialize(single, WeightInit.Wide, 3);
        ReferenceOracle.Initialize(threaded, WeightInit.Wide, 3);
        single.PrepareWeights();
        threaded.PrepareWeights();

        Comparison.AssertSameForward($"{spec} on one thread vs two:", single, threaded, batch, sequence, seed: 11);
    }

    [Fact]
    public void Weights_loaded_after_PrepareWeights_are_refused_until_prepared_again()
    {
        // The forward pass computes with the copy PrepareWeights packed: a newcomer's classifier prepared, then loaded with
        // its checkpoint, answered from its random initialisation without a word.
        using var pool = new ComputePool(1);
        using var model = new MiniLmL6(pool);
        model.InitializeParameters(seed: 5);
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(1, 16);
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
        (int[] ids, int[] mask, int[] types) = Inputs(16);
        var error = Assert.Throws<InvalidOperationException>(() => pass.Run(ids, mask, types));
        Assert.Equal("MiniLmL6: its weights changed after PrepareWeights() (loaded or initialised after it), and the forward pass computes with the copy "
            + "PrepareWeights() packed; call PrepareWeights() again before a forward pass.", error.Message);

        // One tensor changed alone (its first value) is found too; prepared again, the model is the one loaded first.
        model.PrepareWeights();
        float loaded = model.Parameter("encoder.layer.5.output.dense.bias")[0];
        model.Parameter("encoder.layer.5.output.dense.bias")[0] = loaded + 1f;
        Assert.Throws<InvalidOperationException>(() => pass.Run(ids, mask, types));
        model.Parameter("encoder.layer.5.output.dense.bias")[0] = loaded;
        model.PrepareWeights();
        Comparison.AssertSameForward("loaded after a first PrepareWeights, prepared again, vs loaded first:", _fixture.Model, model, 1, 16, seed: 7);

        // The int8 copy likewise, from PrepareInt8Weights.
        model.PrepareInt8Weights();
        using IForwardPass int8 = model.CreateForwardPass(1, 16, Precision.Int8);
        int8.Run(ids, mask, types);
        model.InitializeParameters(seed: 6);
        Assert.Equal("MiniLmL6: its weights changed after PrepareInt8Weights() (loaded or initialised after it), and the int8 forward pass computes with the copy "
            + "PrepareInt8Weights() quantised; call PrepareInt8Weights() again before an int8 forward pass.", Assert.Throws<InvalidOperationException>(() => int8.Run(ids, mask, types)).Message);
        model.PrepareInt8Weights();
        int8.Run(ids, mask, types);
    }

    private static (int[] Ids, int[] Mask, int[] Types) Inputs(int sequence)
    {
        var ids = new int[sequence];
        var mask = new int[sequence];
        ids[0] = 101;
        ids[^1] = 102;
        Array.Fill(mask, 1);
        return (ids, mask, new int[sequence]);
    }

    [Fact]
    public void Bad_inputs_throw_BertInputException()
    {
        using IForwardPass pass = _fixture.Model.CreateForwardPass(1, 16);
        var ids = new int[16];
        var mask = new int[16];
        var types = new int[16];
        ids[0] = 101;
        mask[0] = 1;

        Assert.Throws<BertInputException>(() => pass.Run(new int[15], mask, types));
        Assert.Throws<BertInputException>(() => pass.Run(ids, new int[17], types));
        Assert.Throws<BertInputException>(() => pass.Run(ids, mask, new int[32]));
        Assert.Throws<BertInputException>(() => pass.Run(With(ids, 3, MiniLmL6.VocabSize), mask, types));
        Assert.Throws<BertInputException>(() => pass.Run(With(ids, 3, -1), mask, types));
        Assert.Throws<BertInputException>(() => pass.Run(ids, mask, With(types, 1, MiniLmL6.TypeVocabSize)));
        Assert.Throws<BertInputException>(() => pass.Run(ids, mask, With(types, 1, -1)));
        Assert.Throws<BertInputException>(() => pass.Run(ids, With(mask, 2, 2), types));
        Assert.Throws<BertInputException>(() => pass.Run(ids, With(mask, 2, -1), types));

        // The largest valid values pass.
        pass.Run(With(ids, 3, MiniLmL6.VocabSize - 1), mask, With(types, 1, MiniLmL6.TypeVocabSize - 1));
    }

    [Fact]
    public void Forward_before_PrepareWeights_throws_InvalidOperationException()
    {
        using var pool = new ComputePool(1);
        using var model = new ReluToken(pool);
        model.InitializeParameters(5);
        using IForwardPass pass = model.CreateForwardPass(2, 8);
        var ids = new int[16];
        var mask = new int[16];
        Array.Fill(mask, 1);
        var error = Assert.Throws<InvalidOperationException>(() => pass.Run(ids, mask, new int[16]));
        Assert.Contains("PrepareWeights", error.Message);

        model.PrepareWeights();
        pass.Run(ids, mask, new int[16]);
    }

    [Fact]
    public void Unknown_shape_throws_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _fixture.Model.CreateForwardPass(2, 128));
    }

    [Theory]
    [InlineData(1, 128)]
    [InlineData(8, 128)]
    public void A_warm_run_allocates_nothing_on_the_calling_thread(int batch, int sequence)
    {
        using IForwardPass pass = _fixture.Model.CreateForwardPass(batch, sequence);
        (int[] ids, int[] mask, int[] types) = SpecForwardTests.PaddedInputs(_fixture.Model, batch, sequence, seed: 3);
        for (int i = 0; i < 3; i++)
        {
            pass.Run(ids, mask, types);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        pass.Run(ids, mask, types);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    private static int[] With(int[] values, int index, int value)
    {
        int[] copy = (int[])values.Clone();
        copy[index] = value;
        return copy;
    }
}
