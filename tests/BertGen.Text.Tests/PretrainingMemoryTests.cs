using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>Run alone (no other test allocating meanwhile), so the managed heap's size measures what the instances hold.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection
{
    public const string Name = "heap measuring";
}

/// <summary>
/// What a pretraining run holds for its whole length: about ten instances of every sentence (Google's dupe factor). Held
/// as two <c>int[]</c> per instance, token ids and segment ids, the bundled corpus's instances took 9.2 bytes per token
/// without masks and 11.2 with them, 32 bytes per byte of text: a corpus of a few GB did not fit the machine.
/// </summary>
[Collection(HeapMeasuringCollection.Name)]
public sealed class PretrainingMemoryTests
{
    [Theory]
    [InlineData(false, 4.5)] // 3.3 bytes per token: 2 per id, the rest the instance's objects
    [InlineData(true, 6.5)]  // 5.1: with each instance's masked positions and labels, ~20 ints each
    public void InstancesHoldTheirTokensInLittleMoreThanTwoBytesEach(bool mask, double bytesPerTokenAtMost)
    {
        var builder = new PretrainingInstanceBuilder(TestData.Corpus, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 2 });
        long before = GC.GetTotalMemory(forceFullCollection: true);
        List<PretrainingInstance> instances = builder.CreateInstances(new Xoshiro256StarStar(7), mask);
        long held = GC.GetTotalMemory(forceFullCollection: true) - before;
        long tokens = instances.Sum(i => (long)i.InputIds.Count);
        GC.KeepAlive(instances);

        Assert.True(held <= bytesPerTokenAtMost * tokens, $"{instances.Count:N0} instances of {tokens:N0} tokens hold {held:N0} bytes, {(double)held / tokens:F2} per token");
    }

    [Fact]
    public void CompactTokensReadAsTheIdsTheyHold()
    {
        // Two bytes while every id fits (BERT's 30,522-token vocabulary), the ids themselves beyond (a multilingual one).
        int[] narrow = [101, 0, 65535, 7, 102];
        int[] wide = [101, 119547, 102];
        Assert.Equal(narrow, CompactInstanceLists.TokenIds(narrow));
        Assert.Equal(narrow, Enumerable.Range(0, narrow.Length).Select(i => CompactInstanceLists.TokenIds(narrow)[i]));
        Assert.Same(wide, CompactInstanceLists.TokenIds(wide));

        IReadOnlyList<int> segments = CompactInstanceLists.SegmentIds(length: 6, secondStart: 4);
        Assert.Equal([0, 0, 0, 0, 1, 1], segments);
        Assert.Equal(1, segments[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => segments[6]);
        Assert.Throws<ArgumentOutOfRangeException>(() => CompactInstanceLists.TokenIds(narrow)[5]);
    }
}
