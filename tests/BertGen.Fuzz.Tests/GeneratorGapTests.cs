using System;
using System.Linq;
using System.Text;
using BertGen.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Fuzz.Tests;

/// <summary>
/// The specs of issue 15 items 1–5, as the adversarial run found them, and the fuzz cases that hit the same gaps: each
/// must become a BG error diagnostic with nothing generated and no exception escaping. generator/ bounds them since
/// issue 10's reshaping (<see cref="KnownGeneratorGaps.Enabled"/> is true: the fuzz run no longer sets them aside).
/// </summary>
public sealed class GeneratorGapTests(ITestOutputHelper output)
{
    private const string Base = """
        { "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
          "max_position_embeddings": 64, "bertgen": { "type_name": "GapModel", "shapes": [{ "batch": 1, "sequence": 16 }] } }
        """;

    [Fact]
    public void Item1_DeepNestingIsADiagnostic() =>
        RequireDiagnostics(("vocab_size nested 50,000 deep", "{\"vocab_size\": " + new string('[', 50_000) + new string(']', 50_000) + "}"));

    [Fact]
    public void Item2_SizesAndCountsHaveUpperBounds() => RequireDiagnostics(
        ("2,147,483,647 layers", Base.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2147483647", StringComparison.Ordinal)),
        ("100,000 layers", Base.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000", StringComparison.Ordinal)),
        ("1,000 layers", Base.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1000", StringComparison.Ordinal)),
        ("1,000 shapes", Base.Replace("[{ \"batch\": 1, \"sequence\": 16 }]", "[" + string.Join(",", Enumerable.Range(1, 1000).Select(i => $"{{\"batch\": {i}, \"sequence\": 16}}")) + "]", StringComparison.Ordinal)),
        ("a 10 MB type_name", Base.Replace("\"GapModel\"", "\"" + new string('A', 10_000_000) + "\"", StringComparison.Ordinal)));

    [Fact]
    public void Item3_OverflowIsADiagnosticNotAnEscapedException() => RequireDiagnostics(
        ("max_position_embeddings 2147483647, sequence 2^30",
            Base.Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2147483647", StringComparison.Ordinal).Replace("\"sequence\": 16", "\"sequence\": 1073741824", StringComparison.Ordinal)));

    [Fact]
    public void Item4_TokensPerShapeAreCountedIn64Bits() => RequireDiagnostics(
        ("batch 4,194,304 × 512", Base.Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 512", StringComparison.Ordinal).Replace("{ \"batch\": 1, \"sequence\": 16 }", "{ \"batch\": 4194304, \"sequence\": 512 }", StringComparison.Ordinal)),
        ("batch 8,388,609 × 512", Base.Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 512", StringComparison.Ordinal).Replace("{ \"batch\": 1, \"sequence\": 16 }", "{ \"batch\": 8388609, \"sequence\": 512 }", StringComparison.Ordinal)));

    [Fact]
    public void Item5_DuplicateKeysAndNamesAreRefused()
    {
        RequireDiagnostics(
            ("hidden_size twice", Base.Replace("\"hidden_size\": 32", "\"hidden_size\": 32, \"hidden_size\": 64", StringComparison.Ordinal)),
            ("U+200B in type_name", Base.Replace("\"GapModel\"", "\"Gap\u200BModel\"", StringComparison.Ordinal)),
            ("U+202E in type_name", Base.Replace("\"GapModel\"", "\"Gap\u202EModel\"", StringComparison.Ordinal)));
        var target = new SpecTarget();
        FuzzOutcome outcome = target.Run(target.Case("hidden_size 2147483648", Encoding.UTF8.GetBytes(Base.Replace("\"hidden_size\": 32", "\"hidden_size\": 2147483648", StringComparison.Ordinal)), FuzzExpectation.Reject));
        Assert.StartsWith("BG0004", outcome.Diagnostic ?? "(no diagnostic)", StringComparison.Ordinal);
    }

    [Fact]
    public void FuzzedSpecsThatHitItems1To5()
    {
        var target = new SpecTarget();
        _ = target.Cases(400, FuzzCorpusTests.Seed).ToList();
        var tally = new FuzzTally("spec (issue 15 items 1–5)");
        foreach (FuzzCase fuzzCase in target.SetAside)
        {
            FuzzRunner.Judge(fuzzCase, FuzzRunner.RunGuarded(target, fuzzCase), tally);
        }

        output.WriteLine(tally.ToString());
        Assert.True(tally.Failures.Count == 0, string.Join("\n", tally.Failures.Take(20).Select(f => $"{f.Mutation}: {f.Problem}")));
    }

    private static void RequireDiagnostics(params (string What, string Spec)[] specs)
    {
        var target = new SpecTarget();
        var tally = new FuzzTally("spec");
        foreach ((string what, string spec) in specs)
        {
            FuzzCase fuzzCase = target.Case(what, Encoding.UTF8.GetBytes(spec), FuzzExpectation.Reject);
            FuzzRunner.Judge(fuzzCase, FuzzRunner.RunGuarded(target, fuzzCase), tally);
        }

        Assert.True(tally.Failures.Count == 0, string.Join("\n", tally.Failures.Select(f => $"{f.Mutation}: {f.Problem}")));
    }
}
