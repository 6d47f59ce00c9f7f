using System;
using System.Linq;
using BertGen.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Fuzz.Tests;

/// <summary>
/// Every family of the hostile-input corpus at CI size, in-process: each case refused with one short line, or
/// answered as its oracle says; never an internal error, a wrong answer, a crash or a hang. The same seeds give the
/// same cases everywhere, so a failure here is reproduced by its family, seed and mutation text.
/// </summary>
public sealed class FuzzCorpusTests(ITestOutputHelper output)
{
    /// <summary>The corpus seed of the CI run (bench/BertGen.Fuzz --long uses others).</summary>
    public const ulong Seed = 15;

    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(30);

    [Fact]
    public void Safetensors()
    {
        using var target = new SafetensorsTarget();
        Check(FuzzRunner.Run(target, 400, Seed, PerCase));
    }

    [Fact]
    public void Onnx()
    {
        using var target = new OnnxTarget();
        Check(FuzzRunner.Run(target, 400, Seed, PerCase));
    }

    [Fact]
    public void Vocabularies()
    {
        using var target = new VocabularyTarget();
        Check(FuzzRunner.Run(target, 300, Seed, PerCase));
    }

    [Fact]
    public void Corpora()
    {
        using TextDataTarget target = TextDataTarget.Corpus();
        Check(FuzzRunner.Run(target, 300, Seed, PerCase));
    }

    [Fact]
    public void LabelFiles()
    {
        using TextDataTarget target = TextDataTarget.Labels();
        Check(FuzzRunner.Run(target, 300, Seed, PerCase));
    }

    [Fact]
    public void Checkpoints()
    {
        using var target = new CheckpointTarget();
        Check(FuzzRunner.Run(target, 300, Seed, PerCase));
    }

    [Fact]
    public void SpecsThroughTheGenerator()
    {
        var target = new SpecTarget();
        FuzzTally tally = FuzzRunner.Run(target, 120, Seed, PerCase);
        tally.Skipped = target.SetAside.Count;
        Check(tally);
    }

    private void Check(FuzzTally tally)
    {
        output.WriteLine(tally.ToString());
        foreach (FuzzFailure failure in tally.Failures.Take(20))
        {
            output.WriteLine($"  {failure.Mutation}: {failure.Problem}");
        }

        Assert.True(tally.Failures.Count == 0,
            $"{tally}\n" + string.Join("\n", tally.Failures.Take(20).Select(f => $"  {f.Mutation}: {f.Problem}")));
        Assert.True(tally.Rejected > 0 && tally.AcceptedCorrect > 0, $"{tally}: a corpus that is all refusals or all acceptances tests half the contract");
    }
}
