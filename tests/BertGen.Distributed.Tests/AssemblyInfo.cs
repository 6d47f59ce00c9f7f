using Xunit;

// Each test starts whole mpirun jobs that use both cores; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
