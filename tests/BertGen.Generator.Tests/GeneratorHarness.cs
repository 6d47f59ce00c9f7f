using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Tests;

/// <summary>An in-memory spec file, as MSBuild would hand it to the generator.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText _text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text);
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Runs the generator over specs in an in-memory compilation referencing .NET 10 and the runtime.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation CreateCompilation(params string[] sources) => CSharpCompilation.Create(
        "BertGenTestAssembly",
        sources.Select(s => CSharpSyntaxTree.ParseText(s, ParseOptions)),
        Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(BertGen.Runtime.ParameterInfo).Assembly.Location)),
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> specs, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new BertGenerator().AsSourceGenerator() },
            additionalTexts: specs.ToImmutableArray(),
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the updated compilation and everything the run reported.</summary>
    public static (Compilation Output, GeneratorRunResult Result) Run(params AdditionalText[] specs)
    {
        CSharpCompilation input = CreateCompilation("namespace User { internal static class Placeholder { } }");
        GeneratorDriver driver = CreateDriver(specs).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (output, driver.GetRunResult().Results.Single());
    }

    public static AdditionalText SpecFile(string fileName) =>
        new InMemoryAdditionalText(RepoPaths.Spec(fileName), File.ReadAllText(RepoPaths.Spec(fileName)));

    public static AdditionalText Spec(string path, string json) => new InMemoryAdditionalText(path, json);
}
