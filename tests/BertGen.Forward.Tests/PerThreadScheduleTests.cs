using System;
using BertGen.Forward.Tests.Models;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Testing;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// The per-thread schedule a spec plans with <c>bertgen.threads</c>: on a pool of that size each thread runs its own
/// sequences through the whole forward pass; on any other pool the ops run one by one, each split over the pool. Every op
/// computes a row or a sequence the same way whoever runs it, so the schedule must give bitwise the outputs of the
/// one-thread pass: a share reading another's inputs, writing another's rows or a wrong arena would change them.
/// </summary>
public sealed class PerThreadScheduleTests
{
    public static TheoryData<string, int, int, Precision, int> Cases() => new()
    {
        // AllHeads plans 2 threads: every output kind (hidden, pooled, masked LM, next sentence, sequence, token, QA).
        { "AllHeads", 2, 16, Precision.Fp32, 2 },
        { "AllHeads", 2, 16, Precision.Int8, 2 },
        // OddShapes and OddInt8 plan 3: a share of one sequence of 37 tokens, hidden 70, five heads of 14.
        { "OddShapes", 3, 37, Precision.Fp32, 3 },
        { "OddInt8", 3, 37, Precision.Int8, 3 },
        { "OddInt8", 3, 37, Precision.Fp32, 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_planned_schedule_gives_bitwise_the_one_thread_outputs(string spec, int batch, int sequence, Precision precision, int threads)
    {
        using var planned = new ComputePool(threads);
        using var one = new ComputePool(1);
        using var other = new ComputePool(threads + 1);
        using IBertModel model = Create(spec, planned);
        using IBertModel single = Create(spec, one);
        using IBertModel opByOp = Create(spec, other);
        foreach (IBertModel m in new[] { model, single, opByOp })
        {
            ReferenceOracle.Initialize(m, WeightInit.Wide, seed: 23);
            m.PrepareWeightsForInference(precision);
        }

        using IForwardPass split = model.CreateForwardPass(batch, sequence);
        Assert.Equal(threads, (int)split.GetType().GetField("PlannedThreads")!.GetRawConstantValue()!);
        using IForwardPass reference = single.CreateForwardPass(batch, sequence);
        using IForwardPass fallback = opByOp.CreateForwardPass(batch, sequence);
        (int[] ids, int[] mask, int[] types) = SpecForwardTests.PaddedInputs(model, batch, sequence, seed: 31);
        reference.Run(ids, mask, types);
        fallback.Run(ids, mask, types);
        Comparison.AssertSameOutputs($"{spec} {precision} B{batch}S{sequence}, {threads + 1} threads op by op vs 1:", reference, fallback);

        // Twice, with other inputs in between: a share must not depend on what its arena held.
        split.Run(ids, mask, types);
        Comparison.AssertSameOutputs($"{spec} {precision} B{batch}S{sequence}, {threads} threads as planned vs 1:", reference, split);
        (int[] otherIds, int[] otherMask, int[] otherTypes) = SpecForwardTests.PaddedInputs(model, batch, sequence, seed: 32);
        split.Run(otherIds, otherMask, otherTypes);
        split.Run(ids, mask, types);
        Comparison.AssertSameOutputs($"{spec} {precision} B{batch}S{sequence}, {threads} threads as planned, run again:", reference, split);
    }

    [Fact]
    public void Shapes_whose_batch_the_threads_do_not_divide_have_no_plan()
    {
        // OddShapes plans 3 threads; its 1 × 5 shape cannot be split, and AllHeads has no shape of batch 1.
        Assert.Null(typeof(OddShapes.B1S5).GetField("PlannedThreads"));
        Assert.NotNull(typeof(OddShapes.B3S37).GetField("PlannedThreads"));
        Assert.Null(typeof(ReluToken.B2S8).GetField("PlannedThreads")); // no bertgen.threads: none planned
    }

    private static IBertModel Create(string spec, ComputePool pool) => spec switch
    {
        "OddInt8" => new OddInt8(pool),
        _ => SpecForwardTests.Descriptor(spec).Create(pool),
    };
}
