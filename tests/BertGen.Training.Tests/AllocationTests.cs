using System;
using BertGen.Runtime.Training;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>A training step allocates no managed memory once warm: buffers are planned at build time.</summary>
public sealed class AllocationTests
{
    [Theory]
    [MemberData(nameof(Cases.All), MemberType = typeof(Cases))]
    public void WarmTrainingStepAllocatesNothing(OracleCase testCase)
    {
        using ITrainableModel model = testCase.Create();
        ModelHarness.Initialize(model, 1, model.InitializeParameters);
        using ITrainingStep step = model.CreateTrainingStep(testCase.Batch, testCase.Sequence);
        TrainingBatch batch = testCase.CreateBatch(2);
        step.Run(batch, StepMode.Train, 1);
        step.Run(batch, StepMode.Evaluate, 1);

        // The calling thread's counter: the process-wide one also sees the test runner's own threads. The pool's
        // worker runs the same static kernel code on its parts, so the caller's count covers every code path.
        long before = GC.GetAllocatedBytesForCurrentThread();
        step.Run(batch, StepMode.Train, 2);
        step.Run(batch, StepMode.Evaluate, 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
