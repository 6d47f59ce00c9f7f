using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace BertGen.Generator;

/// <summary>
/// Models whose full name the project already gives a meaning: a struct, interface, enum, record or non-partial class of
/// that name in its own code (CS0101, CS0260 or CS0261 in the generated code, or in the project's), a namespace of that name
/// in its code or a referenced assembly (CS0101, or the project's <c>using System.Linq;</c> finding a model named
/// <c>System.Linq</c>), or a type of that name the project can see in a referenced assembly (CS0436 wherever the name is
/// used). A partial class is the project adding members to the model, as the generated class is partial for; a file type
/// or another assembly's internal type is not the project's name. Such a model is not
/// generated. Only plain values leave this step: it reads the compilation on every edit, and the steps after it run
/// again only when what it finds changes.
/// </summary>
internal static class ProjectNameClashes
{
    /// <summary>The full names of the models not to generate, and why (BG0024): values only, no symbol.</summary>
    internal sealed record Found(ImmutableEquatableArray<string> FullNames, ImmutableEquatableArray<DiagnosticInfo> Diagnostics);

    public static Found Find(ImmutableArray<(ModelSpec? Spec, SpecLocation Location)> specs, Compilation compilation, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var diagnostics = new List<DiagnosticInfo>();
        var seen = new HashSet<ModelSpec>();
        foreach ((ModelSpec? spec, SpecLocation location) in specs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (spec is null || !seen.Add(spec))
            {
                continue;
            }

            if (Existing(compilation, spec) is { } existing)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NameTakenInProject, location, spec.SpecFileName, spec.Namespace + "." + spec.TypeName, existing.Kind, existing.Where));
            }
        }

        return new Found(names.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    // What the project already has under the model's full name, as the message says it ("a struct", " (Shapes.cs, line 3)"), or null.
    private static (string Kind, string Where)? Existing(Compilation compilation, ModelSpec spec)
    {
        INamespaceSymbol? container = compilation.GlobalNamespace;
        foreach (string part in spec.Namespace.Split('.'))
        {
            container = container?.GetMembers(part).OfType<INamespaceSymbol>().FirstOrDefault();
        }

        if (container is null)
        {
            return null;
        }

        if (container.GetMembers(spec.TypeName).OfType<INamespaceSymbol>().FirstOrDefault() is { } ns)
        {
            return ("a namespace", Where(ns.Locations, ns.ConstituentNamespaces.Select(c => c.ContainingAssembly)));
        }

        foreach (INamedTypeSymbol type in container.GetTypeMembers(spec.TypeName, 0))
        {
            // Not the project's: a file type is seen in its file alone, and a referenced assembly's internal type (without
            // InternalsVisibleTo) not at all; the compiler takes the model beside either without a word.
            if (type.IsFileLocal || !compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
            {
                continue;
            }

            // A partial record is partial, but C# does not join it to the generated class (CS0261).
            bool source = type.Locations.Any(l => l.IsInSource);
            bool extended = source && type.TypeKind == TypeKind.Class && !type.IsRecord && !type.IsStatic && type.DeclaringSyntaxReferences.All(IsPartial);
            if (!extended)
            {
                return (Kind(type), Where(type.Locations, new[] { type.ContainingAssembly }));
            }
        }

        return null;
    }

    private static bool IsPartial(SyntaxReference declaration) =>
        declaration.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax t
        && t.Modifiers.Any(m => m.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword));

    private static string Kind(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true } => "a record",
        { TypeKind: TypeKind.Struct } => "a struct",
        { TypeKind: TypeKind.Interface } => "an interface",
        { TypeKind: TypeKind.Enum } => "an enum",
        { TypeKind: TypeKind.Delegate } => "a delegate",
        { IsStatic: true } => "a static class",
        _ => "a class",
    };

    // The first place in the project's code, or else the referenced assembly it comes from.
    private static string Where(ImmutableArray<Location> locations, IEnumerable<IAssemblySymbol?> assemblies)
    {
        Location? inSource = locations.Where(l => l.IsInSource).OrderBy(l => l.SourceTree!.FilePath, System.StringComparer.Ordinal).FirstOrDefault();
        if (inSource is not null)
        {
            FileLinePositionSpan span = inSource.GetLineSpan();
            return $" ({Parsing.JsonNode.Visible(System.IO.Path.GetFileName(span.Path))}, line {span.StartLinePosition.Line + 1})";
        }

        string? assembly = assemblies.Select(a => a?.Name).FirstOrDefault(n => n is not null);
        return assembly is null ? string.Empty : $" (in the referenced assembly '{assembly}')";
    }
}
