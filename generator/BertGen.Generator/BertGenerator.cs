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
            .Select(static (file, ct) => SpecParser.Parse(file.Path, file.GetText(ct), ct))
            .WithTrackingName(TrackingNames.Parse);

        // 3. Pipeline 1, source: keep the valid specs whose type name is unique, plan each, emit it.
        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Select(static (r, _) => r.Spec)
            .Collect()
            .SelectMany(static (all, _) => UniqueSpecs(all))
            .WithTrackingName(TrackingNames.Specs);
        IncrementalValuesProvider<ModelPlan> plans = specs
            .Select(static (spec, _) => ModelPlanner.Plan(spec))
            .WithTrackingName(TrackingNames.Plan);
        context.RegisterSourceOutput(plans, static (spc, plan) =>
        {
            foreach (GeneratedFile file in ModelEmitter.Emit(plan))
            {
                spc.AddSource(file.HintName, SourceText.From(file.Text, System.Text.Encoding.UTF8));
            }
        });

        // 4. Pipeline 2, diagnostics: each spec's own problems, then type names claimed twice. Kept apart
        //    from the source branch so moving text in a spec re-reports without re-emitting.
        IncrementalValuesProvider<ImmutableEquatableArray<DiagnosticInfo>> fileDiagnostics = parsed
            .Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(fileDiagnostics, static (spc, diagnostics) => Report(spc, diagnostics));
        IncrementalValueProvider<ImmutableEquatableArray<DiagnosticInfo>> duplicates = parsed
            .Select(static (r, _) => (r.Spec, r.TypeNameLocation))
            .Collect()
            .Select(static (all, _) => DuplicateTypeNames(all));
        context.RegisterSourceOutput(duplicates, static (spc, diagnostics) => Report(spc, diagnostics));
    }

    private static void Report(SourceProductionContext context, ImmutableEquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
        {
            context.ReportDiagnostic(d.ToDiagnostic());
        }
    }

    private static IEnumerable<ModelSpec> UniqueSpecs(ImmutableArray<ModelSpec?> all)
    {
        ModelSpec[] valid = all.Where(s => s is not null).Select(s => s!).ToArray();
        return valid
            .GroupBy(s => s.Namespace + "." + s.TypeName, StringComparer.Ordinal)
            .Where(g => g.Count() == 1)
            .Select(g => g.Single())
            .OrderBy(s => s.Namespace + "." + s.TypeName, StringComparer.Ordinal);
    }

    private static ImmutableEquatableArray<DiagnosticInfo> DuplicateTypeNames(ImmutableArray<(ModelSpec? Spec, SpecLocation Location)> all)
    {
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var group in all.Where(x => x.Spec is not null).GroupBy(x => x.Spec!.Namespace + "." + x.Spec!.TypeName, StringComparer.Ordinal))
        {
            var members = group.OrderBy(x => x.Location.Path, StringComparer.Ordinal).ToArray();
            for (int i = 1; i < members.Length; i++)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateTypeName, members[i].Location,
                    members[0].Spec!.SpecFileName, members[i].Spec!.SpecFileName, group.Key));
            }
        }

        return diagnostics.ToEquatableArray();
    }
}

/// <summary>Names of tracked pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Specs = nameof(Specs);
    public const string Plan = nameof(Plan);
    public const string Diagnostics = nameof(Diagnostics);
}
