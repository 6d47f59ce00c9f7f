using System;
using System.IO;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>Training without mpirun is exactly the single-process run it always was: Open MPI is never touched.</summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class SingleProcessTrainingTests(TrainingRunsFixture runs)
{
    [Fact]
    public void PretrainAndFinetuneWithoutMpirun_NeverLoadLibmpi()
    {
        // The fixture ran pretrain and finetune in this very process.
        Assert.Equal(0, runs.Pretrain.ExitCode);
        Assert.Equal(0, runs.Finetune.ExitCode);
        Assert.DoesNotContain("libmpi", File.ReadAllText("/proc/self/maps"), StringComparison.Ordinal);
        Assert.DoesNotContain("data-parallel", runs.Pretrain.Error, StringComparison.Ordinal);
    }
}
