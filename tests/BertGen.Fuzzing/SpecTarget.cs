using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using Basic.Reference.Assemblies;
using BertGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged specs through the generator, in-process as the compiler runs it: byte damage, JSON values swapped for
/// other types and odd numbers, fields deleted or misspelt, names that are not identifiers, nesting. No exception may
/// escape the generator (the compiler turns one into warning CS8785 and a build with no model); a broken spec must be
/// refused with a BG error and nothing generated; a spec it accepts must generate code that compiles. Equivalent edits
/// (whitespace, key order) must generate exactly the undamaged spec's code. Cases that hit issue 15 items 1–5 are set
/// aside (<see cref="KnownGeneratorGaps"/>).
/// </summary>
public sealed class SpecTarget : IFuzzTarget
{
    /// <summary>The answer of an accepted spec whose generated code compiles.</summary>
    public const string Compiles = "generated code that compiles";

    /// <summary>The answer of an accepted spec whose generated code is the undamaged spec's.</summary>
    public const string Identical = "the undamaged spec's generated code";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly string[] Seeds =
    [
        """
        {
          "vocab_size": 120, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
          "hidden_act": "gelu", "max_position_embeddings": 32, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
          "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "pad_token_id": 0,
          "bertgen": { "type_name": "FuzzEncoder", "namespace": "Fuzz.Models", "shapes": [{ "batch": 1, "sequence": 8 }, { "batch": 2, "sequence": 16 }] }
        }
        """,
        """
        {
          "vocab_size": 90, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
          "hidden_act": "gelu_new", "max_position_embeddings": 16, "num_labels": 3, "id2label": { "0": "a", "1": "b", "2": "c" },
          "problem_type": "single_label_classification", "model_type": "bert",
          "bertgen": { "type_name": "FuzzClassifier", "shapes": [{ "batch": 2, "sequence": 8 }], "heads": ["sequence_classification"], "training": true }
        }
        """,
        """
        {
          "vocab_size": 64, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
          "hidden_act": "relu", "max_position_embeddings": 16,
          "bertgen": { "type_name": "FuzzPretraining", "shapes": [{ "batch": 2, "sequence": 8 }], "heads": ["pretraining"], "training": true, "max_predictions_per_seq": 3 }
        }
        """,
    ];

    private static readonly JsonNode?[] OddValues =
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(1), JsonValue.Create(3), JsonValue.Create(7), JsonValue.Create(0.5),
        JsonValue.Create(1e-3), JsonValue.Create(-0.25), JsonValue.Create(1.5e2), JsonValue.Create(true), JsonValue.Create(false), null,
        JsonValue.Create("x"), JsonValue.Create(""), JsonValue.Create("gelu_new"), JsonValue.Create("relu"), JsonValue.Create("silu"),
        JsonValue.Create("pretraining"), JsonValue.Create("1abc"), JsonValue.Create("class"), JsonValue.Create("a-b"), JsonValue.Create("A.B.C"),
        JsonValue.Create("\u001b[2J"),
    ];

    private readonly string[] _seedOutputs;
    private readonly ConcurrentDictionary<string, string> _compiled = new(StringComparer.Ordinal);
    private readonly MetadataReference[] _references =
        [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(BertGen.Runtime.ParameterInfo).Assembly.Location)];

    public SpecTarget()
    {
        _seedOutputs = Seeds.Select(s => Generate(Encoding.UTF8.GetBytes(s)).Output ?? throw new InvalidOperationException("an undamaged fuzz spec does not generate")).ToArray();
    }

    public string Family => "spec";

    /// <summary>Cases set aside as known generator gaps by the last <see cref="Cases"/> enumeration.</summary>
    public List<FuzzCase> SetAside { get; } = [];

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        SetAside.Clear();
        for (int i = 0; i < count; i++)
        {
            int which = random.Next(Seeds.Length);
            byte[] spec = Encoding.UTF8.GetBytes(Seeds[which]);
            (string mutation, byte[] bytes, bool equivalent) = random.Next(10) switch
            {
                < 3 => Damaged(ByteMutations.Any(spec, random)),
                < 6 => ValueEdit(Seeds[which], random),
                6 => FieldEdit(Seeds[which], random),
                7 => Nesting(Seeds[which], random),
                8 => Equivalent(Seeds[which], random),
                _ => Hostile(Seeds[which], random),
            };
            var fuzzCase = new FuzzCase(Family, $"seed {which}: {mutation}", bytes,
                equivalent ? FuzzExpectation.Accept(Identical) : new FuzzExpectation(MayReject: true, Compiles), which.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!KnownGeneratorGaps.Enabled && KnownGeneratorGaps.Classify(bytes) is string gap)
            {
                SetAside.Add(fuzzCase with { Mutation = $"{fuzzCase.Mutation} [{gap}]" });
                continue;
            }

            yield return fuzzCase;
        }
    }

    /// <summary>A case of this family from spec bytes written by hand (the regression specs of issue 15 items 1–5).</summary>
    public FuzzCase Case(string mutation, byte[] spec, FuzzExpectation expected) => new(Family, mutation, spec, expected, "0");

    /// <summary>Generates the case's spec: the diagnostic that refused it, or whether its code is the undamaged spec's or compiles.</summary>
    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        (string? output, string? diagnostic, Compilation? compilation) = Generate(fuzzCase.Bytes);
        if (diagnostic is not null)
        {
            return FuzzOutcome.Diagnosed(diagnostic);
        }

        if (output == _seedOutputs[int.Parse(fuzzCase.Part!, System.Globalization.CultureInfo.InvariantCulture)])
        {
            return FuzzOutcome.Accepted(fuzzCase.Expected.Answer == Identical ? Identical : Compiles);
        }

        if (fuzzCase.Expected.Answer == Identical)
        {
            return FuzzOutcome.Accepted("different generated code");
        }

        // Distinct generated code is compiled once; many damaged specs generate the same model.
        return FuzzOutcome.Accepted(_compiled.GetOrAdd(Digest.Of(output!), _ => CompileErrors(compilation!)));
    }

    /// <summary>The first error the generator reports for <paramref name="spec"/> (<c>BG0004: …</c>), or null when it generates code.</summary>
    public string? ErrorOf(byte[] spec) => Generate(spec).Diagnostic;

    /// <summary>Runs the generator on one spec: its generated text, or the diagnostic that refused it.</summary>
    private (string? Output, string? Diagnostic, Compilation? Compilation) Generate(byte[] spec)
    {
        CSharpCompilation input = CSharpCompilation.Create(
            "FuzzSpecs",
            [CSharpSyntaxTree.ParseText("namespace User { internal static class Placeholder { } }", ParseOptions)],
            _references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new BertGenerator().AsSourceGenerator()],
            additionalTexts: [new SpecText("/fuzz/model.bert.json", SourceText.From(spec, spec.Length, Encoding.UTF8, canBeEmbedded: false))],
            parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is Exception escaped)
        {
            throw new GeneratorEscapeException($"an exception escaped the generator (the compiler's CS8785): {escaped.GetType().Name}: {escaped.Message}", escaped);
        }

        Diagnostic? error = diagnostics.Concat(result.Diagnostics).FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (error is not null)
        {
            if (result.GeneratedSources.Length > 0)
            {
                throw new GeneratorEscapeException($"{error.Id} was reported but code was generated anyway");
            }

            return (null, $"{error.Id}: {error.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}", null);
        }

        if (result.GeneratedSources.Length == 0)
        {
            throw new GeneratorEscapeException("no diagnostic and no generated code: a spec silently ignored");
        }

        string text = string.Join("\n", result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText));
        return (text, null, output);
    }

    private static string CompileErrors(Compilation compilation)
    {
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).ToArray();
        return errors.Length == 0 ? Compiles : "generated code that does not compile: " + string.Join("; ", errors.Select(e => $"{e.Id} {e.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    private static (string, byte[], bool) Damaged((string Mutation, byte[] Bytes) damaged) => (damaged.Mutation, damaged.Bytes, false);

    private static (string, byte[], bool) Written(string mutation, JsonNode root, bool equivalent = false) =>
        (mutation, Encoding.UTF8.GetBytes(root.ToJsonString()), equivalent);

    /// <summary>Every (parent, key or index) holding a value, for edits anywhere in the document.</summary>
    private static List<(JsonNode Parent, string Path, Action<JsonNode?> Set)> Slots(JsonNode root)
    {
        var slots = new List<(JsonNode, string, Action<JsonNode?>)>();
        void Visit(JsonNode node, string path)
        {
            if (node is JsonObject obj)
            {
                foreach (string key in obj.Select(p => p.Key).ToList())
                {
                    slots.Add((obj, path + "." + key, v => obj[key] = v));
                    if (obj[key] is JsonNode child)
                    {
                        Visit(child, path + "." + key);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    int at = i;
                    slots.Add((array, $"{path}[{at}]", v => array[at] = v));
                    if (array[at] is JsonNode child)
                    {
                        Visit(child, $"{path}[{at}]");
                    }
                }
            }
        }

        Visit(root, "");
        return slots;
    }

    private static (string, byte[], bool) ValueEdit(string seed, FuzzRandom random)
    {
        JsonNode root = JsonNode.Parse(seed)!;
        List<(JsonNode Parent, string Path, Action<JsonNode?> Set)> slots = Slots(root);
        (_, string path, Action<JsonNode?> set) = random.Pick(slots);
        JsonNode? value = random.Pick(OddValues)?.DeepClone();
        set(value);
        return Written($"{path} = {value?.ToJsonString() ?? "null"}", root);
    }

    private static (string, byte[], bool) FieldEdit(string seed, FuzzRandom random)
    {
        var root = (JsonObject)JsonNode.Parse(seed)!;
        var bertgen = (JsonObject)root["bertgen"]!;
        JsonObject target = random.Next(2) == 0 ? root : bertgen;
        string[] keys = target.Select(p => p.Key).ToArray();
        switch (random.Next(3))
        {
            case 0:
                string removed = random.Pick(keys);
                target.Remove(removed);
                return Written($"{removed} deleted", root);
            case 1:
                string misspelt = random.Pick(["hidden_dropout_prb", "layer_norm_epsilon", "num_hidden_layer", "shape", "head", "trainig", "typename"]);
                target[misspelt] = 1;
                return Written($"unknown field {misspelt}", root);
            default:
                // A whole section of the wrong type.
                string key = random.Pick(keys);
                target[key] = random.Next(2) == 0 ? new JsonArray(1, 2) : new JsonObject { ["x"] = 1 };
                return Written($"{key} replaced by a container", root);
        }
    }

    private static (string, byte[], bool) Nesting(string seed, FuzzRandom random)
    {
        int depth = random.Pick([2, 10, 60, 65, 1000, 50_000]);
        string field = random.Pick(["vocab_size", "bertgen", "shapes", "heads"]);
        string nested = new string('[', depth) + "1" + new string(']', depth);
        string text = field switch
        {
            "bertgen" => seed.Replace("\"bertgen\": {", "\"bertgen\": { \"deep\": " + nested + ",", StringComparison.Ordinal),
            "shapes" => seed.Replace("\"shapes\": [", "\"shapes\": [" + nested + ",", StringComparison.Ordinal),
            "heads" => seed.Contains("\"heads\"", StringComparison.Ordinal)
                ? seed.Replace("\"heads\": [", "\"heads\": [" + nested + ",", StringComparison.Ordinal)
                : seed.Replace("\"bertgen\": {", "\"bertgen\": { \"heads\": " + nested + ",", StringComparison.Ordinal),
            _ => seed.Replace("\"vocab_size\": ", "\"vocab_size\": " + nested + ", \"was\": ", StringComparison.Ordinal),
        };
        return ($"{field} holds arrays nested {depth} deep", Encoding.UTF8.GetBytes(text), false);
    }

    private static (string, byte[], bool) Equivalent(string seed, FuzzRandom random)
    {
        JsonNode root = JsonNode.Parse(seed)!;
        if (random.Next(2) == 0)
        {
            return Written("written without whitespace", root, equivalent: true);
        }

        var obj = (JsonObject)root;
        var reordered = new JsonObject();
        foreach (KeyValuePair<string, JsonNode?> p in obj.OrderBy(_ => random.Next(1000)).ToList())
        {
            obj.Remove(p.Key);
            reordered[p.Key] = p.Value;
        }

        return Written("fields reordered", reordered, equivalent: true);
    }

    /// <summary>Huge numbers, duplicate keys and odd names: mostly issue 15 items 2–5, set aside until generator/ bounds them.</summary>
    private static (string, byte[], bool) Hostile(string seed, FuzzRandom random)
    {
        switch (random.Next(4))
        {
            case 0:
            {
                JsonNode root = JsonNode.Parse(seed)!;
                (_, string path, Action<JsonNode?> set) = random.Pick(Slots(root).Where(s => s.Path.EndsWith("_size", StringComparison.Ordinal) || s.Path.EndsWith("layers", StringComparison.Ordinal) || s.Path.EndsWith("batch", StringComparison.Ordinal) || s.Path.EndsWith("sequence", StringComparison.Ordinal)).ToList());
                JsonNode value = random.Pick<JsonNode>([JsonValue.Create(1000), JsonValue.Create(2147483647), JsonValue.Create(2147483648L), JsonValue.Create(1L << 40), JsonValue.Create(4194304), JsonValue.Create(1e300)]);
                set(value);
                return Written($"{path} = {value.ToJsonString()}", root);
            }

            case 1:
                return ("a key twice", Encoding.UTF8.GetBytes(seed.Replace("\"hidden_size\": ", "\"hidden_size\": 8, \"hidden_size\": ", StringComparison.Ordinal)), false);
            case 2:
            {
                JsonNode root = JsonNode.Parse(seed)!;
                string name = random.Pick(["Fuzz\u200BEncoder", "Fuzz\u202EEncoder", new string('A', 600), "Ünïcödé"]);
                root["bertgen"]!["type_name"] = name;
                return Written($"type_name of {name.Length} characters with non-ASCII or a great length", root);
            }

            default:
            {
                JsonNode root = JsonNode.Parse(seed)!;
                var shapes = new JsonArray(Enumerable.Range(1, 40).Select(i => (JsonNode?)new JsonObject { ["batch"] = 1, ["sequence"] = i }).ToArray());
                root["bertgen"]!["shapes"] = shapes;
                return Written("40 shapes", root);
            }
        }
    }

    /// <summary>A spec file as MSBuild hands it to the generator.</summary>
    private sealed class SpecText(string path, SourceText text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => text;
    }
}

/// <summary>The generator broke its contract: an exception escaped it, or it generated code for a spec it refused, or ignored a spec silently.</summary>
public sealed class GeneratorEscapeException : Exception
{
    public GeneratorEscapeException(string message)
        : base(message)
    {
    }

    public GeneratorEscapeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
