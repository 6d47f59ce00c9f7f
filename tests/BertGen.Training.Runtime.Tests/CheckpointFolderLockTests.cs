using System;
using System.IO;
using BertGen.Runtime.Checkpoints;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>One writer per checkpoint folder (issue 15: two runs on one folder deleted each other's temporary folders and both died).</summary>
public sealed class CheckpointFolderLockTests
{
    [Fact]
    public void ASecondWriterIsRefusedAtOnceUntilTheFirstReleases()
    {
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "run");

        using (CheckpointFolderLock first = CheckpointFolderLock.Acquire(runs))
        {
            CheckpointException error = Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(runs));
            Assert.Equal($"checkpoint folder '{runs}' is in use by another training run (it holds .bertgen.lock); wait for that run to end or choose another folder", error.Message);
            Assert.Equal(runs, first.Folder);
        }

        using CheckpointFolderLock again = CheckpointFolderLock.Acquire(runs);
        Assert.True(File.Exists(Path.Combine(runs, CheckpointFolderLock.LockFile)));
    }

    [Fact]
    public void TheLockFileSaysWhoHoldsIt()
    {
        using var folder = new TemporaryDirectory();
        using (CheckpointFolderLock.Acquire(folder.Path))
        {
        }

        Assert.StartsWith($"bertgen training run: process {Environment.ProcessId} on ", File.ReadAllText(Path.Combine(folder.Path, CheckpointFolderLock.LockFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileIsNotAFolder()
    {
        using var folder = new TemporaryDirectory();
        string file = Path.Combine(folder.Path, "runs");
        File.WriteAllText(file, "not a folder");

        Assert.Equal($"checkpoint folder '{file}' is a file, not a folder", Assert.Throws<CheckpointException>(() => CheckpointFolderLock.Acquire(file)).Message);
    }
}
