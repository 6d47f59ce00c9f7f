using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// The complete generated output of every shipped spec, compared with the baseline files kept in
/// <c>Baselines/&lt;spec&gt;/</c>. To accept a deliberate change, run the tests once with
/// <c>BERTGEN_UPDATE_BASELINES=1</c> and review the diff; CI never writes baselines.
/// </summary>
public sealed class SnapshotTests
{
    private const string UpdateSwitch = "BERTGEN_UPDATE_BASELINES";

    public static TheoryData<string> ShippedSpecs()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(RepoPaths.Specs, "*.bert.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void TinyAndBaseSpecsAreShipped()
    {
        IEnumerable<string> specs = Directory.GetFiles(RepoPaths.Specs, "*.bert.json").Select(p => Path.GetFileName(p));
        Assert.Contains("bert-tiny.bert.json", specs);
        Assert.Contains("bert-base.bert.json", specs);
    }

    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void GeneratedOutputMatchesBaseline(string specFile)
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.SpecFile(specFile));
        Assert.Empty(result.Diagnostics);
        Dictionary<string, string> generated = result.GeneratedSources.ToDictionary(s => s.HintName + ".txt", s => s.SourceText.ToString());
        string directory = Path.Combine(RepoPaths.Baselines, specFile.Replace(".bert.json", string.Empty));

        if (Environment.GetEnvironmentVariable(UpdateSwitch) == "1")
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null or "", $"{UpdateSwitch} must not be set in CI: baselines are reviewed, never written there.");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            Directory.CreateDirectory(directory);
            foreach ((string name, string text) in generated)
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }

            return;
        }

        Assert.True(Directory.Exists(directory), $"No baseline for {specFile} at {directory}: run the tests with {UpdateSwitch}=1 and review the new files.");
        string[] expectedFiles = Directory.GetFiles(directory, "*.txt").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;
        Assert.Equal(expectedFiles, generated.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (string name in expectedFiles)
        {
            string expected = File.ReadAllText(Path.Combine(directory, name)).Replace("\r\n", "\n");
            string actual = generated[name];
            if (expected != actual)
            {
                Assert.Fail($"{specFile}: {name} differs from its baseline {FirstDifference(expected, actual)}. If the change is intended, rerun with {UpdateSwitch}=1 and review the diff.");
            }
        }
    }

    /// <summary>
    /// The compiler runs under the user's culture; the generated code must not. fi-FI writes U+2212 for a minus sign
    /// and a comma for the decimal point: under it every shipped spec must still generate its baselines exactly.
    /// (This test project runs with ICU, not invariant globalization, so the culture is real.)
    /// </summary>
    [Fact]
    public void GeneratedOutputIsTheSameUnderAFinnishCulture()
    {
        CultureInfo finnish = CultureInfo.GetCultureInfo("fi-FI");
        Assert.Equal("\u2212", finnish.NumberFormat.NegativeSign); // the culture this test is about is really there
        CultureInfo culture = CultureInfo.CurrentCulture, uiCulture = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = finnish;
            CultureInfo.CurrentUICulture = finnish;
            foreach (string specFile in Directory.GetFiles(RepoPaths.Specs, "*.bert.json").Select(p => Path.GetFileName(p)).OrderBy(n => n, StringComparer.Ordinal))
            {
                (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.SpecFile(specFile));
                string directory = Path.Combine(RepoPaths.Baselines, specFile.Replace(".bert.json", string.Empty));
                foreach (GeneratedSourceResult source in result.GeneratedSources)
                {
                    string expected = File.ReadAllText(Path.Combine(directory, source.HintName + ".txt")).Replace("\r\n", "\n");
                    string actual = source.SourceText.ToString();
                    Assert.True(expected == actual, $"{specFile}: {source.HintName} under fi-FI differs from its baseline {FirstDifference(expected, actual)}");
                }
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }

    /// <summary>
    /// Generated code reads like a hand-written kernel file: no line longer than the 140 characters the repo's own
    /// code keeps to, no fully qualified <c>global::</c> names in the code (the runtime's types come in through the
    /// file's <c>using</c> aliases).
    /// </summary>
    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void GeneratedCodeKeepsToTheLineWidthAndNamesTypesThroughAliases(string specFile)
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.SpecFile(specFile));
        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            string[] lines = source.SourceText.ToString().Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                Assert.True(lines[i].Length <= 140, $"{source.HintName} line {i + 1} has {lines[i].Length} characters: {lines[i]}");
                Assert.True(lines[i].StartsWith("using ", StringComparison.Ordinal) || !lines[i].Contains("global::", StringComparison.Ordinal),
                    $"{source.HintName} line {i + 1} names a type in full: {lines[i]}");
            }
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>";
            string al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
            {
                return $"at line {i + 1}: expected «{el}», generated «{al}»";
            }
        }

        return "(line endings only)";
    }
}
