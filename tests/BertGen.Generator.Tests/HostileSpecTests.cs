using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// Specs an adversarial run fed the compiler (issue 15), each the failing input itself: every one is now a BG
/// diagnostic at the field at fault, in milliseconds, with no exception leaving the generator (which the compiler
/// would report as warning CS8785 and build without the model) and nothing generated.
/// </summary>
public sealed class HostileSpecTests
{
    private const string Path = SmallSpec.Path;

    private const string ValidSpec = SmallSpec.Text;

    [Fact]
    public void JsonNestedFiftyThousandDeepIsMalformedJsonNotAStackOverflow()
    {
        // Was: "Stack overflow … at JsonParser.ParseArray()", which takes a shared compiler server down with it.
        string spec = "{\"vocab_size\": " + new string('[', 50_000) + new string(']', 50_000) + "}";
        Diagnostic d = Single(spec, "BG0001");
        Assert.Equal("Spec 'test.bert.json' is not valid JSON: arrays and objects nested deeper than 64 levels", Message(d));
        Assert.Equal((0, 15 + 63), Start(d)); // the 65th opening bracket: the root object is level 1
    }

    [Fact]
    public void ASpecFileAboveTheSizeBoundIsOutOfRangeBeforeItIsParsed()
    {
        // Every field is bounded, but a field BertGen does not read was not: a 50 MB spec of one unknown array of numbers
        // took the compiler 24 s and 2.6 GB, and built. Padding of whitespace is the cheapest way past the bound.
        string spec = ValidSpec.Replace("  \"hidden_act\"", new string(' ', (1 << 24) + 1 - ValidSpec.Length + 2) + "\"hidden_act\"");
        Assert.Equal((1 << 24) + 1, spec.Length);
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0004", d.Id);
        Assert.Equal(
            "Field '(root)' has value a file of 16,777,217 characters, but must be at most 16,777,216 characters (the largest spec the field bounds admit is about 13 MB)",
            Message(d));
        Assert.Equal((0, 0), Start(d));

        (_, GeneratorRunResult atTheBound) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Remove(spec.Length / 2, 1)));
        Assert.Empty(atTheBound.Diagnostics);
        Assert.NotEmpty(atTheBound.GeneratedSources);
    }

    [Theory]
    [InlineData("2147483647")] // was 8.6 GB of compiler memory and no diagnostic
    [InlineData("100000")] // was past 5 minutes
    [InlineData("1000")] // was 27 s and 1.4 GB
    public void LayerCountAboveTheBoundIsOutOfRange(string layers)
    {
        Diagnostic d = Single(ValidSpec.Replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": " + layers), "BG0004");
        Assert.Equal($"Field 'num_hidden_layers' has value {layers}, but must be at most 128", Message(d));
        Assert.Equal((3, 23), Start(d));
    }

    [Fact]
    public void AHundredThousandUnknownFieldsAreIgnoredInLinearTime()
    {
        // Was quadratic: each unknown field was held against every absent known one by a linear search of the
        // object, 40 s for 30,000 keys (a 330 KB spec) and about eight minutes for these 100,000 (1.2 MB).
        string unknown = string.Concat(Enumerable.Range(0, 100_000).Select(i => $"\"k{i}\": 1, "));
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("  \"hidden_act\"", "  " + unknown + "\"hidden_act\"")));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
    }

    [Fact]
    public void FiveThousandUnknownBertGenFieldsAreAHundredErrorsAndACount()
    {
        // Were 5,000 BG0012 errors, one per key (100,000 keys: 100,000 errors and 30 MB of build output).
        string unknown = string.Concat(Enumerable.Range(0, 5_000).Select(i => $"\"k{i}\": 1, "));
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("    \"type_name\"", "    " + unknown + "\"type_name\"")));
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Assert.Equal(101, result.Diagnostics.Length);
        Assert.All(result.Diagnostics.Take(100), d => Assert.Equal("BG0012", d.Id));
        Assert.StartsWith("Field 'bertgen.k99' is not a BertGen setting; ", Message(result.Diagnostics[99])); // k0 … k99, in order
        Diagnostic more = result.Diagnostics[100];
        Assert.Equal(("BG0021", DiagnosticSeverity.Warning), (more.Id, more.Severity));
        Assert.Equal("Spec 'test.bert.json' has 4,900 more problems than the 100 listed (4,900 errors); mend those and build again to see the rest", Message(more));
        Assert.Equal((9, 4 + Enumerable.Range(0, 100).Sum(i => $"\"k{i}\": 1, ".Length)), Start(more)); // at the first key left out, k100
    }

    [Fact]
    public void OneProblemPastTheBoundIsOneMoreProblem()
    {
        string unknown = string.Concat(Enumerable.Range(0, 101).Select(i => $"\"k{i}\": 1, "));
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("    \"type_name\"", "    " + unknown + "\"type_name\"")));
        Assert.Equal(101, result.Diagnostics.Length);
        Assert.Equal("Spec 'test.bert.json' has 1 more problem than the 100 listed (1 error); mend those and build again to see the rest", Message(result.Diagnostics[100]));
    }

    [Fact]
    public void PastTheBoundErrorsAreListedBeforeWarnings()
    {
        // 156 HF fields a letter away from ones BertGen reads (BG0017 warnings, reported object by object, the config's
        // first), then an unknown key in the bertgen section (BG0012, an error): it must be among those listed, or a
        // build that fails would show only warnings.
        string[] absent = { "type_vocab_size", "pad_token_id", "layer_norm_eps", "num_labels", "hidden_dropout_prob", "initializer_range" };
        string misspelt = string.Concat(absent.SelectMany(name => Enumerable.Range(0, 26).Select(i => $"\"{name}{(char)('a' + i)}\": 1, ")));
        string spec = ValidSpec.Replace("  \"hidden_act\"", "  " + misspelt + "\"hidden_act\"").Replace("    \"type_name\"", "    \"bogus\": 1, \"type_name\"");
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Assert.Equal(101, result.Diagnostics.Length);
        Assert.Equal("BG0012", result.Diagnostics[99].Id); // errors first, then the warnings, each in the order reported
        Assert.Equal(99, result.Diagnostics.Count(d => d.Id == "BG0017"));
        Assert.Equal("Spec 'test.bert.json' has 57 more problems than the 100 listed (57 warnings); mend those and build again to see the rest", Message(result.Diagnostics[100]));
    }

    [Fact]
    public void PerThreadPassesCountTowardsTheCompiledLayers()
    {
        // 32 shapes × 2 passes (fp32, int8) × 64 layers = 4,096 is at the bound; planning 2 threads adds a share's pass
        // per precision for each of the 16 even batches: 6,144, above it.
        string spec = LayersOverShapes(64, "[\"fp32\", \"int8\"],\n    \"threads\": 2");
        Diagnostic d = Single(spec, "BG0004");
        Assert.Equal(
            "Field 'bertgen.shapes' has value (32 shapes × 2 passes each (fp32, int8) + 16 per-thread shares × 2 precisions) × 64 layers = 6,144 compiled layers, " +
            "but must be at most 4,096 compiled layers (each is about 5 KB of generated C#); compile fewer shapes, passes or layers",
            Message(d));
    }

    [Fact]
    public void AThousandShapesAreOutOfRange()
    {
        // Was past 2 minutes and 19.7 MB of source.
        string shapes = string.Join(", ", Enumerable.Range(1, 1000).Select(b => $"{{ \"batch\": {b}, \"sequence\": 16 }}"));
        Diagnostic d = Single(ValidSpec.Replace("[{ \"batch\": 2, \"sequence\": 16 }]", "[" + shapes + "]"), "BG0004");
        Assert.Equal("Field 'bertgen.shapes' has value 1,000 shapes, but must be at most 32", Message(d));
    }

    [Fact]
    public void LayersSpeltOutOverEveryCompiledPassAreBounded()
    {
        // Every field at its own bound at once was 66 MB of generated C#, and 166 s and 2.4 GB of the compiler.
        string spec = LayersOverShapes(128, "[\"fp32\", \"int8\"],\n    \"training\": true, \"max_predictions_per_seq\": 4");
        Diagnostic d = Single(spec, "BG0004");
        Assert.Equal(
            "Field 'bertgen.shapes' has value 32 shapes × 3 passes each (fp32, int8, training) × 128 layers = 12,288 compiled layers, " +
            "but must be at most 4,096 compiled layers (each is about 5 KB of generated C#); compile fewer shapes, passes or layers",
            Message(d));
        Assert.Equal((10, 14), Start(d));

        // At the bound: 128 layers of 32 shapes in fp32 alone.
        string atBound = spec.Replace("\"precisions\": [\"fp32\", \"int8\"]", "\"precisions\": [\"fp32\"]").Replace(",\n    \"training\": true, \"max_predictions_per_seq\": 4", string.Empty);
        Assert.Empty(BertGen.Generator.Parsing.SpecParser.Parse(Path, Microsoft.CodeAnalysis.Text.SourceText.From(atBound)).Diagnostics);
    }

    [Fact]
    public void ATenMegabyteTypeNameIsAnInvalidNameWithAShortMessage()
    {
        // Was CS0016 "Could not write to output file" after generating megabytes of names.
        string name = new('A', 10 * 1024 * 1024);
        Diagnostic d = Single(ValidSpec.Replace("\"TestModel\"", "\"" + name + "\""), "BG0011");
        Assert.Equal($"Field 'bertgen.type_name' has value \"{new string('A', 64)}…\", which is not a valid C# type name: it has 10,485,760 characters, at most 512 are allowed", Message(d));
    }

    [Fact]
    public void ATypeNameTooLongForTheGeneratedFileNamesIsAnInvalidName()
    {
        string name = new('A', 240);
        Diagnostic d = Single(ValidSpec.Replace("\"TestModel\"", "\"" + name + "\""), "BG0011");
        Assert.EndsWith("which is not a valid C# type name here: with namespace 'BertGen.Models' the generated files' names would be longer than the 255 bytes a file name may have", Message(d));
    }

    [Fact]
    public void PositionsAndSequenceAtInt32RangeAreOutOfRangeNotAnOverflowInsideTheGenerator()
    {
        // Was "warning CS8785: Generator 'BertGenerator' failed … OverflowException", and a build with no model.
        string spec = ValidSpec
            .Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2147483647")
            .Replace("\"sequence\": 16", "\"sequence\": 1073741824");
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception);
        Assert.Equal(
            new[]
            {
                "Field 'bertgen.shapes[0].sequence' has value 1073741824, but must be at most 65,536",
                "Field 'max_position_embeddings' has value 2147483647, but must be at most 65,536",
            },
            result.Diagnostics.Select(Message).OrderBy(m => m, System.StringComparer.Ordinal));
        Assert.All(result.Diagnostics, d => Assert.Equal("BG0004", d.Id));
        Assert.Empty(result.GeneratedSources);
    }

    [Theory]
    [InlineData(4_194_304, "Field 'bertgen.shapes[0].batch' has value 4194304, but must be at most 1,048,576")] // emitted Tokens = -2147483648
    [InlineData(8_388_609, "Field 'bertgen.shapes[0].batch' has value 8388609, but must be at most 1,048,576")] // built with Tokens = 512
    [InlineData(4_096, "Field 'bertgen.shapes[0]' has value batch 4,096 × sequence 512 = 2,097,152 tokens, but must be at most 1,048,576 tokens")]
    public void TokensOfAShapeAreBoundedInSixtyFourBits(int batch, string message)
    {
        string spec = ValidSpec
            .Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 512")
            .Replace("\"batch\": 2, \"sequence\": 16", $"\"batch\": {batch}, \"sequence\": 512");
        Assert.Equal(message, Message(Single(spec, "BG0004")));
    }

    [Fact]
    public void HiddenSizeAboveInt32IsOutOfRangeNotAWrongType()
    {
        // Was "Field 'hidden_size' must be an integer, but is 2147483648".
        Diagnostic d = Single(ValidSpec.Replace("\"hidden_size\": 16", "\"hidden_size\": 2147483648"), "BG0004");
        Assert.Equal("Field 'hidden_size' has value 2147483648, but must be at most 16,384", Message(d));
    }

    [Theory]
    [InlineData("Mo\\u200Bdel", "Mo\\u200Bdel", "200B")] // zero width space: reads as "Model"
    [InlineData("Model\\u202Eledo", "Model\\u202Eledo", "202E")] // right-to-left override: reverses what follows
    [InlineData("Model\\uD800", "Model\\uD800", "D800")] // a lone surrogate
    public void TypeNamesWithInvisibleCharactersAreInvalid(string json, string shown, string codePoint)
    {
        Diagnostic d = Single(ValidSpec.Replace("\"TestModel\"", "\"" + json + "\""), "BG0011");
        Assert.Equal($"Field 'bertgen.type_name' has value \"{shown}\", which is not a valid C# type name: it holds the invisible character U+{codePoint}", Message(d));
    }

    [Fact]
    public void ATypeNameWithALetterBeyondUFFFFSaysSoRatherThanInvisible()
    {
        // Was "it holds the invisible character U+D835" for 𝐀 (U+1D400), a visible letter C# identifiers cannot hold.
        Diagnostic d = Single(ValidSpec.Replace("\"TestModel\"", "\"Test\uD835\uDC00Model\""), "BG0011");
        Assert.Equal("Field 'bertgen.type_name' has value \"Test\\uD835\\uDC00Model\", which is not a valid C# type name: it holds U+1D400, beyond U+FFFF, which C# identifiers cannot hold", Message(d));
    }

    [Fact]
    public void ParametersBeyondOneSpanAreOutOfRange()
    {
        // 1,048,576 × 4,096 word embeddings alone are 2³² floats: no span, no InitializeParameters.
        string spec = ValidSpec
            .Replace("\"vocab_size\": 100", "\"vocab_size\": 1048576")
            .Replace("\"hidden_size\": 16", "\"hidden_size\": 4096");
        Diagnostic d = Single(spec, "BG0004");
        Assert.StartsWith("Field 'hidden_size' has value 4096, but must be small enough for the parameters to fit one buffer of 2,147,483,647 floats (they need ", Message(d));
        Assert.Equal((2, 17), Start(d));
    }

    [Fact]
    public void AnActivationBufferBeyondOneSpanIsOutOfRange()
    {
        // The forward's masked-LM logits of 2²⁰ tokens × 30,522 words would be 32 billion floats.
        string spec = ValidSpec
            .Replace("\"vocab_size\": 100", "\"vocab_size\": 30522")
            .Replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 512")
            .Replace("\"batch\": 2, \"sequence\": 16", "\"batch\": 2048, \"sequence\": 512");
        Diagnostic d = Single(spec, "BG0004");
        Assert.StartsWith("Field 'bertgen.shapes' has value batch 2,048 × sequence 512, but must be small enough for every activation buffer to fit 2,147,483,647 floats (mlm_logits [1048576,30522] needs ", Message(d));
        Assert.Equal((10, 15), Start(d));
    }

    /// <summary>
    /// A masked-LM training step gathers max_predictions_per_seq positions from each sequence of every shape: more than a
    /// shape's sequence has was accepted silently, and its step could never be fed (the runtime's pretraining data refuses
    /// more predictions than tokens). At most the shortest sequence, batch × it also stays within the tokens a shape may have.
    /// </summary>
    [Fact]
    public void MaskedPositionsPerSequenceAreAtMostTheShortestSequence()
    {
        string spec = ValidSpec
            .Replace("[{ \"batch\": 2, \"sequence\": 16 }]", "[{ \"batch\": 1, \"sequence\": 32 }, { \"batch\": 2, \"sequence\": 16 }]")
            .Replace("\"heads\": [\"pretraining\"]", "\"heads\": [\"pretraining\"],\n    \"training\": true");
        Diagnostic d = Single(spec, "BG0004");
        Assert.Equal(
            "Field 'bertgen.max_predictions_per_seq' has value 20 (its default), but must be at most 16: the training step of shape batch 2 × sequence 16 gathers this many masked positions from each sequence of 16 tokens",
            Message(d));
        Assert.Equal((10, 47), Start(d)); // absent, so the shape it does not fit

        Diagnostic given = Single(spec.Replace("\"training\": true", "\"training\": true,\n    \"max_predictions_per_seq\": 17"), "BG0004");
        Assert.StartsWith("Field 'bertgen.max_predictions_per_seq' has value 17, but must be at most 16: the training step of shape batch 2 × sequence 16", Message(given));
        Assert.Equal((13, 31), Start(given));

        // As many as the shortest sequence has; no training step, or one that gathers no masked positions: no diagnostic.
        Assert.Empty(Parsed(spec.Replace("\"training\": true", "\"training\": true,\n    \"max_predictions_per_seq\": 16")));
        Assert.Empty(Parsed(spec.Replace("\"training\": true", "\"training\": false")));
        Assert.Empty(Parsed(spec.Replace("\"heads\": [\"pretraining\"]", "\"heads\": [\"sequence_classification\"]")));
    }

    [Theory]
    [InlineData("\"layer_norm_eps\": 1e-50", "Field 'layer_norm_eps' has value 1e-50, but must be greater than 0 (at least 1.4e-45, the smallest float) and less than 1")]
    [InlineData("\"hidden_dropout_prob\": 0.99999999999", "Field 'hidden_dropout_prob' has value 0.99999999999, but must be in [0, 1), and below 1 as a float")]
    [InlineData("\"initializer_range\": 1e400", "Field 'initializer_range' has value 1e400, but must be greater than 0 and at most 1")]
    [InlineData("\"hidden_dropout_prob\": -1e400", "Field 'hidden_dropout_prob' has value -1e400, but must be in [0, 1), and below 1 as a float")] // ±∞ on .NET Framework too
    public void FloatsTheGeneratedCodeBakesInMustSurviveTheConversionToFloat(string field, string message) =>
        Assert.Equal(message, Message(Single(ValidSpec.Replace("  \"hidden_act\"", "  " + field + ",\n  \"hidden_act\""), "BG0004")));

    [Fact]
    public void LabelsAndFileNamesWithLineBreaksAndBidiControlsStillCompile()
    {
        // A newline would end a string literal; U+2028 ends a // comment in C#; U+202E reorders how source reads.
        string spec = ValidSpec.Replace("  \"hidden_act\"", "  \"id2label\": { \"0\": \"a\\nb\", \"1\": \"x\\u202Ey\\u2028z\" },\n  \"hidden_act\"");
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec("/project/specs/we\u2028ird\u202E.bert.json", spec));
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        string model = result.GeneratedSources.Single(s => s.HintName.EndsWith(".Model.g.cs", System.StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("\"a\\u000Ab\",", model);
        Assert.Contains("\"x\\u202Ey\\u2028z\",", model);
        Assert.DoesNotContain('\u2028', model);
        Assert.DoesNotContain('\u202E', model);
    }

    [Fact]
    public void LabelNamesBeyondWhatTheCompilerHoldsAsStringsAreOutOfRange()
    {
        // 16,384 labels of 512 characters, each within its own bound, generated a model whose label literals the compiler
        // then refused (CS8103: 16.8 MB of its 16 MB heap of an assembly's strings), with no BG diagnostic. 2,049 of 512
        // characters are the least past the bound; 2,048 are at it.
        Diagnostic d = Single(WithLabels(ValidSpec, 2049, 512), "BG0004");
        Assert.Equal(
            "Field 'id2label' has value 2,049 labels of 1,049,088 characters in all, but must be at most 1,048,576 characters in all: " +
            "each label name is a string literal of the generated model, and the compiler holds an assembly's string literals to 16 MB", Message(d));
        Assert.Equal((6, 14), Start(d));

        (Compilation output, GeneratorRunResult atBound) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, WithLabels(ValidSpec, 2048, 512)));
        Assert.Empty(atBound.Diagnostics);
        using var assembly = new System.IO.MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(assembly);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Take(3)));
    }

    [Fact]
    public void LongLabelsOfEscapedCharactersKeepLinesWithin140CharactersAndTheirValue()
    {
        // A label of 512 characters was cut into pieces of 100 before escaping: 512 NEL controls (U+0085, each \u0085)
        // made one line of 3,000 characters. Quotes and backslashes take two characters each, spaces let the cut move.
        string[] labels = [new string('\u0085', 512), string.Concat(Enumerable.Repeat("a\"b\\ ", 100)), "x\u202E" + new string('y', 200)];
        string id2label = string.Join(", ", labels.Select((l, i) => $"\"{i}\": {System.Text.Json.JsonSerializer.Serialize(l)}"));
        string spec = ValidSpec.Replace("  \"hidden_act\"", "  \"id2label\": {" + id2label + "},\n  \"hidden_act\"");
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            string longest = source.SourceText.ToString().Split('\n').OrderByDescending(l => l.Length).First();
            Assert.True(longest.Length <= 140, $"{source.HintName} has a line of {longest.Length} characters: {longest}");
        }

        SyntaxTree model = result.GeneratedSources.Single(s => s.HintName.EndsWith(".Model.g.cs", System.StringComparison.Ordinal)).SyntaxTree;
        var initializer = model.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax>()
            .Single(p => p.Identifier.ValueText == "Labels").DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InitializerExpressionSyntax>().Single();
        SemanticModel semantics = output.GetSemanticModel(model);
        Assert.Equal(labels, initializer.Expressions.Select(e => (string?)semantics.GetConstantValue(e).Value));
    }

    // The spec with an id2label of `count` names of `length` characters, on a line of its own before hidden_act (line 6).
    private static string WithLabels(string spec, int count, int length) => spec.Replace(
        "  \"hidden_act\"",
        "  \"id2label\": {" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"\"{i}\": \"{i.ToString(CultureInfo.InvariantCulture).PadRight(length, 'x')}\"")) + "},\n  \"hidden_act\"");

    // The small spec with `layers` layers and 32 shapes (batch 1 to 32 × sequence 16), then the precisions and what follows them.
    private static string LayersOverShapes(int layers, string precisionsAndMore) => ValidSpec
        .Replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": " + layers)
        .Replace("[{ \"batch\": 2, \"sequence\": 16 }]",
            "[" + string.Join(", ", Enumerable.Range(1, 32).Select(b => $"{{ \"batch\": {b}, \"sequence\": 16 }}")) + "],\n    \"precisions\": " + precisionsAndMore);

    private static Diagnostic Single(string spec, string id)
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(Path, d.Location.GetLineSpan().Path);
        Assert.Empty(result.GeneratedSources);
        return d;
    }

    // What the parser alone reports about a spec, as messages.
    private static string[] Parsed(string spec) =>
        BertGen.Generator.Parsing.SpecParser.Parse(Path, Microsoft.CodeAnalysis.Text.SourceText.From(spec)).Diagnostics.Select(d => Message(d.ToDiagnostic())).ToArray();

    private static string Message(Diagnostic d) => d.GetMessage(CultureInfo.InvariantCulture);

    private static (int Line, int Column) Start(Diagnostic d) =>
        (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character);
}
