using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BertGen.Generator;

/// <summary>
/// Models whose full name the project already gives a meaning: a struct, interface, enum, record or non-partial class of
/// that name in its own code (CS0101, CS0260 or CS0261 in the generated code, or in the project's), a namespace of that name
/// in its code or a referenced assembly (CS0101, or the project's <c>using System.Linq;</c> finding a model named
/// <c>System.Linq</c>), or a type of that name the project can see in a referenced assembly (CS0436 wherever the name is
/// used). A partial class is the project adding members to the model, as the generated class is partial for; a file type
/// or another assembly's internal type is not the project's name. A type of the model's namespace named like a type the
/// generated code names unqualified takes that name over in the generated files, whose usings stand inside the namespace
/// (BG0026); a member of the project's partial class of the model so named takes it over inside the class (BG0027). A base
/// class that partial class names must be one the public sealed generated class can derive from (BG0029). Such a model is
/// not generated, nor one whose partial class in the project declares a member the generated class declares too (BG0025:
/// CS0102 or CS0111 in the generated code), or whose base class does (BG0029: the generated member hides it). Only plain
/// values leave this step: it reads the compilation on every edit, and the steps after it run again only when what it
/// finds changes. For BG0025 it hands on what each partial class
/// of a model declares; the members the generated class declares (<see cref="ModelMembers"/>) are computed after it, only
/// for those models, once per spec.
/// </summary>
internal static class ProjectNameClashes
{
    /// <summary>
    /// The full names of the models not to generate, and why (BG0024 to BG0029), and the project's partial classes of models:
    /// values only, no symbol.
    /// </summary>
    internal sealed record Found(
        ImmutableEquatableArray<string> FullNames, ImmutableEquatableArray<DiagnosticInfo> Diagnostics, ImmutableEquatableArray<PartialModel> PartialClasses);

    /// <summary>
    /// The project's partial class of a spec's model, the members it declares, and its base class other than
    /// <c>object</c>, if it names one.
    /// </summary>
    internal sealed record PartialModel(ModelSpec Spec, SpecLocation Location, ImmutableEquatableArray<DeclaredMember> Members, BaseClass? Base);

    /// <summary>
    /// The base class the project's partial class of a model names, as a message names it (<c>User.ModelBase</c>), where the
    /// project names it (the type in the class's base list), and the members the model inherits from it and its bases that
    /// the model can see: one the generated class declares too would hide it (CS0108 or CS0114 in the generated code, an
    /// error under warnings-as-errors).
    /// </summary>
    internal sealed record BaseClass(string Name, SpecLocation Location, ImmutableEquatableArray<DeclaredMember> Members);

    /// <summary>
    /// A member of the project's partial class of a model: as <see cref="ModelMember"/>, and where it is declared, as a
    /// message says it (" (User.cs, line 3)").
    /// </summary>
    internal sealed record DeclaredMember(string Name, string? Parameters, bool PartialClass, string Where, string Kind);

    public static Found Find(ImmutableArray<(ModelSpec? Spec, SpecLocation Location)> specs, Compilation compilation, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var diagnostics = new List<DiagnosticInfo>();
        var partialClasses = new List<PartialModel>();
        var seen = new HashSet<ModelSpec>();
        foreach ((ModelSpec? spec, SpecLocation location) in specs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (spec is null || !seen.Add(spec))
            {
                continue;
            }

            if (NamespaceIsType(compilation, spec) is { } type)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NamespaceIsAType, location, spec.SpecFileName, spec.Namespace, type.Kind, type.Name, type.Where));
            }
            else if (Existing(compilation, spec, out INamedTypeSymbol? partialClass) is { } existing)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NameTakenInProject, location, spec.SpecFileName, spec.Namespace + "." + spec.TypeName, existing.Kind, existing.Where));
            }
            else if (Shadowing(compilation, spec) is { } shadowing)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NameShadowedInNamespace, location, spec.SpecFileName, spec.Namespace, shadowing.What, shadowing.Where));
            }
            else if ((partialClass is null ? null : BaseClassOf(compilation, partialClass)) is var baseOf
                && baseOf is { } baseClass && BaseClassConflict(compilation, partialClass!, baseClass.Type) is { } baseConflict)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BaseClassUnfit, baseClass.Location,
                    spec.Namespace + "." + spec.TypeName, spec.SpecFileName, baseClass.Type.ToDisplayString(), baseConflict));
            }
            else if (partialClass is not null && Hiding(compilation, spec, partialClass) is { Count: > 0 } hiding)
            {
                names.Add(spec.Namespace + "." + spec.TypeName);
                diagnostics.AddRange(hiding);
            }
            else if (partialClass is not null)
            {
                // The base list read once, above.
                BaseClass? inherited = baseOf is { } b
                    ? new BaseClass(b.Type.ToDisplayString(), b.Location, Inherited(compilation, partialClass, b.Type))
                    : null;
                partialClasses.Add(new PartialModel(spec, location, Declared(partialClass), inherited));
            }
        }

        return new Found(names.ToEquatableArray(), diagnostics.ToEquatableArray(), partialClasses.ToEquatableArray());
    }

    /// <summary>
    /// The generated members the project's partial classes declare again (BG0025), each at its first declaration: a member
    /// of the name, except a method of other parameters (an overload) and a partial class adding to a shape's partial class.
    /// </summary>
    public static Found Redeclared(ImmutableArray<ModelMembers?> generated, ImmutableEquatableArray<PartialModel> partialClasses)
    {
        var names = new List<string>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (PartialModel model in partialClasses)
        {
            ModelMembers? members = generated.FirstOrDefault(m => m is not null && m.Spec.Equals(model.Spec));
            if (members is null)
            {
                continue;
            }

            ILookup<string, DeclaredMember> declared = model.Members.ToLookup(m => m.Name, System.StringComparer.Ordinal);
            string fullName = model.Spec.Namespace + "." + model.Spec.TypeName;
            int before = diagnostics.Count;
            foreach (ModelMember member in members.Members)
            {
                if (declared[member.Name].FirstOrDefault(mine => Clash(member, mine)) is { } again)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.MemberTakenInProject, model.Location, model.Spec.SpecFileName, member.Display(model.Spec.TypeName), fullName, again.Where));
                }
            }

            // A base class's member is hidden, not joined: a generated shape's partial class hides even a partial class of its
            // name there. Each inherited member once, however many generated overloads hide it.
            var reported = new HashSet<DeclaredMember>();
            foreach (ModelMember member in members.Members.Where(m => m.Name != ModelMember.Constructor))
            {
                if (model.Base?.Members.FirstOrDefault(inherited => inherited.Name == member.Name && Hides(member, inherited)) is { } hidden && reported.Add(hidden))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BaseClassUnfit, model.Base.Location, fullName, model.Spec.SpecFileName, model.Base.Name,
                        $"which declares {hidden.Kind} '{hidden.Name}'{hidden.Where}, a name the generated class gives its member '{member.Display(model.Spec.TypeName)}', hiding the inherited one"));
                }
            }

            if (diagnostics.Count > before)
            {
                names.Add(fullName);
            }
        }

        return new Found(names.ToEquatableArray(), diagnostics.ToEquatableArray(), ImmutableEquatableArray<PartialModel>.Empty);
    }

    private static bool Clash(ModelMember generated, DeclaredMember declared) =>
        generated.Parameters is not null && declared.Parameters is not null ? generated.Parameters == declared.Parameters
        : !(generated.PartialClass && declared.PartialClass);

    // A method hides an inherited method of its parameters only; any other member hides every inherited member of its name.
    private static bool Hides(ModelMember generated, DeclaredMember inherited) =>
        generated.Parameters is null || inherited.Parameters is null || generated.Parameters == inherited.Parameters;

    // What the partial class declares, as values: its accessors and what the compiler declares for it left out.
    private static ImmutableEquatableArray<DeclaredMember> Declared(INamedTypeSymbol partialClass) =>
        partialClass.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { AssociatedSymbol: not null })
            .Select(m => new DeclaredMember(
                m.Name,
                m is IMethodSymbol method ? ModelMembers.Parameters(method) : null,
                m is INamedTypeSymbol type && IsPartialClass(type),
                Where(m.Locations, Enumerable.Empty<IAssemblySymbol?>()),
                MemberKind(m)))
            .ToEquatableArray();

    /// <summary>
    /// The members the model inherits and can name, from its base class up to <c>object</c> (whose members the generated
    /// class leaves alone), as values: constructors, accessors, operators and explicit implementations have no such name.
    /// </summary>
    private static ImmutableEquatableArray<DeclaredMember> Inherited(Compilation compilation, INamedTypeSymbol partialClass, INamedTypeSymbol baseType)
    {
        var members = new List<DeclaredMember>();
        for (INamedTypeSymbol? type = baseType; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
        {
            members.AddRange(type.GetMembers()
                .Where(m => m.CanBeReferencedByName && m is not IMethodSymbol { MethodKind: not MethodKind.Ordinary } && compilation.IsSymbolAccessibleWithin(m, partialClass))
                .OrderBy(m => m.Name, System.StringComparer.Ordinal)
                .Select(m => new DeclaredMember(
                    m.Name,
                    m is IMethodSymbol method ? ModelMembers.Parameters(method) : null,
                    PartialClass: false,
                    Where(m.Locations, new[] { m.ContainingAssembly }),
                    MemberKind(m))));
        }

        return members.ToEquatableArray();
    }

    /// <summary>
    /// The base class the project's partial class of a model names, other than <c>object</c>, and where: the first type of
    /// the base list that names a class (C# puts a base class first); null when it names none, or one the compiler cannot
    /// find (the project's own error, which the compiler reports there).
    /// </summary>
    private static (INamedTypeSymbol Type, SpecLocation Location)? BaseClassOf(Compilation compilation, INamedTypeSymbol partialClass)
    {
        // Read from the base list, not the symbol: for a sealed base class the compiler gives the class object as its base.
        foreach (SyntaxReference reference in partialClass.DeclaringSyntaxReferences.OrderBy(r => r.SyntaxTree.FilePath, System.StringComparer.Ordinal))
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax { BaseList.Types: { Count: > 0 } types }
                && compilation.GetSemanticModel(reference.SyntaxTree).GetTypeInfo(types[0].Type).Type is INamedTypeSymbol { TypeKind: TypeKind.Class } baseType
                && baseType.SpecialType != SpecialType.System_Object)
            {
                Location at = types[0].Type.GetLocation();
                FileLinePositionSpan span = at.GetLineSpan();
                return (baseType, new SpecLocation(span.Path, at.SourceSpan.Start, at.SourceSpan.Length,
                    span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character));
            }
        }

        return null;
    }

    /// <summary>
    /// Why the generated class cannot derive from the base class the project's partial class of the model names, as the
    /// message says it ("which is sealed"), or null. The errors were CS0509, CS0709, CS8865, CS0060 or CS0534 at the project's
    /// class, or CS7036 or CS0122 in the generated constructors (they call the base class's parameterless one); a member of
    /// the base class named like a type the generated code names unqualified hides that type there (CS0120, CS0119 and the
    /// like), as one of the partial class does (BG0027). A member named like a generated member is found after this step,
    /// with the generated members.
    /// </summary>
    private static string? BaseClassConflict(Compilation compilation, INamedTypeSymbol partialClass, INamedTypeSymbol baseType)
    {
        if (baseType.IsRecord)
        {
            return "which is a record (only a record may derive from a record)";
        }

        if (baseType.IsStatic)
        {
            return "which is static";
        }

        if (baseType.IsSealed || baseType.TypeKind != TypeKind.Class)
        {
            return "which is sealed";
        }

        if (!IsPublicEverywhere(baseType, partialClass))
        {
            return "which is less accessible than the model (the generated class is public)";
        }

        if (!baseType.InstanceConstructors.Any(c => compilation.IsSymbolAccessibleWithin(c, partialClass) && c.Parameters.All(p => p.IsOptional || p.IsParams)))
        {
            return "which has no constructor the model can call without arguments (the generated constructors call the base class's parameterless one)";
        }

        if (UnimplementedAbstract(partialClass, baseType) is { } missing)
        {
            return $"which leaves the abstract member '{missing}' unimplemented (the generated class is sealed)";
        }

        for (INamedTypeSymbol? type = baseType; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
        {
            foreach (ISymbol member in type.GetMembers().Where(m => m.CanBeReferencedByName && compilation.IsSymbolAccessibleWithin(m, partialClass)).OrderBy(m => m.Name, System.StringComparer.Ordinal))
            {
                int? arity = member is INamedTypeSymbol nested ? nested.Arity : null;
                if (member is not IMethodSymbol { MethodKind: not MethodKind.Ordinary } && ReservedTypeNames.IsHiddenByMember(member.Name, arity))
                {
                    return $"which declares {MemberKind(member)} '{member.Name}'{Where(member.Locations, new[] { member.ContainingAssembly })}: inside the model that name then means the member, not the type '{HiddenType(compilation, member.Name, arity ?? 0)}' the generated code names so";
                }
            }
        }

        return null;
    }

    // Public, and so are the types it is nested in and its type arguments (arrays' elements too). The model itself, as a
    // type argument (class Model : Base<Model>), is public once generated, whatever the project's part of it says.
    private static bool IsPublicEverywhere(ITypeSymbol type, INamedTypeSymbol model)
    {
        if (type is IArrayTypeSymbol array)
        {
            return IsPublicEverywhere(array.ElementType, model);
        }

        for (INamedTypeSymbol? t = type as INamedTypeSymbol; t is not null; t = t.ContainingType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, model))
            {
                continue;
            }

            if (t.DeclaredAccessibility != Accessibility.Public || t.TypeArguments.Any(a => a is not ITypeParameterSymbol && !IsPublicEverywhere(a, model)))
            {
                return false;
            }
        }

        return true;
    }

    // An abstract member of a base class that neither the partial class nor a class between overrides, as the message names it.
    private static string? UnimplementedAbstract(INamedTypeSymbol partialClass, INamedTypeSymbol baseType)
    {
        var overridden = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (INamedTypeSymbol type in new[] { partialClass }.Concat(BaseTypes(baseType)))
        {
            foreach (ISymbol member in type.GetMembers().Where(m => m.IsOverride))
            {
                for (ISymbol? o = Overridden(member); o is not null; o = Overridden(o))
                {
                    overridden.Add(o.OriginalDefinition);
                }
            }
        }

        foreach (INamedTypeSymbol type in BaseTypes(baseType))
        {
            if (type.IsAbstract && type.GetMembers().FirstOrDefault(m => m.IsAbstract && !overridden.Contains(m.OriginalDefinition)) is { } missing)
            {
                return missing is IMethodSymbol method ? $"{method.Name}({ModelMembers.Parameters(method)})" : missing.Name;
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> BaseTypes(INamedTypeSymbol baseType)
    {
        for (INamedTypeSymbol? type = baseType; type is not null; type = type.BaseType)
        {
            yield return type;
        }
    }

    private static ISymbol? Overridden(ISymbol member) => member switch
    {
        IMethodSymbol m => m.OverriddenMethod,
        IPropertySymbol p => p.OverriddenProperty,
        IEventSymbol e => e.OverriddenEvent,
        _ => null,
    };

    // As a message names a member's kind.
    private static string MemberKind(ISymbol member) => member switch
    {
        INamedTypeSymbol type => Kind(type),
        IFieldSymbol => "a field",
        IPropertySymbol => "a property",
        IEventSymbol => "an event",
        _ => "a method",
    };

    /// <summary>
    /// A type the project has whose full name is the model's namespace or one it lies in (a class <c>User.Models</c> for a
    /// model in <c>User.Models.Bert</c>), as the message says it ("a class", "User.Models", " (User.cs, line 1)"), or null. C#
    /// cannot have a type and a namespace of one name: beside a type of the project's code that was CS0101, and a referenced
    /// one (<c>BertGen.Runtime.ParameterInfo</c>) was CS0435 wherever the generated code or the project named it. A type
    /// with type parameters is another name, and a file type or another assembly's internal type is not the project's.
    /// </summary>
    private static (string Kind, string Name, string Where)? NamespaceIsType(Compilation compilation, ModelSpec spec)
    {
        INamespaceSymbol? container = compilation.GlobalNamespace;
        string name = string.Empty;
        foreach (string part in spec.Namespace.Split('.'))
        {
            if (container is null)
            {
                return null;
            }

            name = name.Length == 0 ? part : name + "." + part;
            INamedTypeSymbol? type = container.GetTypeMembers(part, 0)
                .FirstOrDefault(t => !t.IsFileLocal && compilation.IsSymbolAccessibleWithin(t, compilation.Assembly));
            if (type is not null)
            {
                return (Kind(type), name, Where(type.Locations, new[] { type.ContainingAssembly }));
            }

            container = container.GetMembers(part).OfType<INamespaceSymbol>().FirstOrDefault();
        }

        return null;
    }

    /// <summary>
    /// What the project already has under the model's full name, as the message says it ("a struct", " (Shapes.cs, line 3)"),
    /// or null; then <paramref name="partialClass"/> is the project's partial class of the model, if it has one.
    /// </summary>
    private static (string Kind, string Where)? Existing(Compilation compilation, ModelSpec spec, out INamedTypeSymbol? partialClass)
    {
        partialClass = null;
        INamespaceSymbol? container = Namespace(compilation, spec.Namespace);
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

            if (!type.Locations.Any(l => l.IsInSource) || !IsPartialClass(type))
            {
                return (Kind(type), Where(type.Locations, new[] { type.ContainingAssembly }));
            }

            if (PartialClassConflict(type) is { } conflict)
            {
                return (conflict, Where(type.Locations, new[] { type.ContainingAssembly }));
            }

            partialClass = type;
        }

        return null;
    }

    /// <summary>
    /// The project's types and namespaces in the model's namespace named like types the generated code names unqualified
    /// (<see cref="ReservedTypeNames.IsNamedUnqualified"/>), as the message lists them ("a class 'Gemm' and a class
    /// 'Vector512'", " (Shapes.cs, line 3)": the first one's place), or null. A type of another arity is another name (a
    /// <c>Gemm&lt;T&gt;</c> does not clash), a file type or another assembly's internal type is not seen there, and in a
    /// namespace the generated code imports (a model in <c>System</c>) a referenced type of that name is the one it means.
    /// </summary>
    private static (string What, string Where)? Shadowing(Compilation compilation, ModelSpec spec)
    {
        INamespaceSymbol? container = Namespace(compilation, spec.Namespace);
        if (container is null)
        {
            return null;
        }

        var found = new List<(string What, string Where)>();
        foreach (string name in ReservedTypeNames.NamedUnqualified.OrderBy(n => n, System.StringComparer.Ordinal))
        {
            foreach (INamespaceOrTypeSymbol member in container.GetMembers(name))
            {
                if (member is INamespaceSymbol ns)
                {
                    found.Add(($"a namespace '{name}'", Where(ns.Locations, ns.ConstituentNamespaces.Select(c => c.ContainingAssembly))));
                }
                else if (member is INamedTypeSymbol type && ReservedTypeNames.IsNamedUnqualified(name, type.Arity)
                    && !type.IsFileLocal && compilation.IsSymbolAccessibleWithin(type, compilation.Assembly)
                    && !(type.Locations.All(l => !l.IsInSource) && RuntimeTypes.IsImported(container.ToDisplayString())))
                {
                    found.Add(($"{Kind(type)} '{name}{(type.Arity == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(t => t.Name)) + ">")}'", Where(type.Locations, new[] { type.ContainingAssembly })));
                }
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        string what = found.Count == 1 ? found[0].What : string.Join(", ", found.Take(found.Count - 1).Select(f => f.What)) + " and " + found[found.Count - 1].What;
        return (what, found[0].Where);
    }

    /// <summary>
    /// The members of the project's partial class of a model named like a type the generated code names unqualified, which
    /// inside the class hide that type (<see cref="ReservedTypeNames.IsHiddenByMember"/>): BG0027 at each one's declaration.
    /// Explicit interface implementations, indexers, constructors and operators have no such simple name.
    /// </summary>
    private static List<DiagnosticInfo> Hiding(Compilation compilation, ModelSpec spec, INamedTypeSymbol partialClass)
    {
        var found = new List<DiagnosticInfo>();
        foreach (ISymbol member in partialClass.GetMembers().Where(m => !m.IsImplicitlyDeclared).OrderBy(m => m.Name, System.StringComparer.Ordinal))
        {
            (string Kind, int? Arity)? named = member switch
            {
                INamedTypeSymbol type => (Kind(type), type.Arity),
                IFieldSymbol => ("a field", null),
                IPropertySymbol { IsIndexer: false, ExplicitInterfaceImplementations.IsEmpty: true } => ("a property", null),
                IEventSymbol { ExplicitInterfaceImplementations.IsEmpty: true } => ("an event", null),
                IMethodSymbol { MethodKind: MethodKind.Ordinary } => ("a method", null),
                _ => null,
            };
            Location? at = member.Locations.Where(l => l.IsInSource).OrderBy(l => l.SourceTree!.FilePath, System.StringComparer.Ordinal).FirstOrDefault();
            if (named is not { } it || at is null || !ReservedTypeNames.IsHiddenByMember(member.Name, it.Arity))
            {
                continue;
            }

            string shown = member is INamedTypeSymbol { Arity: > 0 } generic ? $"{generic.Name}<{string.Join(", ", generic.TypeParameters.Select(t => t.Name))}>" : member.Name;
            FileLinePositionSpan span = at.GetLineSpan();
            var location = new SpecLocation(span.Path, at.SourceSpan.Start, at.SourceSpan.Length,
                span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberHidesGeneratedType, location,
                spec.Namespace + "." + spec.TypeName, spec.SpecFileName, it.Kind, shown, HiddenType(compilation, member.Name, it.Arity ?? 0)));
        }

        return found;
    }

    // The full name of the type generated code means by a name: an alias's runtime type, else the type of that name (or its
    // attribute's) in a namespace the code imports (System.Span<T>), else the name as written.
    private static string HiddenType(Compilation compilation, string name, int arity)
    {
        if (RuntimeTypes.AliasTarget(name) is { } target)
        {
            return target;
        }

        string metadataName = arity == 0 ? name : name + "`" + arity;
        return RuntimeTypes.ImportedNamespaces
            .SelectMany(ns => new[] { ns + "." + metadataName, ns + "." + name + "Attribute" })
            .Select(compilation.GetTypeByMetadataName)
            .FirstOrDefault(t => t is not null)?.ToDisplayString() ?? name;
    }

    // The namespace symbol of a dotted name, or null when the compilation has none of it.
    private static INamespaceSymbol? Namespace(Compilation compilation, string name)
    {
        INamespaceSymbol? container = compilation.GlobalNamespace;
        foreach (string part in name.Split('.'))
        {
            container = container?.GetMembers(part).OfType<INamespaceSymbol>().FirstOrDefault();
        }

        return container;
    }

    /// <summary>
    /// A partial class of the model the generated class cannot join, as the message names it, or null: the generated class is
    /// <c>public sealed</c>, its constructors call none of the project's, and it creates the model itself. An <c>internal</c>
    /// part was CS0262, an <c>abstract</c> one CS0418, a primary constructor CS8862 and more, a <c>required</c> member CS9035,
    /// all in generated code or at the project's class, with no BG diagnostic.
    /// </summary>
    private static string? PartialClassConflict(INamedTypeSymbol type)
    {
        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().ToArray();
        if (declarations.Any(d => d.Modifiers.Any(SyntaxKind.InternalKeyword)))
        {
            return "an internal partial class (the generated class is public)";
        }

        if (type.IsAbstract)
        {
            return "an abstract partial class (the generated class is sealed)";
        }

        if (declarations.Any(d => d.ParameterList is not null))
        {
            return "a partial class with a primary constructor (the generated constructors do not call it)";
        }

        return type.GetMembers().FirstOrDefault(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }) is { } required
            ? $"a partial class with a required member '{required.Name}' (the generated code creates the model without setting it)"
            : null;
    }

    // A partial record is partial, but C# does not join it to a class (CS0261).
    private static bool IsPartialClass(INamedTypeSymbol type) =>
        type.TypeKind == TypeKind.Class && !type.IsRecord && !type.IsStatic && type.DeclaringSyntaxReferences.All(IsPartial);

    private static bool IsPartial(SyntaxReference declaration) =>
        declaration.GetSyntax() is TypeDeclarationSyntax t
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
