using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Generator.Parsing;
using BertGen.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator;

/// <summary>
/// Compiles each <c>*.bert.json</c> AdditionalFile into a specialised BERT model class.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BertGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find the spec files among the AdditionalFiles.
        IncrementalValuesProvider<AdditionalText> specFiles = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(".bert.json", StringComparison.OrdinalIgnoreCase));

        // 2. Parse each into a value-equal spec (or diagnostics). Nothing Roslyn-owned survives this step.
        IncrementalValuesProvider<SpecParseResult> parsed = specFiles
            .Select(static (file, ct) => SpecParser.Parse(file.Path, ReadText(file, ct), ct))
            .WithTrackingName(TrackingNames.Parse);

        // 3. Names the project already has: a type or namespace of a model's full name in its code or references; and its
        //    partial classes of models, with what each declares. The only step that reads the compilation; it outputs plain
        //    values, so an edit that changes none keeps the rest cached.
        IncrementalValueProvider<ProjectNameClashes.Found> taken = parsed
            .Select(static (r, _) => (r.Spec, r.TypeNameLocation))
            .Collect()
            .Combine(context.CompilationProvider)
            .Select(static (pair, ct) => ProjectNameClashes.Find(pair.Left, pair.Right, ct))
            .WithTrackingName(TrackingNames.ProjectNames);

        // 4. The members the generated class of each model the project has a partial class of declares, read from the
        //    emitters' own output; then those the partial class declares again. Per spec and only for those models, so
        //    a project without such a class never computes them, and an edit of its code never computes them again.
        IncrementalValuesProvider<ModelMembers?> members = taken
            .SelectMany(static (t, _) => t.PartialClasses.Select(p => p.Spec))
            .Select(static (spec, ct) => ModelMembers.Of(spec, ct))
            .WithTrackingName(TrackingNames.Members);
        IncrementalValueProvider<ProjectNameClashes.Found> redeclared = members
            .Collect()
            .Combine(taken.Select(static (t, _) => t.PartialClasses))
            .Select(static (pair, _) => ProjectNameClashes.Redeclared(pair.Left, pair.Right));

        // 5. Pipeline 1, source: keep the valid specs whose type name is unique and not the project's already, and whose
        //    partial class in the project (if any) declares none of its members again; plan each, emit it.
        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Select(static (r, _) => r.Spec)
            .Collect()
            .Combine(taken.Select(static (t, _) => t.FullNames).Combine(redeclared.Select(static (r, _) => r.FullNames)))
            .SelectMany(static (pair, _) => UniqueSpecs(pair.Left).Where(s => !pair.Right.Left.Contains(FullName(s)) && !pair.Right.Right.Contains(FullName(s))))
            .WithTrackingName(TrackingNames.Specs);
        IncrementalValuesProvider<PlanResult> plans = specs
            .Select(static (spec, _) => PlanResult.Of(spec))
            .WithTrackingName(TrackingNames.Plan);
        context.RegisterSourceOutput(plans, static (spc, result) => Emit(spc, result));

        // 6. Pipeline 2, diagnostics: each spec's own problems, type names claimed twice or as another's namespace, names
        //    the project has and members its partial classes declare again. Kept apart from the source branch so moving
        //    text in a spec re-reports without re-emitting.
        IncrementalValuesProvider<ImmutableEquatableArray<DiagnosticInfo>> fileDiagnostics = parsed
            .Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(fileDiagnostics, static (spc, diagnostics) => Report(spc, diagnostics));
        IncrementalValueProvider<ImmutableEquatableArray<DiagnosticInfo>> duplicates = parsed
            .Select(static (r, _) => (r.Spec, r.TypeNameLocation))
            .Collect()
            .Select(static (all, _) => CollidingTypeNames(all));
        context.RegisterSourceOutput(duplicates, static (spc, diagnostics) => Report(spc, diagnostics));
        context.RegisterSourceOutput(taken.Select(static (t, _) => t.Diagnostics), static (spc, diagnostics) => Report(spc, diagnostics));
        context.RegisterSourceOutput(redeclared.Select(static (r, _) => r.Diagnostics), static (spc, diagnostics) => Report(spc, diagnostics));
    }

    // No exception leaves the generator: the compiler would turn it into warning CS8785 and build without the
    // model. The parser has planned every spec it lets through already, so a failure here is a bug in BertGen.
    private static void Emit(SourceProductionContext context, PlanResult result)
    {
        if (result.Failure is not null)
        {
            context.ReportDiagnostic(result.Failure.ToDiagnostic());
            return;
        }

        IReadOnlyList<GeneratedFile> files;
        try
        {
            files = ModelEmitter.Emit(result.Plan!);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(PlanResult.FailureOf(result.Plan!.Spec, e).ToDiagnostic());
            return;
        }

        foreach (GeneratedFile file in files)
        {
            context.AddSource(file.HintName, SourceText.From(file.Text, System.Text.Encoding.UTF8));
        }
    }

    private static void Report(SourceProductionContext context, ImmutableEquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
        {
            context.ReportDiagnostic(d.ToDiagnostic());
        }
    }

    // A spec the build cannot read (deleted, locked) is an empty spec, which the parser reports as malformed.
    private static SourceText? ReadText(AdditionalText file, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return file.GetText(cancellationToken);
        }
        catch (System.IO.IOException)
        {
            return null;
        }
    }

    // Generated files are named after the type, and Roslyn (like Windows' and macOS' file systems) compares those
    // names ignoring case: two types differing only in case would collide there, so they count as the same type.
    private static readonly StringComparer TypeNameComparer = StringComparer.OrdinalIgnoreCase;

    private static string FullName(ModelSpec spec) => spec.Namespace + "." + spec.TypeName;

    // The same file listed twice among the AdditionalFiles (an item added again after BertGen.targets' glob) is one
    // model, compiled once: its two specs are equal, path included. A model another spec's namespace is (or lies in) is
    // not compiled, nor is that other spec: either alone would compile, and keeping one would be an arbitrary pick.
    private static IEnumerable<ModelSpec> UniqueSpecs(ImmutableArray<ModelSpec?> all)
    {
        ModelSpec[] valid = all.Where(s => s is not null).Select(s => s!).Distinct().ToArray();
        var clashing = new HashSet<ModelSpec>(TypesThatAreNamespaces(valid).SelectMany(pair => new[] { pair.Type, pair.Namespace }));
        return valid
            .GroupBy(FullName, TypeNameComparer)
            .Where(g => g.Count() == 1)
            .Select(g => g.Single())
            .Where(s => !clashing.Contains(s))
            .OrderBy(FullName, StringComparer.Ordinal);
    }

    private static ImmutableEquatableArray<DiagnosticInfo> CollidingTypeNames(ImmutableArray<(ModelSpec? Spec, SpecLocation Location)> all)
    {
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var group in all.Where(x => x.Spec is not null).GroupBy(x => FullName(x.Spec!), TypeNameComparer))
        {
            var members = group.GroupBy(x => x.Spec!).Select(same => same.First()).OrderBy(x => x.Location.Path, StringComparer.Ordinal).ToArray();
            string first = FullName(members[0].Spec!);
            for (int i = 1; i < members.Length; i++)
            {
                string other = FullName(members[i].Spec!);
                (string firstFile, string secondFile) = FileNames(members[0].Spec!, members[i].Spec!);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateTypeName, members[i].Location, firstFile, secondFile, first,
                    other == first ? string.Empty : $" (the second as '{other}': the generated files' names would differ only in case)"));
            }
        }

        var locations = new Dictionary<ModelSpec, SpecLocation>();
        foreach ((ModelSpec? spec, SpecLocation location) in all.Where(x => x.Spec is not null && !locations.ContainsKey(x.Spec)))
        {
            locations[spec!] = location;
        }

        foreach ((ModelSpec type, ModelSpec ns) in TypesThatAreNamespaces(locations.Keys))
        {
            (string typeFile, string nsFile) = FileNames(type, ns);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeIsAnotherSpecsNamespace, locations[type], typeFile, FullName(type), nsFile, ns.Namespace));
        }

        return diagnostics.ToEquatableArray();
    }

    /// <summary>
    /// Pairs of specs where the first's model is the second's namespace or one it lies in (<c>A.Foo</c> and <c>A.Foo.Bar</c>),
    /// in the order of their paths. C# compares names by ordinal, so <c>A.foo</c> is another namespace.
    /// </summary>
    private static IEnumerable<(ModelSpec Type, ModelSpec Namespace)> TypesThatAreNamespaces(IEnumerable<ModelSpec> specs)
    {
        ModelSpec[] ordered = specs.Distinct().OrderBy(s => s.SpecPath, StringComparer.Ordinal).ToArray();
        ILookup<string, ModelSpec> byNamespace = ordered
            .SelectMany(s => s.Namespace.Split('.').Select((_, i) => (Namespace: string.Join(".", s.Namespace.Split('.').Take(i + 1)), Spec: s)))
            .ToLookup(x => x.Namespace, x => x.Spec, StringComparer.Ordinal);
        return ordered.SelectMany(type => byNamespace[FullName(type)].Select(ns => (type, ns)));
    }

    // As messages name two specs: by file name, or by path when both files have one name (in two folders).
    private static (string First, string Second) FileNames(ModelSpec first, ModelSpec second) =>
        first.SpecFileName == second.SpecFileName
            ? (Parsing.JsonNode.Visible(first.SpecPath), Parsing.JsonNode.Visible(second.SpecPath))
            : (first.SpecFileName, second.SpecFileName);
}

/// <summary>A spec's plan, or the generator's own failure to plan it (BG0018) as a value for the source step.</summary>
internal sealed record PlanResult(ModelPlan? Plan, DiagnosticInfo? Failure)
{
    public static PlanResult Of(ModelSpec spec)
    {
        try
        {
            return new PlanResult(ModelPlanner.Plan(spec), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new PlanResult(null, FailureOf(spec, e));
        }
    }

    public static DiagnosticInfo FailureOf(ModelSpec spec, Exception e) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.GeneratorFailure, new SpecLocation(spec.SpecPath, 0, 0, 0, 0, 0, 0), spec.SpecFileName, e.GetType().Name + ": " + e.Message);
}

/// <summary>Names of tracked pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Specs = nameof(Specs);
    public const string Plan = nameof(Plan);
    public const string Diagnostics = nameof(Diagnostics);
    public const string ProjectNames = nameof(ProjectNames);
    public const string Members = nameof(Members);
}
