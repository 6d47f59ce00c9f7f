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

        // Precise total over all threads: the pool's worker runs parts of the step too.
        long before = GC.GetTotalAllocatedBytes(precise: true);
        step.Run(batch, StepMode.Train, 2);
        step.Run(batch, StepMode.Evaluate, 2);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(0, allocated);
    }
}
