using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// One test per diagnostic id: the id, the message (naming the field and the value) and the location
/// (zero-based line and column of the offending token in the spec file). A broken spec generates no code.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Path = SmallSpec.Path;

    private const string ValidSpec = SmallSpec.Text;

    [Fact]
    public void ValidSpecHasNoDiagnosticsAndGeneratesCode()
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new[] { "BertGen.Models.TestModel.B2S16.g.cs", "BertGen.Models.TestModel.Model.g.cs", "BertGen.Models.TestModel.Shapes.g.cs", "BertGen.Models.TestModel.Weights.g.cs" }, result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal));
    }

    [Fact]
    public void BG0001_MalformedJson() => AssertSingle(
        ValidSpec.Replace("\"hidden_size\": 16,", "\"hidden_size\": 16"),
        "BG0001", 3, 2, "Spec 'test.bert.json' is not valid JSON: expected ',' or '}' after a property");

    [Fact]
    public void BG0001_NumberWithALeadingZero() => AssertSingle(
        ValidSpec.Replace("\"vocab_size\": 100", "\"vocab_size\": 0100"),
        "BG0001", 1, 16, "Spec 'test.bert.json' is not valid JSON: invalid number: a leading 0 may not be followed by digits");

    [Fact]
    public void BG0001_AByteThatIsNotUtf8()
    {
        // A spec saved in Latin-1: the compiler reads its é as U+FFFD. Was a model whose name or label held U+FFFD.
        AssertSingle(
            ValidSpec.Replace("\"TestModel\"", "\"TestMod\uFFFDl\""),
            "BG0001", 9, 25, "Spec 'test.bert.json' is not valid JSON: it holds a byte that is not UTF-8 (read as U+FFFD, the replacement character); save the spec as UTF-8, and write U+FFFD itself as \\ufffd");
        (_, GeneratorRunResult escaped) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("\"heads\"", "\"x\": \"\\ufffd\", \"heads\"")));
        Assert.Equal("BG0012", Assert.Single(escaped.Diagnostics).Id); // written as an escape, it is read
    }

    [Fact]
    public void BG0001_Utf16WithoutAByteOrderMark() => AssertSingle(
        System.Text.Encoding.UTF8.GetString(System.Text.Encoding.Unicode.GetBytes(ValidSpec)), // as the compiler reads it
        "BG0001", 0, 1, "Spec 'test.bert.json' is not valid JSON: it holds a NUL character, as a UTF-16 file without a byte order mark reads; save the spec as UTF-8");

    [Fact]
    public void BG0002_MissingRequiredField() => AssertSingle(
        ValidSpec.Replace("  \"intermediate_size\": 32,\n", string.Empty),
        "BG0002", 0, 0, "Spec 'test.bert.json' is missing the required field 'intermediate_size'");

    [Fact]
    public void BG0003_WrongType() => AssertSingle(
        ValidSpec.Replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": \"one\""),
        "BG0003", 3, 23, "Field 'num_hidden_layers' must be an integer, but is \"one\"");

    [Fact]
    public void BG0003_AnEmptyShapesListIsCalledEmpty() => AssertSingle(
        ValidSpec.Replace("[{ \"batch\": 2, \"sequence\": 16 }]", "[]"),
        "BG0003", 10, 14, "Field 'bertgen.shapes' must be a non-empty array of { \"batch\": …, \"sequence\": … }, but is an empty array"); // was "but is an array"

    [Fact]
    public void BG0004_ZeroOrNegativeSize() => AssertSingle(
        ValidSpec.Replace("\"batch\": 2", "\"batch\": 0"),
        "BG0004", 10, 26, "Field 'bertgen.shapes[0].batch' has value 0, but must be positive");

    [Fact]
    public void BG0005_HiddenNotDivisibleByHeads() => AssertSingle(
        ValidSpec.Replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3"),
        "BG0005", 2, 17, "Field 'hidden_size' (16) is not divisible by 'num_attention_heads' (3)");

    [Fact]
    public void BG0006_SequenceAboveMaxPositions() => AssertSingle(
        ValidSpec.Replace("\"sequence\": 16", "\"sequence\": 128"),
        "BG0006", 10, 41, "Field 'bertgen.shapes[0].sequence' is 128, above 'max_position_embeddings' (64)");

    [Fact]
    public void BG0007_UnknownActivation() => AssertSingle(
        ValidSpec.Replace("\"gelu\"", "\"mish\""),
        "BG0007", 6, 16, "Field 'hidden_act' has unknown activation \"mish\"; BertGen supports \"gelu\", \"gelu_new\", \"gelu_pytorch_tanh\", \"relu\", \"silu\" and \"swish\"");

    [Fact]
    public void BG0008_UnsupportedPositionEmbeddings() => AssertSingle(
        ValidSpec.Replace("  \"hidden_act\"", "  \"position_embedding_type\": \"relative_key\",\n  \"hidden_act\""),
        "BG0008", 6, 29, "Field 'position_embedding_type' has value \"relative_key\", which BertGen does not support (only \"absolute\" position embeddings are implemented)");

    [Fact]
    public void BG0008_DecoderIsUnsupported() => AssertSingle(
        ValidSpec.Replace("  \"hidden_act\"", "  \"is_decoder\": true,\n  \"hidden_act\""),
        "BG0008", 6, 16, "Field 'is_decoder' has value true, which BertGen does not support (BertGen compiles encoder-only BERT)");

    /// <summary>
    /// HF's masked-LM heads decode with a matrix of their own when tie_word_embeddings is false; BertGen's decoder is always
    /// the word embeddings, so the spec compiled (as the tied model) without a word. Without a masked-LM head it changes nothing.
    /// </summary>
    [Fact]
    public void BG0008_AnUntiedMaskedLmDecoderIsUnsupported()
    {
        string untied = ValidSpec.Replace("  \"hidden_act\"", "  \"tie_word_embeddings\": false,\n  \"hidden_act\"");
        AssertSingle(untied, "BG0008", 6, 25,
            "Field 'tie_word_embeddings' has value false, which BertGen does not support (BertGen's masked-LM decoder is the word embedding matrix, tied)");

        (_, GeneratorRunResult classifier) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, untied.Replace("[\"pretraining\"]", "[\"sequence_classification\"]")));
        Assert.Empty(classifier.Diagnostics);
        Assert.NotEmpty(classifier.GeneratedSources);
    }

    [Fact]
    public void BG0009_TwoSpecsProduceTheSameType()
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(
            GeneratorHarness.Spec("/project/specs/a.bert.json", ValidSpec),
            GeneratorHarness.Spec("/project/specs/b.bert.json", ValidSpec));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0009", d.Id);
        Assert.Equal("/project/specs/b.bert.json", d.Location.GetLineSpan().Path);
        Assert.Equal(9, d.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(17, d.Location.GetLineSpan().StartLinePosition.Character);
        Assert.Equal("Specs 'a.bert.json' and 'b.bert.json' both produce the type 'BertGen.Models.TestModel'; give one of them another 'bertgen.type_name' or 'bertgen.namespace'", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.GeneratedSources); // neither is emitted: emitting one would be an arbitrary pick
    }

    [Fact]
    public void BG0009_TypesDifferingOnlyInCaseAreTheSameType()
    {
        // Was warning CS8785 (the generator failed: hint names are unique ignoring case) and no model at all.
        (_, GeneratorRunResult result) = GeneratorHarness.Run(
            GeneratorHarness.Spec("/project/specs/a.bert.json", ValidSpec),
            GeneratorHarness.Spec("/project/specs/b.bert.json", ValidSpec.Replace("\"TestModel\"", "\"testModel\"")));
        Assert.Null(result.Exception);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0009", "/project/specs/b.bert.json", 9), (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line));
        Assert.Equal(
            "Specs 'a.bert.json' and 'b.bert.json' both produce the type 'BertGen.Models.TestModel' (the second as 'BertGen.Models.testModel': the generated files' names would differ only in case); give one of them another 'bertgen.type_name' or 'bertgen.namespace'",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void BG0009_TwoFilesOfOneNameInTwoFoldersAreNamedByTheirPaths()
    {
        // Was "Specs 'test.bert.json' and 'test.bert.json' both produce …", which did not say which two files.
        (_, GeneratorRunResult result) = GeneratorHarness.Run(
            GeneratorHarness.Spec("/project/specs/a/test.bert.json", ValidSpec),
            GeneratorHarness.Spec("/project/specs/b/test.bert.json", ValidSpec));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0009", "/project/specs/b/test.bert.json"), (d.Id, d.Location.GetLineSpan().Path));
        Assert.StartsWith("Specs '/project/specs/a/test.bert.json' and '/project/specs/b/test.bert.json' both produce the type 'BertGen.Models.TestModel';", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheSameFileListedTwiceIsOneModel()
    {
        // Was BG0009 "Specs 'test.bert.json' and 'test.bert.json' both produce the type …" and no model.
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec), GeneratorHarness.Spec(Path, ValidSpec));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(4, result.GeneratedSources.Length);
    }

    [Fact]
    public void BG0010_UnknownHead() => AssertSingle(
        ValidSpec.Replace("[\"pretraining\"]", "[\"pretraining\", \"summarization\"]"),
        "BG0010", 11, 29, "Field 'bertgen.heads' has unknown head \"summarization\"; BertGen supports \"pretraining\", \"masked_lm\", \"sequence_classification\", \"token_classification\" and \"question_answering\"");

    [Fact]
    public void BG0011_InvalidTypeName() => AssertSingle(
        ValidSpec.Replace("\"TestModel\"", "\"Test-Model\""),
        "BG0011", 9, 17, "Field 'bertgen.type_name' has value \"Test-Model\", which is not a valid C# type name");

    [Fact]
    public void BG0019_UnknownPrecision() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"precisions\": [\"fp32\", \"int4\"],\n    \"heads\""),
        "BG0019", 11, 27, "Field 'bertgen.precisions' has unknown precision \"int4\"; BertGen supports \"fp32\" and \"int8\"");

    [Fact]
    public void BG0008_PrecisionsWithoutFp32() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"precisions\": [\"int8\"],\n    \"heads\""),
        "BG0008", 11, 18, "Field 'bertgen.precisions' has value [\"int8\"], which BertGen does not support (the fp32 forward is always compiled, so list \"fp32\" too, e.g. [\"fp32\", \"int8\"])");

    [Fact]
    public void BG0003_PrecisionsNotAnArray() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"precisions\": \"int8\",\n    \"heads\""),
        "BG0003", 11, 18, "Field 'bertgen.precisions' must be an array of precision names, but is \"int8\"");

    [Fact]
    public void Int8InPrecisionsAddsAnInt8PassPerShapeAndTheInt8Part()
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("    \"heads\"", "    \"precisions\": [\"int8\", \"fp32\"],\n    \"heads\"")));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            new[] { "BertGen.Models.TestModel.B2S16.g.cs", "BertGen.Models.TestModel.B2S16Int8.g.cs", "BertGen.Models.TestModel.Int8.g.cs", "BertGen.Models.TestModel.Model.g.cs", "BertGen.Models.TestModel.Shapes.g.cs", "BertGen.Models.TestModel.Weights.g.cs" },
            result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("0", "Field 'bertgen.threads' has value 0, but must be positive")]
    [InlineData("1025", "Field 'bertgen.threads' has value 1025, but must be at most 1,024")]
    public void BG0004_ThreadsOutOfRange(string threads, string message) => AssertSingle(
        ValidSpec.Replace("    \"heads\"", $"    \"threads\": {threads},\n    \"heads\""), "BG0004", 11, 15, message);

    [Fact]
    public void BG0003_ThreadsNotAnInteger() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"threads\": \"two\",\n    \"heads\""), "BG0003", 11, 15, "Field 'bertgen.threads' must be an integer, but is \"two\"");

    [Fact]
    public void ThreadsPlansAPerThreadPassForShapesWhoseBatchTheyDivide()
    {
        // Batch 2 on 2 threads gets the planned schedule (a share of one sequence); batch 3 does not.
        string spec = ValidSpec.Replace("[{ \"batch\": 2, \"sequence\": 16 }]", "[{ \"batch\": 2, \"sequence\": 16 }, { \"batch\": 3, \"sequence\": 16 }],\n    \"threads\": 2");
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Empty(result.Diagnostics);
        string Source(string shape) => result.GeneratedSources.Single(s => s.HintName == $"BertGen.Models.TestModel.{shape}.g.cs").SourceText.ToString();
        Assert.Contains("public const int PlannedThreads = 2;", Source("B2S16"));
        Assert.Contains("private static class PerThread", Source("B2S16"));
        Assert.DoesNotContain("PlannedThreads", Source("B3S16"));
    }

    [Fact]
    public void BG0012_UnknownBertGenSetting() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"dtype\": \"fp16\",\n    \"heads\""),
        "BG0012", 11, 4, "Field 'bertgen.dtype' is not a BertGen setting; known settings are 'type_name', 'namespace', 'shapes', 'heads', 'precisions', 'training', 'max_predictions_per_seq', 'threads'");

    [Fact]
    public void BG0012_MisspeltBertGenSettingNamesTheSettingItResembles() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"trainig\": true,\n    \"heads\""),
        "BG0012", 11, 4, "Field 'bertgen.trainig' is not a BertGen setting; did you mean 'training'?");

    [Fact]
    public void BG0012_UnknownFieldInAShape() => AssertSingle(
        ValidSpec.Replace("{ \"batch\": 2, \"sequence\": 16 }", "{ \"batch\": 2, \"sequence\": 16, \"precision\": \"int8\" }"),
        "BG0012", 10, 45, "Field 'bertgen.shapes[0].precision' is not a BertGen setting; known settings are 'batch', 'sequence'");

    [Fact]
    public void BG0013_ShapeListedTwice() => AssertSingle(
        ValidSpec.Replace("[{ \"batch\": 2, \"sequence\": 16 }]", "[{ \"batch\": 2, \"sequence\": 16 }, { \"batch\": 2, \"sequence\": 16 }]"),
        "BG0013", 10, 47, "Field 'bertgen.shapes' lists batch 2, sequence 16 more than once");

    // Heads and precisions are sets too: a repeat was accepted without a word, though it is most likely another entry mistyped.
    [Fact]
    public void BG0013_HeadListedTwice() => AssertSingle(
        ValidSpec.Replace("[\"pretraining\"]", "[\"pretraining\", \"masked_lm\", \"pretraining\"]"),
        "BG0013", 11, 42, "Field 'bertgen.heads' lists \"pretraining\" more than once");

    [Fact]
    public void BG0013_PrecisionListedTwice() => AssertSingle(
        ValidSpec.Replace("    \"heads\"", "    \"precisions\": [\"fp32\", \"int8\", \"fp32\"],\n    \"heads\""),
        "BG0013", 11, 35, "Field 'bertgen.precisions' lists \"fp32\" more than once");

    [Fact]
    public void BG0014_NumLabelsDisagreesWithId2Label() => AssertSingle(
        ValidSpec.Replace("  \"hidden_act\"", "  \"num_labels\": 3,\n  \"id2label\": { \"0\": \"neg\", \"1\": \"pos\" },\n  \"hidden_act\""),
        "BG0014", 6, 16, "Field 'num_labels' is inconsistent: it is 3, but id2label has 2 labels");

    [Fact]
    public void BG0015_TrainingWithoutAHead() => AssertSingle(
        ValidSpec.Replace("\"heads\": [\"pretraining\"]", "\"heads\": [],\n    \"training\": true"),
        "BG0015", 12, 16, "Field 'bertgen.training' is true, but 'bertgen.heads' is empty: a training step needs a loss; add \"pretraining\", \"masked_lm\" or a fine-tuning head");

    [Fact]
    public void BG0016_KeyRepeatedInOneObject() => AssertSingle(
        ValidSpec.Replace("  \"hidden_act\"", "  \"hidden_size\": 32,\n  \"hidden_act\""),
        "BG0016", 6, 2, "Field 'hidden_size' appears twice in the same object (first at line 3); JSON readers disagree on which one counts, so give it once");

    [Theory]
    [InlineData("{ \"batch\": 2, \"batch\": 3, \"sequence\": 16 }", 10, 29, "bertgen.shapes[0].batch")]
    [InlineData("{ \"batch\": 2, \"sequence\": 16 }], \"namespace\": \"A\", \"x\": [{ \"y\": [0, { \"z\": 1, \"z\": 2 }] }", 10, 93, "bertgen.x[0].y[1].z")]
    public void BG0016_ARepeatedKeyIsNamedWithItsPath(string shape, int line, int column, string field) => AssertSingle(
        ValidSpec.Replace("{ \"batch\": 2, \"sequence\": 16 }", shape),
        "BG0016", line, column, $"Field '{field}' appears twice in the same object (first at line 11); JSON readers disagree on which one counts, so give it once");

    [Fact]
    public void BG0017_MisspeltOptionalFieldIsAWarningAndTheModelIsStillGenerated() => AssertSingleWarning(
        ValidSpec.Replace("  \"hidden_act\"", "  \"hidden_dropout_prb\": 0.0,\n  \"hidden_act\""), "BG0017", 6, 2,
        "Field 'hidden_dropout_prb' is not a field BertGen reads; did you mean 'hidden_dropout_prob'? Without it 'hidden_dropout_prob' takes its default, 0.1");

    [Theory]
    [InlineData("sequence_classification", "\"problem_type\": \"single_label_classification\", ", "a single-label sequence classifier", ", or problem_type \"regression\" for one output")]
    [InlineData("token_classification", "", "a token classifier", "")]
    public void BG0020_TrainingAOneClassCrossEntropyIsAWarningAndTheModelIsStillGenerated(string head, string problem, string what, string advice)
    {
        string spec = ValidSpec.Replace("  \"hidden_act\"", $"  \"num_labels\": 1, {problem}\n  \"hidden_act\"")
            .Replace("\"heads\": [\"pretraining\"]", $"\"heads\": [\"{head}\"], \"training\": true");
        AssertSingleWarning(spec, "BG0020", 6, 16,
            $"Field 'num_labels' is 1 for {what}: a cross-entropy over one class is 0 whatever the model outputs, so training learns nothing; use num_labels 2 or more{advice}");

        // The same head not trained, or (a sequence classifier) one output left to mean regression: no warning.
        Assert.Empty(GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Replace("\"training\": true", "\"training\": false"))).Result.Diagnostics);
        if (problem.Length > 0)
        {
            Assert.Empty(GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Replace(problem, string.Empty))).Result.Diagnostics);
        }
    }

    [Theory]
    [InlineData("token_classification", "multi_label_classification", ": the token classifier trains with cross-entropy, as HF's BertForTokenClassification does")]
    [InlineData("pretraining", "single_label_classification", "")]
    public void BG0022_AProblemTypeNoHeadReadsIsAWarningAndTheModelIsStillGenerated(string head, string problem, string advice)
    {
        string spec = ValidSpec.Replace("  \"hidden_act\"", $"  \"problem_type\": \"{problem}\",\n  \"hidden_act\"").Replace("\"heads\": [\"pretraining\"]", $"\"heads\": [\"{head}\"]");
        AssertSingleWarning(spec, "BG0022", 6, 18,
            $"Field 'problem_type' is \"{problem}\", but only a sequence classification head reads it, and 'bertgen.heads' has none{advice}");

        // With a sequence classifier it applies; null means unset; an unknown value is BG0008 alone.
        Assert.Empty(GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Replace($"[\"{head}\"]", $"[\"{head}\", \"sequence_classification\"]"))).Result.Diagnostics);
        Assert.Empty(GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Replace($"\"{problem}\"", "null"))).Result.Diagnostics);
        Assert.Equal("BG0008", Assert.Single(GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec.Replace(problem, "ranking"))).Result.Diagnostics).Id);
    }

    [Fact]
    public void BG0018_AFailureInsideTheParserIsADiagnosticNotACompilerWarning()
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(new UnreadableSpec(Path));
        Assert.Null(result.Exception);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0018", DiagnosticSeverity.Error), (d.Id, d.Severity));
        Assert.StartsWith("BertGen failed on spec 'test.bert.json': InvalidOperationException: this text cannot be read.", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void UnknownHuggingFaceFieldsAreIgnored()
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path,
            ValidSpec.Replace("  \"hidden_act\"", "  \"transformers_version\": \"4.8.2\",\n  \"gradient_checkpointing\": false,\n  \"hidden_act\"")));
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
    }

    [Fact]
    public void SeveralProblemsAreAllReportedAndNothingIsGenerated()
    {
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path,
            ValidSpec.Replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3").Replace("\"gelu\"", "\"mish\"")));
        Assert.Equal(new[] { "BG0005", "BG0007" }, result.Diagnostics.Select(d => d.Id).OrderBy(id => id).ToArray());
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void EmptyFileIsReportedNotACrash() => AssertSingle(string.Empty, "BG0001", 0, 0, "Spec 'test.bert.json' is not valid JSON: unexpected end of file, expected a value");

    [Fact]
    public void BG0023_OneSpecsTypeIsAnotherSpecsNamespace()
    {
        // Each compiled alone, but together they were CS0101 ("The namespace 'Acme' already contains a definition for
        // 'Models'") in the generated code, with no BG diagnostic.
        string type = ValidSpec.Replace("\"TestModel\"", "\"Models\", \"namespace\": \"Acme\"");
        string inside = ValidSpec.Replace("\"TestModel\"", "\"Encoder\", \"namespace\": \"Acme.Models.Text\"");
        string apart = ValidSpec.Replace("\"TestModel\"", "\"Other\", \"namespace\": \"Acme.models\"");
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(
            GeneratorHarness.Spec("/project/specs/models.bert.json", type),
            GeneratorHarness.Spec("/project/specs/text.bert.json", inside),
            GeneratorHarness.Spec("/project/specs/other.bert.json", apart));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0023", "/project/specs/models.bert.json", 9, 17), (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal(
            "Spec 'models.bert.json' produces the type 'Acme.Models', and spec 'text.bert.json' puts its model in the namespace 'Acme.Models.Text'; " +
            "C# cannot have a type and a namespace of one name, so give one of them another 'bertgen.type_name' or 'bertgen.namespace'",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        // Neither is generated; a namespace differing in case is another namespace, and its model compiles.
        Assert.All(result.GeneratedSources, s => Assert.StartsWith("Acme.models.Other.", s.HintName, System.StringComparison.Ordinal));
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>
    /// The project's own code or references already using the model's full name built into CS0101 in the generated code
    /// (a struct, a namespace) or CS0260 in the project's, with no BG diagnostic; a model named System.Linq turned the
    /// project's implicit <c>using System.Linq;</c> into CS0138.
    /// </summary>
    [Theory]
    [InlineData("namespace BertGen.Models { public struct TestModel { } }", "a struct", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models { public class TestModel { } }", "a class", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models.TestModel { internal static class Helpers { } }", "a namespace", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models { public partial record TestModel { } }", "a record", " (User.cs, line 1)")] // partial, but not a class: CS0261
    // A partial class the generated one cannot join: CS0262, CS0418, CS8862 and CS9035 with no BG diagnostic.
    [InlineData("namespace BertGen.Models { internal partial class TestModel { } }", "an internal partial class (the generated class is public)", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models { public abstract partial class TestModel { } }", "an abstract partial class (the generated class is sealed)", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models { public partial class TestModel(int x) { public int X => x; } }", "a partial class with a primary constructor (the generated constructors do not call it)", " (User.cs, line 1)")]
    [InlineData("namespace BertGen.Models { public partial class TestModel { public required int Extra { get; init; } } }", "a partial class with a required member 'Extra' (the generated code creates the model without setting it)", " (User.cs, line 1)")]
    public void BG0024_TheProjectAlreadyHasTheModelsName(string user, string kind, string where)
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, user);
        Assert.Empty(result.GeneratedSources); // nothing generated, and the project's own code still compiles
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity == DiagnosticSeverity.Error));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0024", Path, 9, 17), (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal(
            $"Spec 'test.bert.json' produces the type 'BertGen.Models.TestModel', but the project already has {kind} of that name{where}; give the spec another 'bertgen.type_name' or 'bertgen.namespace'",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void BG0024_ANamespaceOfAReferencedAssembly()
    {
        (_, GeneratorRunResult result) = RunWithUserCode(ValidSpec.Replace("\"TestModel\"", "\"Linq\", \"namespace\": \"System\""), "class User { }");
        Assert.Empty(result.GeneratedSources);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0024", d.Id);
        Assert.StartsWith("Spec 'test.bert.json' produces the type 'System.Linq', but the project already has a namespace of that name (in the referenced assembly '",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A model whose namespace, or a namespace it lies in, is a type the project has built into CS0101 beside a class of
    /// its own code, or CS0435 (a warning, an error under warnings-as-errors) wherever the generated code named a referenced
    /// one, with no BG diagnostic. A type with type parameters, a file type or another assembly's internal type is another
    /// name there, and the model compiles beside it.
    /// </summary>
    [Theory]
    [InlineData("User.Placeholder", "namespace User { public static class Placeholder { } }", "a static class", "User.Placeholder", " (User.cs, line 1)")]
    [InlineData("User.Placeholder.Bert", "namespace User { public struct Placeholder { } }", "a struct", "User.Placeholder", " (User.cs, line 1)")]
    [InlineData("BertGen.Runtime.ParameterInfo", "class User { }", "a record", "BertGen.Runtime.ParameterInfo", " (in the referenced assembly 'BertGen.Runtime')")]
    public void BG0028_TheModelsNamespaceIsATypeOfTheProject(string ns, string user, string kind, string type, string where)
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec.Replace("\"TestModel\"", $"\"TestModel\", \"namespace\": \"{ns}\""), user);
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0028", Path, 9, 17), (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal(
            $"Spec 'test.bert.json' puts its model in the namespace '{ns}', but the project already has {kind} '{type}'{where}; C# cannot have a type and a namespace of one name, so give the spec another 'bertgen.namespace'",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("namespace User { public class Placeholder<T> { } }")]
    [InlineData("namespace User { file class Placeholder { } }")]
    public void ANamespaceNamedLikeAGenericOrFileTypeIsAnotherName(string user)
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec.Replace("\"TestModel\"", "\"TestModel\", \"namespace\": \"User.Placeholder\""), user);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void APartialClassOfTheModelsNameAddsToTheModel()
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, "namespace BertGen.Models { public partial class TestModel { public int Extra => HiddenSize; } }");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>
    /// A partial class of the model that declares a member the generated class declares too was CS0102 or CS0111 in the
    /// generated code, with no BG diagnostic.
    /// </summary>
    [Theory]
    [InlineData("public int Parameters;", "Parameters", 1)]
    [InlineData("public void Dispose() { }", "Dispose()", 1)]
    [InlineData("public void InitializeParameters(ulong seed) { }", "InitializeParameters(ulong)", 1)]
    [InlineData("\n  private static class ParameterOffset { }", "ParameterOffset", 2)]
    [InlineData("public string B2S16 => \"shape\";", "B2S16", 1)]
    [InlineData("public TestModel(BertGen.Runtime.Threading.ComputePool? pool) { }", "TestModel(ComputePool)", 1)]
    public void BG0025_ThePartialClassDeclaresAGeneratedMember(string member, string shown, int line)
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, "namespace BertGen.Models { public partial class TestModel { " + member + " } }");
        Assert.Empty(result.GeneratedSources); // nothing generated, and the project's own code still compiles
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity == DiagnosticSeverity.Error));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(("BG0025", Path, 9, 17), (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal(
            $"Spec 'test.bert.json' generates the member '{shown}' of 'BertGen.Models.TestModel', which the project's partial class of the model declares too (User.cs, line {line}); " +
            "rename the project's member, or give the spec another 'bertgen.type_name' or 'bertgen.namespace'",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Members of a partial class that C# joins to the generated one: an overload of a generated method, a partial class
    /// adding to a shape's pass, and names the generated class of this spec does not declare (an int8 or training member
    /// of a model without either).
    /// </summary>
    [Theory]
    [InlineData("public System.Span<float> Parameter(int index) => Parameters.AsSpan().Slice(index, 1);")]
    [InlineData("public partial class B2S16 { public int Extra => Tokens; }")]
    [InlineData("public int QuantizeWeights, Gradients, TrainingB2S16, B2S16Int8;")]
    [InlineData("public TestModel(int threads) : this(new BertGen.Runtime.Threading.ComputePool(threads)) { }")]
    [InlineData("public BertGen.Runtime.Inference.IForwardPass CreateForwardPass(int? batch, int? sequence) => CreateForwardPass(batch ?? 2, sequence ?? 16);")]
    public void APartialClassMemberTheGeneratedClassDoesNotDeclareIsTheProjects(string member)
    {
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, "namespace BertGen.Models { public partial class TestModel { " + member + " } }");
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void AFileLocalTypeOfTheModelsNameIsAnotherType()
    {
        // A file type is seen in its own file alone: the model compiles beside it (it was BG0024, "already has a class").
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, "namespace BertGen.Models { file class TestModel { } }");
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void AnInternalTypeOfAReferencedAssemblyIsNotTheProjects()
    {
        // The project cannot see it, so the compiler takes the model without CS0436: it was BG0024 ("a class … in the
        // referenced assembly 'Library'"). A public one of that name is the project's, and still refused.
        (Compilation output, GeneratorRunResult result) = RunWithUserCode(ValidSpec, "class User { }", Library("namespace BertGen.Models { internal class TestModel { } }"));
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(e => e.Severity >= DiagnosticSeverity.Warning));

        (_, GeneratorRunResult refused) = RunWithUserCode(ValidSpec, "class User { }", Library("namespace BertGen.Models { public class TestModel { } }"));
        Assert.Equal(
            "Spec 'test.bert.json' produces the type 'BertGen.Models.TestModel', but the project already has a class of that name (in the referenced assembly 'Library'); give the spec another 'bertgen.type_name' or 'bertgen.namespace'",
            Assert.Single(refused.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static MetadataReference Library(string code)
    {
        CSharpCompilation library = CSharpCompilation.Create("Library", new[] { CSharpSyntaxTree.ParseText(code, GeneratorHarness.ParseOptions) },
            Basic.Reference.Assemblies.Net100.References.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new System.IO.MemoryStream();
        Assert.True(library.Emit(image).Success);
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    private static (Compilation Output, GeneratorRunResult Result) RunWithUserCode(string spec, string user, params MetadataReference[] references)
    {
        CSharpCompilation input = GeneratorHarness.CreateCompilation().AddReferences(references).AddSyntaxTrees(
            Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(user, GeneratorHarness.ParseOptions, path: "/project/User.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new[] { GeneratorHarness.Spec(Path, spec) }).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return (output, result);
    }

    private static void AssertSingle(string spec, string id, int line, int column, string message) =>
        AssertSingle(spec, id, DiagnosticSeverity.Error, line, column, message);

    // A warning leaves the model generated; an error generates nothing.
    private static void AssertSingleWarning(string spec, string id, int line, int column, string message) =>
        AssertSingle(spec, id, DiagnosticSeverity.Warning, line, column, message);

    private static void AssertSingle(string spec, string id, DiagnosticSeverity severity, int line, int column, string message)
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception); // a generator exception would surface as CS8785
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(severity, d.Severity);
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal(Path, span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        Assert.Equal(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        if (severity == DiagnosticSeverity.Error)
        {
            Assert.Empty(result.GeneratedSources);
        }
        else
        {
            Assert.NotEmpty(result.GeneratedSources);
        }
    }

    // A spec whose text throws when read: stands for any bug inside the parser.
    private sealed class UnreadableSpec : AdditionalText
    {
        public UnreadableSpec(string path) => Path = path;

        public override string Path { get; }

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => new ThrowingText();
    }

    private sealed class ThrowingText : Microsoft.CodeAnalysis.Text.SourceText
    {
        public override char this[int position] => throw new System.InvalidOperationException("this text cannot be read");

        public override System.Text.Encoding? Encoding => null;

        public override int Length => 10;

        public override void CopyTo(int sourceIndex, char[] destination, int destinationIndex, int count) =>
            throw new System.InvalidOperationException("this text cannot be read");
    }
}
