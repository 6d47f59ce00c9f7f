using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// The project's partial class of a model may name a base class: the generated class declares none, so C# joins the two,
/// and the model derives from it. A base class the generated class cannot derive from was CS errors with no BG diagnostic:
/// CS7036 or CS0122 in the generated constructors (no parameterless constructor they can call), CS0108 or CS0114 in the
/// generated code (a member the generated class declares hides the inherited one: an error under warnings-as-errors),
/// CS0120 at every use of a type an inherited member is named like (a field <c>Gemm</c>), or CS0509, CS0709, CS8865,
/// CS0060 or CS0534 at the class. Now BG0029 at the base class in the class's base list, and the model is not generated.
/// </summary>
public sealed class BaseClassTests
{
    private const string Path = SmallSpec.Path;

    [Theory]
    [InlineData("public class Base { public Base(int x) { } }",
        "which has no constructor the model can call without arguments (the generated constructors call the base class's parameterless one)")]
    [InlineData("public class Base { private Base() { } public Base(int x) { } }",
        "which has no constructor the model can call without arguments (the generated constructors call the base class's parameterless one)")]
    [InlineData("public class Base { public int Parameters; }",
        "which declares a field 'Parameters' (User.cs, line 1), a name the generated class gives its member 'Parameters', hiding the inherited one")]
    [InlineData("public class Base { public void Dispose() { } }",
        "which declares a method 'Dispose' (User.cs, line 1), a name the generated class gives its member 'Dispose()', hiding the inherited one")]
    [InlineData("public class Base { public virtual string Name => \"base\"; }",
        "which declares a property 'Name' (User.cs, line 1), a name the generated class gives its member 'Name', hiding the inherited one")]
    [InlineData("public class Base { protected void Parameters(int index) { } }",
        "which declares a method 'Parameters' (User.cs, line 1), a name the generated class gives its member 'Parameters', hiding the inherited one")]
    [InlineData("public class Base { protected class B2S16 { } }",
        "which declares a class 'B2S16' (User.cs, line 1), a name the generated class gives its member 'B2S16', hiding the inherited one")]
    [InlineData("public class Root { protected int Gemm; } public class Base : Root { }",
        "which declares a field 'Gemm' (User.cs, line 1): inside the model that name then means the member, not the type 'BertGen.Runtime.CompilerServices.Gemm' the generated code names so")]
    [InlineData("internal class Base { }", "which is less accessible than the model (the generated class is public)")]
    [InlineData("public sealed class Base { }", "which is sealed")]
    [InlineData("public static class Base { }", "which is static")]
    [InlineData("public record Base;", "which is a record (only a record may derive from a record)")]
    [InlineData("public abstract class Base { public abstract void Run(int times); }", "which leaves the abstract member 'Run(int)' unimplemented (the generated class is sealed)")]
    public void ABaseClassTheGeneratedClassCannotDeriveFromIsBG0029AtTheBaseList(string baseClass, string reason)
    {
        // Not declared public, so that an internal base class is no error of the project's own (CS0060 came with the generated part).
        string user = "namespace BertGen.Models { " + baseClass + " partial class TestModel : Base { } }";
        (CSharpCompilation input, Compilation output, GeneratorRunResult result) = Run(user);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0029", d.Id);
        FileLinePositionSpan at = d.Location.GetLineSpan();
        Assert.Equal(("/project/User.cs", 0, user.IndexOf(": Base", System.StringComparison.Ordinal) + 2, 4),
            (at.Path, at.StartLinePosition.Line, at.StartLinePosition.Character, d.Location.SourceSpan.Length));
        Assert.Equal(
            $"The project's partial class of 'BertGen.Models.TestModel' (from spec 'test.bert.json') derives from 'BertGen.Models.Base', {reason}; derive it from another class, or from none",
            d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(result.GeneratedSources);
        // What the compiler says is what it says of the project's code alone (CS0509 for a sealed class, nothing for most).
        Assert.Equal(Errors(input), Errors(output));
    }

    /// <summary>
    /// A base class that fits: public, with a constructor the model can call (protected will do), members of names the
    /// generated class does not use, an overload of a generated method, and members the model cannot see.
    /// </summary>
    [Theory]
    [InlineData("public class Base { }")]
    [InlineData("public abstract class Base { protected Base() { } public int Extra => 1; protected virtual void Dispose(bool disposing) { } private int Parameters = 0; public int Peek() => Parameters; }")]
    [InlineData("public abstract class Base { public Base(int size = 4) { } public abstract int Size { get; } } public sealed partial class TestModel { public override int Size => HiddenSize; }")]
    [InlineData("public class Base<T> { public T? Tag { get; set; } }", "Base<string>")]
    public void ABaseClassThatFitsIsTheModelsBase(string baseClass, string named = "Base")
    {
        string user = "namespace BertGen.Models { " + baseClass + " public partial class TestModel : " + named + " { } }";
        (_, Compilation output, GeneratorRunResult result) = Run(user);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
        INamedTypeSymbol model = output.GetTypeByMetadataName("BertGen.Models.TestModel")!;
        Assert.Equal("Base", model.BaseType!.Name);
        Assert.NotEmpty(model.GetMembers("Parameters")); // the generated part is there
    }

    [Fact]
    public void TheModelAsItsBaseClasssTypeArgumentIsPublicEvenWhereTheProjectsPartDoesNotSaySo()
    {
        // The project's part without 'public' read as internal, so Base<TestModel> was "less accessible than the model";
        // an internal type in an array argument was missed.
        (_, Compilation output, GeneratorRunResult result) = Run("namespace BertGen.Models { public class Base<T> { } partial class TestModel : Base<TestModel> { } }");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal("Base<TestModel>", output.GetTypeByMetadataName("BertGen.Models.TestModel")!.BaseType!.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));

        (_, _, result) = Run("namespace BertGen.Models { public class Base<T> { } internal class Hidden { } partial class TestModel : Base<Hidden[]> { } }");
        Assert.Equal("BG0029", Assert.Single(result.Diagnostics).Id);
        Assert.Contains("which is less accessible than the model", Assert.Single(result.Diagnostics).GetMessage(CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    private static (CSharpCompilation Input, Compilation Output, GeneratorRunResult Result) Run(string user)
    {
        CSharpCompilation input = GeneratorHarness.CreateCompilation().AddSyntaxTrees(
            CSharpSyntaxTree.ParseText(user, GeneratorHarness.ParseOptions, path: "/project/User.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(Path, SmallSpec.Text) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return (input, output, result);
    }

    private static string[] Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning).Select(e => e.Id + " " + e.Location.GetLineSpan()).ToArray();
}
