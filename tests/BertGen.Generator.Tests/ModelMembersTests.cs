using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// BG0025 compares the project's partial class with <see cref="ModelMembers"/>, which emits only a model's model-wide
/// parts and takes each pass part to declare its shape's class: every member the compiled model has must be there, with
/// its parameters and whether it is a partial class, and nothing else, or a member an emitter adds (in any part) would
/// go unchecked, or one it drops stay refused.
/// </summary>
public sealed class ModelMembersTests
{
    public static TheoryData<string> Specs() => new()
    {
        SmallSpec.Text,
        SmallSpec.Text.Replace(
            "\"heads\": [\"pretraining\"]",
            "\"heads\": [\"pretraining\", \"sequence_classification\", \"token_classification\", \"question_answering\"],\n" +
            "    \"precisions\": [\"fp32\", \"int8\"], \"training\": true, \"max_predictions_per_seq\": 4, \"threads\": 2"),
        SmallSpec.Text.Replace("\"heads\": [\"pretraining\"]", "\"heads\": [\"masked_lm\"], \"training\": true, \"max_predictions_per_seq\": 4"),
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void TheMembersAreTheCompiledModelsOwn(string json)
    {
        ModelSpec spec = SpecParser.Parse(SmallSpec.Path, SourceText.From(json)).Spec!;
        ModelMembers members = ModelMembers.Of(spec, default)!;

        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(SmallSpec.Path, json));
        Assert.Empty(result.Diagnostics);
        INamedTypeSymbol model = output.GetTypeByMetadataName("BertGen.Models.TestModel")!;
        var compiled = new List<ModelMember>();
        foreach (ISymbol member in model.GetMembers().Where(m => !m.IsImplicitlyDeclared))
        {
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.Constructor } method:
                    compiled.Add(new ModelMember(method.Name, ModelMembers.Parameters(method), false));
                    break;
                case IMethodSymbol: // accessors, explicit interface implementations
                    break;
                case INamedTypeSymbol type:
                    compiled.Add(new ModelMember(type.Name, null, type.DeclaringSyntaxReferences.All(r =>
                        ((Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax)r.GetSyntax()).Modifiers.Any(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword))));
                    break;
                case IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 }:
                    break;
                default:
                    compiled.Add(new ModelMember(member.Name, null, false));
                    break;
            }
        }

        Assert.Contains(new ModelMember("Parameters", null, false), compiled); // the collection works
        Assert.Contains(new ModelMember("Parameter", "string", false), compiled);
        Assert.Contains(new ModelMember("B2S16", null, true), compiled);
        Assert.Equal(
            compiled.Distinct().OrderBy(m => m.Name, System.StringComparer.Ordinal).ThenBy(m => m.Parameters, System.StringComparer.Ordinal),
            members.Members);
    }
}
