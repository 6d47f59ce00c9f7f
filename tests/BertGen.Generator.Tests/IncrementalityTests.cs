using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// The pipeline caches what it should: unrelated edits and whitespace leave the plan untouched, a real
/// architecture change re-plans, and no step output holds Roslyn objects (which would defeat caching and
/// keep compilations alive).
/// </summary>
public sealed class IncrementalityTests
{
    private const string SpecPath = "/project/model.bert.json";

    private static readonly string Spec = System.IO.File.ReadAllText(RepoPaths.Spec("bert-tiny.bert.json"));

    [Fact]
    public void SameInputTwiceIsCached()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        driver = driver.RunGenerators(compilation);
        AssertAllSteps(driver, TrackingNames.Plan, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void UnrelatedCSharpEditLeavesThePlanCached()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        Compilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int x = 1; }", GeneratorHarness.ParseOptions));
        driver = driver.RunGenerators(edited);
        AssertAllSteps(driver, TrackingNames.Plan, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void WhitespaceOnlySpecEditReparsesButKeepsSpecAndPlan()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        AdditionalText reformatted = GeneratorHarness.Spec(SpecPath, "\n\n" + Spec.Replace("  ", "    "));
        driver = driver.ReplaceAdditionalText(original, reformatted).RunGenerators(compilation);
        AssertAllSteps(driver, TrackingNames.Parse, IncrementalStepRunReason.Modified);
        AssertAllSteps(driver, TrackingNames.Specs, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllSteps(driver, TrackingNames.Plan, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void ChangedHeadCountRegenerates()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        string before = driver.GetRunResult().GeneratedTrees.First().ToString();
        AdditionalText changed = GeneratorHarness.Spec(SpecPath, Spec.Replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 4"));
        driver = driver.ReplaceAdditionalText(original, changed).RunGenerators(compilation);
        AssertAllSteps(driver, TrackingNames.Plan, IncrementalStepRunReason.Modified);
        string after = driver.GetRunResult().GeneratedTrees.First().ToString();
        Assert.NotEqual(before, after);
        Assert.Contains("public const int HeadCount = 4;", after);
    }

    /// <summary>
    /// The generated members BG0025 compares a partial class with cost about as much as emitting the model: a project
    /// without a partial class of the model never computes them, and an edit of the class does not compute them again.
    /// </summary>
    [Fact]
    public void GeneratedMembersAreComputedOnlyForAPartialClassAndOnlyOnce()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        Assert.Empty(driver.GetRunResult().Results.Single().TrackedSteps.GetValueOrDefault(TrackingNames.Members, []).SelectMany(s => s.Outputs));

        SyntaxTree partial = CSharpSyntaxTree.ParseText("namespace BertGen.Models { public partial class BertTiny { public int Extra => HiddenSize; } }", GeneratorHarness.ParseOptions);
        compilation = compilation.AddSyntaxTrees(partial);
        driver = driver.RunGenerators(compilation);
        AssertAllSteps(driver, TrackingNames.Members, IncrementalStepRunReason.New);
        Assert.Empty(driver.GetRunResult().Diagnostics);

        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace BertGen.Models { public partial class BertTiny {\n public int Extra => HiddenSize + 1;\n public int More; } }", GeneratorHarness.ParseOptions);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(partial, edited));
        AssertAllSteps(driver, TrackingNames.Members, IncrementalStepRunReason.Cached);
        AssertAllSteps(driver, TrackingNames.Plan, IncrementalStepRunReason.Cached);
        Assert.Empty(driver.GetRunResult().Diagnostics);
    }

    [Fact]
    public void NoStepOutputHoldsRoslynObjects()
    {
        (GeneratorDriver driver, Compilation compilation, AdditionalText original) = FirstRun(Spec);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Other { }", GeneratorHarness.ParseOptions)));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        int checkedOutputs = 0;
        string[] ours = { TrackingNames.Parse, TrackingNames.Specs, TrackingNames.Plan, TrackingNames.Diagnostics, TrackingNames.ProjectNames, TrackingNames.Members };
        foreach (KeyValuePair<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> steps in result.TrackedSteps.Where(s => ours.Contains(s.Key)))
        {
            foreach (IncrementalGeneratorRunStep step in steps.Value)
            {
                foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
                {
                    AssertNoRoslynObjects(value, steps.Key, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    checkedOutputs++;
                }
            }
        }

        Assert.True(checkedOutputs >= 5, "the walk must have seen the tracked steps");
    }

    private static (GeneratorDriver, Compilation, AdditionalText) FirstRun(string spec)
    {
        AdditionalText file = GeneratorHarness.Spec(SpecPath, spec);
        Compilation compilation = GeneratorHarness.CreateCompilation("class Program { }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { file }, trackSteps: true).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        return (driver, compilation, file);
    }

    private static void AssertAllSteps(GeneratorDriver driver, string stepName, params IncrementalStepRunReason[] expected)
    {
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.True(result.TrackedSteps.ContainsKey(stepName), $"step {stepName} did not run");
        IEnumerable<IncrementalStepRunReason> reasons = result.TrackedSteps[stepName].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.All(reasons, r => Assert.Contains(r, expected));
    }

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is Compilation || value is ISymbol || value is SyntaxNode || value is SyntaxTree || value is AdditionalText,
            $"step {step} outputs a {type.Name}, which defeats incremental caching");
        if (value is DiagnosticDescriptor)
        {
            return; // static descriptors are immutable and shared; they hold no compilation
        }

        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, step, seen);
            }
        }

        for (Type? t = type; t is not null; t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(value), step, seen);
            }
        }
    }
}
