using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// A type name the generated code already uses is BG0011 at the name, not compiler errors in generated code: a model
/// named after one of its members (<c>Parameters</c>), one of its shapes (<c>B2S16</c>), a type its code names
/// (<c>ComputePool</c>, <c>Vector512</c>) or a contextual keyword (<c>record</c>) built into dozens of CS errors.
/// The names come from the compiled output itself, so a member or type a change of the emitters adds is covered.
/// </summary>
public sealed class ReservedTypeNameTests
{
    // Every head, int8, training and a per-thread schedule: the most members and the most types the generated code names.
    private static readonly string RichSpec = SmallSpec.Text.Replace(
        "\"heads\": [\"pretraining\"]",
        "\"heads\": [\"pretraining\", \"masked_lm\", \"sequence_classification\", \"token_classification\", \"question_answering\"],\n" +
        "    \"precisions\": [\"fp32\", \"int8\"], \"training\": true, \"max_predictions_per_seq\": 4, \"threads\": 2");

    [Theory]
    [InlineData("Parameters", "it is the name of a member of the generated model")]
    [InlineData("B2S16", "it is the name of one of the model's compiled shapes")]
    [InlineData("TrainingB2S16", "it is the name of one of the model's compiled shapes")]
    [InlineData("PerThread", "it is the name of a type nested in the model's compiled shapes")]
    [InlineData("ShareContext", "it is the name of a type nested in the model's compiled shapes")]
    [InlineData("ComputePool", "generated code names another type so")]
    [InlineData("Vector512", "generated code names another type so")]
    [InlineData("record", "it is a C# contextual keyword")]
    public void ATypeNameTheGeneratedCodeUsesIsAnInvalidName(string name, string why)
    {
        Diagnostic d = Assert.Single(Run(RichSpec.Replace("\"TestModel\"", "\"" + name + "\"")).Result.Diagnostics);
        Assert.Equal("BG0011", d.Id);
        Assert.Equal((9, 17), (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal($"Field 'bertgen.type_name' has value \"{name}\", which is not a valid C# type name here: {why}", d.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EveryNameTheGeneratedCodeDeclaresOrUsesIsRefused()
    {
        (Compilation output, GeneratorRunResult result) = Run(RichSpec);
        Assert.Empty(result.Diagnostics);
        INamedTypeSymbol model = output.GetTypeByMetadataName("BertGen.Models.TestModel")!;
        var members = new SortedSet<string>(model.GetMembers().Where(m => m.CanBeReferencedByName || m is INamedTypeSymbol).Select(m => m.Name), System.StringComparer.Ordinal);
        // A type nested in a compiled shape hides the model's type inside that shape, which names it (a model named
        // PerThread, with a per-thread schedule, did not compile).
        members.UnionWith(model.GetTypeMembers().SelectMany(shape => shape.GetTypeMembers()).Select(t => t.Name));
        SortedSet<string> types = TypesNamedUnqualified(output, result);
        Assert.Contains("Parameters", members); // the collection works
        Assert.Contains("PerThread", members);
        Assert.Contains("ComputePool", types);
        string[] accepted = members.Union(types).Where(n => !Refused(RichSpec.Replace("\"TestModel\"", "\"" + n + "\""))).ToArray();
        Assert.True(accepted.Length == 0, "Accepted as a type name although the generated code uses it: " + string.Join(", ", accepted));
    }

    /// <summary>
    /// A namespace with parts named like the types the generated code names (<c>Company.ComputePool</c>, <c>Gemm.Models</c>)
    /// was refused (BG0011) when the generated usings stood outside it: the namespace, a member of the one around it, was
    /// found before them. They stand inside the model's namespace now, which name lookup searches first, and such a model
    /// compiles: every such name, as first, middle and last parts.
    /// </summary>
    [Fact]
    public void ANamespaceWithPartsNamedLikeTypesTheGeneratedCodeUsesCompiles()
    {
        (Compilation plain, GeneratorRunResult plainResult) = Run(RichSpec);
        SortedSet<string> types = TypesNamedUnqualified(plain, plainResult);
        Assert.Contains("ComputePool", types); // the collection works
        var namespaces = new List<string>();
        foreach (string type in types)
        {
            // Parts of up to ~100 characters, so the generated files' names stay short enough.
            if (namespaces.Count == 0 || namespaces[^1].Length + type.Length > 100)
            {
                namespaces.Add(type);
            }
            else
            {
                namespaces[^1] += "." + type;
            }
        }

        AssertCompiledIn(namespaces);
    }

    /// <summary>
    /// A model whose full name is a namespace the generated code names was a type where that code looked for the
    /// namespace: <c>Runtime</c> in <c>BertGen</c> built into 151 CS errors (CS0426, CS0146) and no BG diagnostic.
    /// </summary>
    [Theory]
    [InlineData("BertGen", "Runtime")]
    [InlineData("System", "Collections")]
    [InlineData("System.Runtime", "CompilerServices")]
    [InlineData("System.Runtime", "Intrinsics")]
    public void AModelNamedLikeANamespaceTheGeneratedCodeUsesIsAnInvalidName(string ns, string name)
    {
        Diagnostic d = Assert.Single(Run(RichSpec.Replace("\"TestModel\"", $"\"{name}\", \"namespace\": \"{ns}\"")).Result.Diagnostics);
        Assert.Equal("BG0011", d.Id);
        Assert.Equal((9, 17), (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal(
            $"Field 'bertgen.type_name' has value \"{name}\", which is not a valid C# type name here: in namespace '{ns}' the model would be '{ns}.{name}', a namespace the generated code uses",
            d.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The generated code declares its aliases (<c>using ParameterInfo = global::BertGen.Runtime.ParameterInfo;</c>) inside the
    /// model's namespace, and C# refuses an alias in a namespace that has a type of its name, even the type it stands for: a
    /// model in <c>BertGen.Runtime</c> built into CS0576 and 45 more errors, one in <c>BertGen.Runtime.Inference</c> 1,110, with
    /// no BG diagnostic. Now BG0011 at the namespace, for every namespace an alias points into.
    /// </summary>
    public static TheoryData<string> NamespacesTheAliasesPointInto() =>
        new(Emitting.RuntimeTypes.All.Select(a => a.Type.Substring("global::".Length, a.Type.LastIndexOf('.') - "global::".Length)).Distinct().Order(System.StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(NamespacesTheAliasesPointInto))]
    public void ANamespaceOfTheRuntimesAliasedTypesIsAnInvalidName(string ns) =>
        Assert.StartsWith(
            $"Field 'bertgen.namespace' has value \"{ns}\", which is not a valid C# namespace here: it is the BertGen runtime's namespace of '",
            NamespaceRefusal(ns));

    /// <summary>
    /// A namespace part <c>nameof</c> is, from inside the namespace, what the generated code's <c>nameof(model)</c> finds
    /// (CS0118 five times in a rich model, no BG diagnostic): BG0011 at the namespace. Every other contextual keyword as a
    /// part, first, middle or last, compiles.
    /// </summary>
    [Theory]
    [InlineData("nameof")]
    [InlineData("Company.nameof")]
    [InlineData("nameof.Models")]
    public void ANamespaceWithAPartNamedNameofIsAnInvalidName(string ns) =>
        Assert.Equal(
            $"Field 'bertgen.namespace' has value \"{ns}\", which is not a valid C# namespace here: its part 'nameof' is what the generated code's nameof(…) would find instead of the operator",
            NamespaceRefusal(ns));

    // The rich spec's model in each of `namespaces`, in one project: every one generated, no diagnostic, no C# error.
    private static void AssertCompiledIn(IReadOnlyList<string> namespaces)
    {
        AdditionalText[] specs = namespaces.Select((ns, i) => GeneratorHarness.Spec($"/project/specs/test{i}.bert.json",
            RichSpec.Replace("\"type_name\"", $"\"namespace\": \"{ns}\", \"type_name\""))).ToArray();
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(specs);
        Assert.Empty(result.Diagnostics);
        Assert.All(namespaces, ns => Assert.NotNull(output.GetTypeByMetadataName(ns + ".TestModel")));
        Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, $"{errors.Length} errors, first: " + string.Join("; ", errors.Take(5).Select(e => e.ToString())));
    }

    // The rich spec's model in namespace `ns`, refused: one BG0011 at the namespace field, nothing generated, no C# error.
    // Returns its message.
    private static string NamespaceRefusal(string ns)
    {
        (Compilation output, GeneratorRunResult result) = Run(RichSpec.Replace("\"type_name\"", $"\"namespace\": \"{ns}\", \"type_name\""));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0011", d.Id);
        Assert.Equal((9, 17), (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity == DiagnosticSeverity.Error));
        return d.GetMessage(CultureInfo.InvariantCulture);
    }

    [Fact]
    public void ANamespaceWithPartsNamedLikeTheOtherContextualKeywordsCompiles()
    {
        string[] keywords = Emitting.ReservedTypeNames.ContextualKeywords.Where(k => k != "nameof").Order(System.StringComparer.Ordinal).ToArray();
        // Each keyword first, in the middle and last, in namespaces of up to ~100 characters.
        var namespaces = new List<string>();
        for (int i = 0; i < keywords.Length; i += 8)
        {
            string[] chunk = keywords.Skip(i).Take(8).ToArray();
            namespaces.Add(string.Join(".", chunk) + ".Models." + string.Join(".", chunk));
        }

        AssertCompiledIn(namespaces);
    }

    [Fact]
    public void EveryNamespaceTheGeneratedCodeNamesIsRefusedAsAModelsFullName()
    {
        (Compilation output, GeneratorRunResult result) = Run(RichSpec);
        var namespaces = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (SyntaxTree tree in result.GeneratedSources.Select(s => s.SyntaxTree))
        {
            SemanticModel semantics = output.GetSemanticModel(tree);
            foreach (NameSyntax name in tree.GetRoot().DescendantNodes().OfType<NameSyntax>())
            {
                for (ISymbol? symbol = semantics.GetSymbolInfo(name).Symbol; symbol is not null; symbol = symbol.ContainingNamespace)
                {
                    if (symbol is INamespaceSymbol { IsGlobalNamespace: false } ns && ns.ToDisplayString() != "BertGen.Models")
                    {
                        namespaces.Add(ns.ToDisplayString());
                    }
                }
            }
        }

        Assert.Contains("BertGen.Runtime.CompilerServices", namespaces); // the collection works
        Assert.Contains("System.Runtime.Intrinsics", namespaces);
        string[] accepted = namespaces.Where(n => n.Contains('.', System.StringComparison.Ordinal)).Where(n => !Refused(RichSpec.Replace(
            "\"TestModel\"", $"\"{n.Substring(n.LastIndexOf('.') + 1)}\", \"namespace\": \"{n.Substring(0, n.LastIndexOf('.'))}\""))).ToArray();
        Assert.True(accepted.Length == 0, "Accepted as a model's full name although the generated code names a namespace so: " + string.Join(", ", accepted));
    }

    /// <summary>
    /// The contextual keywords are listed (bertgen spec compiles ReservedTypeNames in, without Roslyn): the list must be
    /// every name Roslyn's parser reads as one, as the generator asked of SyntaxFacts before.
    /// </summary>
    [Fact]
    public void TheContextualKeywordsAreRoslyns()
    {
        string[] roslyn = [.. System.Enum.GetValues<SyntaxKind>().Select(SyntaxFacts.GetText)
            .Where(text => text.Length > 0 && SyntaxFacts.GetContextualKeywordKind(text) != SyntaxKind.None).Distinct().Order(System.StringComparer.Ordinal)];

        Assert.Equal(roslyn, Emitting.ReservedTypeNames.ContextualKeywords.Order(System.StringComparer.Ordinal));
    }

    /// <summary>
    /// A project's <c>global using</c> alias named like a type the generated code names (<c>global using Vector512 =
    /// System.Int32;</c>, <c>Span</c>, <c>ComputePool</c>) or like a namespace it names (<c>System</c>), or a global using of a
    /// namespace holding types so named, took that name over in the generated files: the alias won over their
    /// <c>using System.Runtime.Intrinsics;</c> (CS0117 and dozens more), one named like a runtime alias repeated it (CS1537),
    /// a namespace's type made the name ambiguous (CS0104). Their usings now sit inside the model's namespace, which name
    /// lookup searches before the project's global usings.
    /// </summary>
    [Fact]
    public void TheProjectsGlobalUsingsDoNotReachTheGeneratedCode()
    {
        (Compilation plain, GeneratorRunResult plainResult) = Run(RichSpec);
        SortedSet<string> types = TypesNamedUnqualified(plain, plainResult);
        Assert.Contains("Vector512", types); // the collection works
        Assert.Contains("Gemm", types);
        string[] names = [.. types, "System", "BertGen", "Runtime", "Intrinsics"];
        string aliases = string.Concat(names.Select(n => $"global using {n} = global::System.Int32;\n"));
        string shims = "global using Acme.Shims;\nnamespace Acme.Shims\n{\n" +
            string.Concat(types.Select(n => $"    public static class {n} {{ }}\n    public sealed class {n}<T> {{ }}\n    public sealed class {n}<T1, T2> {{ }}\n")) + "}\n";
        foreach (string user in new[] { aliases, shims })
        {
            CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(user, GeneratorHarness.ParseOptions, path: "/project/Usings.cs"));
            Assert.Empty(input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(SmallSpec.Path, RichSpec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
            Assert.Empty(driver.GetRunResult().Diagnostics);
            Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            Assert.True(errors.Length == 0, $"{errors.Length} errors, first: " + string.Join("; ", errors.Take(5).Select(e => e.ToString())));
        }
    }

    /// <summary>
    /// A type (or namespace) of the model's own namespace named like a type the generated code names unqualified: its
    /// usings stand inside that namespace, so there the name is the project's type (a class <c>Gemm</c> beside the model
    /// was CS0576 eight times, a <c>Vector512</c> 26 CS0117s, an <c>IntPtr</c> 28 errors), now BG0026 at the spec. A type of
    /// another arity, or a file type, is another name there, and the model compiles beside it.
    /// </summary>
    [Theory]
    [InlineData("public class Gemm { }", "a class 'Gemm'")]
    [InlineData("internal struct Vector512 { }", "a struct 'Vector512'")]
    [InlineData("public class Span<TItem> { }", "a class 'Span<TItem>'")]
    [InlineData("public enum IntPtr { }", "an enum 'IntPtr'")]
    [InlineData("public class Gemm { } public interface ComputePool { }", "an interface 'ComputePool' and a class 'Gemm'")]
    [InlineData("namespace Dropout { class Mask { } }", "a namespace 'Dropout'")]
    [InlineData("public class Gemm<T> { } public class Span { } file class Math { }", null)]
    public void ATypeOfTheModelsNamespaceNamedLikeOneTheGeneratedCodeUsesIsBG0026(string declarations, string? what)
    {
        CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace BertGen.Models\n{\n    " + declarations + "\n}\n", GeneratorHarness.ParseOptions, path: "/project/Shadows.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(SmallSpec.Path, RichSpec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, $"{errors.Length} errors, first: " + string.Join("; ", errors.Take(3).Select(e => e.ToString())));
        if (what is null)
        {
            Assert.Empty(driver.GetRunResult().Diagnostics);
            Assert.NotNull(output.GetTypeByMetadataName("BertGen.Models.TestModel"));
            return;
        }

        Diagnostic d = Assert.Single(driver.GetRunResult().Diagnostics);
        Assert.Equal("BG0026", d.Id);
        Assert.Equal(SmallSpec.Path, d.Location.GetLineSpan().Path);
        Assert.Equal(
            $"Spec 'test.bert.json' puts its model in the namespace 'BertGen.Models', where the project already has {what} (Shadows.cs, line 3), a name the generated code uses for another type; rename that, or give the spec another 'bertgen.namespace'",
            d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Null(output.GetTypeByMetadataName("BertGen.Models.TestModel"));
    }

    /// <summary>
    /// In a namespace the generated code imports, or an alias points into, the referenced type of such a name is the one
    /// the generated code means (System.Math, System.Span&lt;T&gt;, System.Runtime.Intrinsics.Vector512): no clash.
    /// </summary>
    [Theory]
    [InlineData("System")]
    [InlineData("System.Runtime.Intrinsics")]
    public void AModelInANamespaceTheGeneratedCodeImportsIsNotBG0026(string ns)
    {
        (Compilation output, GeneratorRunResult result) = Run(RichSpec.Replace("\"type_name\"", $"\"namespace\": \"{ns}\", \"type_name\""));
        Assert.Empty(result.Diagnostics);
        Assert.NotNull(output.GetTypeByMetadataName(ns + ".TestModel"));
        Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, $"{errors.Length} errors, first: " + string.Join("; ", errors.Take(3).Select(e => e.ToString())));
    }

    /// <summary>
    /// The generator's list of the names its code writes unqualified, at each arity, holds every one the compiled output
    /// writes, and a project type of each beside the model is BG0026 (one diagnostic naming them all), not CS errors.
    /// </summary>
    [Fact]
    public void EveryTypeNameTheGeneratedCodeWritesUnqualifiedIsListedAndChecked()
    {
        (Compilation plain, GeneratorRunResult plainResult) = Run(RichSpec);
        SortedSet<(string Name, int Arity)> used = NamesAndAritiesUnqualified(plain, plainResult);
        Assert.Contains(("Vector512", 1), used); // the collection works
        Assert.Contains(("Gemm", 0), used);
        (string, int)[] unlisted = used.Where(u => !Emitting.ReservedTypeNames.IsNamedUnqualified(u.Name, u.Arity)).ToArray();
        Assert.True(unlisted.Length == 0, "Named unqualified by the generated code but not listed in ReservedTypeNames: " + string.Join(", ", unlisted));

        string declarations = string.Concat(used.Select(u => u.Arity == 0 ? $"    public class {u.Name} {{ }}\n" : $"    public class {u.Name}<T> {{ }}\n"));
        CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace BertGen.Models\n{\n" + declarations + "}\n", GeneratorHarness.ParseOptions, path: "/project/Shadows.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(SmallSpec.Path, RichSpec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        Assert.Equal("BG0026", Assert.Single(driver.GetRunResult().Diagnostics).Id);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>
    /// A member of the project's partial class of the model named like a type the generated code names unqualified hides
    /// that type inside the class: a property <c>Gemm</c> was 46 CS errors in the generated code, a nested class
    /// <c>Span&lt;TItem&gt;</c> 5, a method <c>Vector512</c> 29. Now BG0027 at the member, and the model is not generated. A
    /// field, property or method so named hides nothing where the code only writes the type as a type (<c>Span&lt;float&gt;</c>,
    /// <c>new AlignedBuffer(…)</c>), nor a nested type of another arity: the model compiles beside those.
    /// </summary>
    [Theory]
    [InlineData("public int Gemm { get; set; }", "a property 'Gemm'", "BertGen.Runtime.CompilerServices.Gemm")]
    [InlineData("public class Span<TItem> { }", "a class 'Span<TItem>'", "System.Span<T>")]
    [InlineData("public static void Vector512() { }", "a method 'Vector512'", "System.Runtime.Intrinsics.Vector512")]
    [InlineData("private readonly int ActivationKind;", "a field 'ActivationKind'", "BertGen.Runtime.CompilerServices.Activation")]
    [InlineData("public event System.Action? Precision;", "an event 'Precision'", "BertGen.Runtime.Inference.Precision")]
    [InlineData("public interface ComputePool { }", "an interface 'ComputePool'", "BertGen.Runtime.Threading.ComputePool")]
    [InlineData("public int Span { get; } public class Gemm<T> { } public void IBertModel() { } public class ReadOnlySpan { } int this[int Math] => 0;", null, null)]
    public void AMemberOfThePartialClassHidingATypeTheGeneratedCodeUsesIsBG0027(string declaration, string? what, string? type)
    {
        const string Prefix = "namespace BertGen.Models\n{\n    public sealed partial class TestModel\n    {\n        ";
        CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            Prefix + declaration + "\n    }\n}\n", GeneratorHarness.ParseOptions, path: "/project/User.cs"));
        Assert.Empty(input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(SmallSpec.Path, RichSpec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        if (what is null)
        {
            Assert.Empty(driver.GetRunResult().Diagnostics);
            Assert.NotNull(output.GetTypeByMetadataName("BertGen.Models.TestModel")!.GetMembers("Parameters").SingleOrDefault());
            Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            Assert.True(errors.Length == 0, $"{errors.Length} errors, first: " + string.Join("; ", errors.Take(3).Select(e => e.ToString())));
            return;
        }

        Diagnostic d = Assert.Single(driver.GetRunResult().Diagnostics);
        Assert.Equal("BG0027", d.Id);
        string name = what.Split('\'')[1].Split('<')[0];
        FileLinePositionSpan at = d.Location.GetLineSpan();
        Assert.Equal(("/project/User.cs", 4, 8 + declaration.IndexOf(" " + name, System.StringComparison.Ordinal) + 1, name.Length),
            (at.Path, at.StartLinePosition.Line, at.StartLinePosition.Character, d.Location.SourceSpan.Length));
        Assert.Equal(
            $"The project's partial class of 'BertGen.Models.TestModel' (from spec 'test.bert.json') declares {what}: inside the class that name then means the member, not the type '{type}' the generated code names so; rename the member",
            d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity == DiagnosticSeverity.Error));
        Assert.Empty(output.GetTypeByMetadataName("BertGen.Models.TestModel")!.GetMembers("Parameters")); // only the project's part is there
    }

    /// <summary>
    /// Which names a member hides, held against the compiled output: a property of each name the generated code writes
    /// unqualified breaks the code exactly where <see cref="Emitting.ReservedTypeNames.IsHiddenByMember"/> says so (an error
    /// at the name), and a nested type of each name and arity that breaks it is refused. With the generator's check, all of
    /// them at once are BG0027s and no CS error.
    /// </summary>
    [Fact]
    public void EveryMemberThatHidesATypeTheGeneratedCodeUsesIsBG0027()
    {
        (Compilation plain, GeneratorRunResult plainResult) = Run(RichSpec);
        SortedSet<(string Name, int Arity)> used = NamesAndAritiesUnqualified(plain, plainResult);
        string[] names = used.Select(u => u.Name).Distinct().ToArray();
        Assert.Contains("Gemm", names); // the collection works
        Assert.Contains("AlignedBuffer", names);

        string properties = string.Concat(names.Select(n => $"        public static object {n} => null!;\n"));
        // All at once, an error can hide another (Math.Max as the argument of a call that fails already): a name listed as
        // hidden but not seen so is tried alone.
        string[] atOnce = NamesWithErrors(plain, plainResult, properties);
        string[] brokenByProperty = names.Where(n => atOnce.Contains(n)
            || Emitting.ReservedTypeNames.IsHiddenByMember(n, null) && NamesWithErrors(plain, plainResult, $"        public static object {n} => null!;\n").Contains(n)).ToArray();
        Assert.Contains("Gemm", brokenByProperty);
        Assert.Equal(names.Where(n => Emitting.ReservedTypeNames.IsHiddenByMember(n, null)), brokenByProperty);

        string types = string.Concat(used.Select(u => u.Arity == 0 ? $"        public class {u.Name} {{ }}\n" : $"        public class {u.Name}<T> {{ }}\n"));
        string[] brokenByType = NamesWithErrors(plain, plainResult, types);
        Assert.Contains("Span", brokenByType);
        (string, int)[] unrefused = used.Where(u => brokenByType.Contains(u.Name) && !Emitting.ReservedTypeNames.IsHiddenByMember(u.Name, u.Arity)).ToArray();
        Assert.True(unrefused.Length == 0, "A nested type so named breaks the generated code but is not refused: " + string.Join(", ", unrefused));

        foreach (string members in new[] { properties, types })
        {
            CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(PartialClass(members));
            GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(SmallSpec.Path, RichSpec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
            Assert.All(driver.GetRunResult().Diagnostics, d => Assert.Equal("BG0027", d.Id));
            Assert.NotEmpty(driver.GetRunResult().Diagnostics);
            Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        }
    }

    private static SyntaxTree PartialClass(string members) => CSharpSyntaxTree.ParseText(
        "namespace BertGen.Models\n{\n    public sealed partial class TestModel\n    {\n" + members + "    }\n}\n", GeneratorHarness.ParseOptions, path: "/project/User.cs");

    // The names at which (or at whose member) the generated code has compiler errors once the project's partial class
    // declares these members, in order.
    private static string[] NamesWithErrors(Compilation generated, GeneratorRunResult result, string members)
    {
        Compilation output = generated.AddSyntaxTrees(PartialClass(members));
        var trees = new HashSet<SyntaxTree>(result.GeneratedSources.Select(s => s.SyntaxTree));
        return output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && trees.Contains(tree))
            .Select(d => d.Location.SourceTree!.GetRoot().FindToken(d.Location.SourceSpan.Start))
            .Where(t => t.IsKind(SyntaxKind.IdentifierToken))
            .Select(t => t.Parent is SimpleNameSyntax { Parent: MemberAccessExpressionSyntax { Expression: SimpleNameSyntax left } access } right && access.Name == right
                ? left.Identifier.ValueText // 'int' has no member 'Linear' is at Linear, in Gemm.Linear
                : t.ValueText)
            .Distinct()
            .Order(System.StringComparer.Ordinal)
            .ToArray();
    }

    // As TypesNamedUnqualified, with the number of type arguments each is written with (an alias has none).
    private static SortedSet<(string Name, int Arity)> NamesAndAritiesUnqualified(Compilation output, GeneratorRunResult result)
    {
        var used = new SortedSet<(string Name, int Arity)>();
        foreach (SyntaxTree tree in result.GeneratedSources.Select(s => s.SyntaxTree))
        {
            SemanticModel semantics = output.GetSemanticModel(tree);
            foreach (SimpleNameSyntax name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                bool qualified = name.Parent is QualifiedNameSyntax q && q.Right == name || name.Parent is MemberAccessExpressionSyntax a && a.Name == name
                    || name.Parent is AliasQualifiedNameSyntax || name.Parent is UsingDirectiveSyntax;
                if (qualified)
                {
                    continue;
                }

                if (semantics.GetAliasInfo(name) is not null)
                {
                    used.Add((name.Identifier.ValueText, 0));
                }
                else if (semantics.GetSymbolInfo(name).Symbol is INamedTypeSymbol { ContainingNamespace: var ns } type && ns.ToDisplayString() != "BertGen.Models")
                {
                    used.Add((name.Identifier.ValueText, type.Arity));
                }
            }
        }

        used.RemoveWhere(u => u.Name == "TestModel");
        return used;
    }

    // Every name generated code writes unqualified that means a type other than the model's own: the runtime's aliases
    // and the BCL types its usings bring in.
    private static SortedSet<string> TypesNamedUnqualified(Compilation output, GeneratorRunResult result) =>
        new(NamesAndAritiesUnqualified(output, result).Select(u => u.Name), System.StringComparer.Ordinal);

    private static bool Refused(string spec) =>
        SpecParser.Parse(SmallSpec.Path, SourceText.From(spec)).Diagnostics.Any(d => d.Descriptor.Id == "BG0011");

    private static (Compilation Output, GeneratorRunResult Result) Run(string spec) => GeneratorHarness.Run(GeneratorHarness.Spec(SmallSpec.Path, spec));
}
