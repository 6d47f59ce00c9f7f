using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BertGen.Generator.Emitting;

/// <summary>
/// A member the generated model class declares, as the project's partial class of the model could declare it again.
/// </summary>
/// <param name="Name">Its name; a constructor's is <c>.ctor</c>, as Roslyn names it.</param>
/// <param name="Parameters">
/// For a method or constructor, its parameter types as the clash check compares them (<c>int, int, Precision</c>: keywords,
/// a runtime type by its own name, no nullable marks, <c>ref </c> and the like before); null for any other member.
/// </param>
/// <param name="PartialClass">A partial class, which the project may add to as it adds to the model (a shape's pass).</param>
internal sealed record ModelMember(string Name, string? Parameters, bool PartialClass)
{
    public const string Constructor = ".ctor";

    /// <summary>How a message names it: <c>Parameters</c>, <c>Parameter(string)</c>, <c>TestModel(ComputePool)</c>.</summary>
    public string Display(string typeName) => Parameters is null ? Name : $"{(Name == Constructor ? typeName : Name)}({Parameters})";
}

/// <summary>
/// The members the generated class of one spec declares, read from the emitters' own output: every model-wide part of
/// <see cref="ModelEmitter.Parts"/> is emitted and parsed, and each pass part declares its shape's class (a test holds the
/// result against the compiled model). Explicit interface implementations are left out: no other member's name clashes
/// with them. A value, computed once per spec and only for a model the project has a partial class of (parsing the
/// model-wide parts costs about as much as emitting the whole model), so the step that reads the compilation never does.
/// </summary>
internal sealed record ModelMembers(ModelSpec Spec, ImmutableEquatableArray<ModelMember> Members)
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None);

    // Names generated code may write for a type, and how a symbol of that type displays: a runtime alias by the type's
    // own name (ActivationKind is Activation), a BCL type that has a keyword by the keyword.
    private static readonly Dictionary<string, string> Spellings = RuntimeTypes.All
        .Select(a => (a.Alias, a.Type.Substring(a.Type.LastIndexOf('.') + 1)))
        .Concat(new[]
        {
            ("Boolean", "bool"), ("Byte", "byte"), ("SByte", "sbyte"), ("Char", "char"), ("Int16", "short"), ("UInt16", "ushort"),
            ("Int32", "int"), ("UInt32", "uint"), ("Int64", "long"), ("UInt64", "ulong"), ("IntPtr", "nint"), ("UIntPtr", "nuint"),
            ("Single", "float"), ("Double", "double"), ("Decimal", "decimal"), ("String", "string"), ("Object", "object"),
        })
        .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);

    /// <summary>The members of <paramref name="spec"/>'s model, or null for an invalid spec or one the planner fails on (BG0018 then).</summary>
    public static ModelMembers? Of(ModelSpec? spec, CancellationToken cancellationToken)
    {
        if (spec is null)
        {
            return null;
        }

        ModelPlan plan;
        try
        {
            plan = ModelPlanner.Plan(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }

        var members = new List<ModelMember>();
        foreach (ModelPart part in ModelEmitter.Parts(plan))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (part.Pass)
            {
                members.Add(new ModelMember(part.Name, Parameters: null, PartialClass: true));
                continue;
            }

            var code = new SourceWriter();
            try
            {
                part.Body(code);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return null; // the source step emits it again and reports the failure as BG0018
            }

            SyntaxNode root = CSharpSyntaxTree.ParseText(code.ToString(), ParseOptions, cancellationToken: cancellationToken).GetRoot(cancellationToken);
            foreach (ClassDeclarationSyntax model in root.ChildNodes().OfType<ClassDeclarationSyntax>().Where(c => c.Identifier.ValueText == spec.TypeName))
            {
                members.AddRange(model.Members.SelectMany(Declared));
            }
        }

        return new ModelMembers(spec, members.Distinct().OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Parameters, StringComparer.Ordinal).ToEquatableArray());
    }

    private static IEnumerable<ModelMember> Declared(MemberDeclarationSyntax member) => member switch
    {
        BaseFieldDeclarationSyntax field => field.Declaration.Variables.Select(v => new ModelMember(v.Identifier.ValueText, null, false)),
        PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } property => new[] { new ModelMember(property.Identifier.ValueText, null, false) },
        EventDeclarationSyntax { ExplicitInterfaceSpecifier: null } e => new[] { new ModelMember(e.Identifier.ValueText, null, false) },
        MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } method =>
            new[] { new ModelMember(method.Identifier.ValueText, (method.Arity > 0 ? $"`{method.Arity} " : string.Empty) + Parameters(method.ParameterList), false) },
        ConstructorDeclarationSyntax ctor when !ctor.Modifiers.Any(SyntaxKind.StaticKeyword) => new[] { new ModelMember(ModelMember.Constructor, Parameters(ctor.ParameterList), false) },
        BaseTypeDeclarationSyntax type => new[] { new ModelMember(type.Identifier.ValueText, null, type is ClassDeclarationSyntax && type.Modifiers.Any(SyntaxKind.PartialKeyword)) },
        DelegateDeclarationSyntax d => new[] { new ModelMember(d.Identifier.ValueText, null, false) },
        _ => Array.Empty<ModelMember>(), // explicit interface implementations, and kinds generated code does not declare
    };

    // Of the modifiers only ref, out, in and readonly tell signatures apart (params and this do not). Every '?' in a generated
    // parameter's type is a nullable reference mark (ComputePool? pool), dropped as the symbol side drops it: a generated
    // parameter of a nullable value type would need its '?' kept here.
    private static string Parameters(ParameterListSyntax list) => string.Join(", ", list.Parameters.Select(p =>
        string.Concat(p.Modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword) || m.IsKind(SyntaxKind.ReadOnlyKeyword))
            .Select(m => m.ValueText + " "))
        + Regex.Replace(p.Type!.ToString().Replace("?", string.Empty), @"\b\w+\b", word => Spellings.TryGetValue(word.Value, out string? shown) ? shown : word.Value)));

    // A nullable reference type's mark does not tell signatures apart; a nullable value type's does (int? is Nullable<int>).
    private static readonly SymbolDisplayFormat WithoutReferenceNullability =
        SymbolDisplayFormat.MinimallyQualifiedFormat.RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// A method's parameter types as <see cref="ModelMember.Parameters"/> writes them, from its symbol: keywords for the
    /// types that have one, other types by their own name, no nullable reference marks (a nullable value type keeps its
    /// <c>?</c>: <c>CreateForwardPass(int? batch, int? sequence)</c> is an overload).
    /// </summary>
    public static string Parameters(IMethodSymbol method) =>
        (method.Arity > 0 ? $"`{method.Arity} " : string.Empty) + string.Join(", ", method.Parameters.Select(p =>
            RefKindText(p) + p.Type.ToDisplayString(WithoutReferenceNullability)));

    private static string RefKindText(IParameterSymbol parameter) => parameter.RefKind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.RefReadOnlyParameter => "ref readonly ",
        _ => string.Empty,
    };
}
