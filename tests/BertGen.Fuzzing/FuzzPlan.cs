using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Fuzzing;

/// <summary>One family of the corpus: how to build its target and how many cases each mode runs.</summary>
/// <param name="Name">The family's name (as its target reports it).</param>
/// <param name="Create">Builds the target (and its undamaged inputs).</param>
/// <param name="CiCases">Cases in the CI run (tests/BertGen.Fuzz.Tests).</param>
/// <param name="LongCases">Cases in the long run (bench/BertGen.Fuzz --long).</param>
/// <param name="PerCase">The watchdog's limit for one case.</param>
public sealed record FuzzFamily(string Name, Func<IFuzzTarget> Create, int CiCases, int LongCases, TimeSpan PerCase);

/// <summary>
/// The whole corpus in one table, so the CI tests and the long bench run the same families with the same seeds and
/// differ only in size. The CI sizes keep the whole suite near two minutes on a 2-core machine.
/// </summary>
public static class FuzzPlan
{
    /// <summary>The seed of the CI run.</summary>
    public const ulong CiSeed = 15;

    /// <summary>The seed of the long run: other cases than CI's.</summary>
    public const ulong LongSeed = 2026;

    public static IReadOnlyList<FuzzFamily> Families { get; } =
    [
        new("safetensors", () => new SafetensorsTarget(), 400, 4000, TimeSpan.FromSeconds(30)),
        new("onnx", () => new OnnxTarget(), 400, 4000, TimeSpan.FromSeconds(30)),
        new("vocabulary", () => new VocabularyTarget(), 300, 3000, TimeSpan.FromSeconds(30)),
        new("corpus", TextDataTarget.Corpus, 300, 3000, TimeSpan.FromSeconds(30)),
        new("labels", TextDataTarget.Labels, 300, 3000, TimeSpan.FromSeconds(30)),
        new("checkpoint", () => new CheckpointTarget(), 300, 3000, TimeSpan.FromSeconds(30)),
        new("spec", () => new SpecTarget(), 120, 800, TimeSpan.FromMinutes(2)),
        new("spec command", () => new SpecCommandTarget(), 200, 2000, TimeSpan.FromMinutes(1)),
        new("model folder", () => new ModelFolderTarget(), 60, 500, TimeSpan.FromMinutes(2)),
        new("serve", () => new ServeTarget(), 300, 1000, TimeSpan.FromMinutes(2)),
        new("cli", () => new CliTarget(), 20, 150, TimeSpan.FromMinutes(2)),
        new("cli (process)", () => new CliTarget(asProcess: true), 5, 25, TimeSpan.FromMinutes(2)),
    ];

    public static FuzzFamily Family(string name) => Families.Single(f => f.Name == name);

    /// <summary>Runs one family at CI or long size and returns its figures.</summary>
    public static FuzzTally Run(FuzzFamily family, bool isLong)
    {
        ArgumentNullException.ThrowIfNull(family);
        IFuzzTarget target = family.Create();
        try
        {
            FuzzTally tally = FuzzRunner.Run(target, isLong ? family.LongCases : family.CiCases, isLong ? LongSeed : CiSeed, family.PerCase);
            if (target is SpecTarget spec)
            {
                tally.Skipped = spec.SetAside.Count;
            }

            return tally;
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }
}
