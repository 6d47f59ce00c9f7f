using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using BertGen.Cli;

namespace BertGen.Fuzzing;

/// <summary>
/// <c>bertgen spec</c> over damaged <c>config.json</c> files: fields set to odd numbers and other types (sizes at and past
/// the generator's bounds, probabilities at 1, nulls, objects), deleted, given twice, and byte damage. The command must
/// refuse in one line, or write a spec the generator accepts: a spec it wrote that the build then refused (with a BG
/// error) is the failure. The oracle is the generator itself, in-process as the compiler runs it (<see cref="SpecTarget"/>),
/// which shares no code with the command's reading of the config.
/// </summary>
public sealed class SpecCommandTarget : IFuzzTarget, IDisposable
{
    /// <summary>The answer of a config the command wrote a spec for that the generator accepts.</summary>
    public const string GeneratorAccepts = "a spec the generator accepts";

    private const string Encoder = """
        {
          "architectures": ["BertModel"], "model_type": "bert", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": 64, "type_vocab_size": 2,
          "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
          "pad_token_id": 0, "position_embedding_type": "absolute", "is_decoder": false, "transformers_version": "4.8.2"
        }
        """;

    private static readonly string[] Seeds =
    [
        Encoder,
        Encoder.Replace("\"BertModel\"", "\"BertForSequenceClassification\"", StringComparison.Ordinal)
            .Replace("\"is_decoder\": false", "\"id2label\": { \"0\": \"neg\", \"1\": \"pos\" }, \"label2id\": { \"neg\": 0, \"pos\": 1 }, \"problem_type\": \"single_label_classification\"", StringComparison.Ordinal),
        Encoder.Replace("\"BertModel\"", "\"BertForMaskedLM\"", StringComparison.Ordinal),
        Encoder.Replace("\"BertModel\"", "\"BertForTokenClassification\"", StringComparison.Ordinal).Replace("\"is_decoder\": false", "\"num_labels\": 5", StringComparison.Ordinal),
    ];

    private static readonly string[] Fields =
    [
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "initializer_range", "pad_token_id", "num_labels", "id2label", "problem_type", "model_type", "position_embedding_type",
        "is_decoder", "add_cross_attention", "architectures",
    ];

    /// <summary>Raw JSON: the generator's bounds and one past them, int32's edges, floats that round to 0 or 1, other types.</summary>
    private static readonly string[] OddValues =
    [
        "-1", "0", "1", "2", "3", "4", "7", "0.5", "1.5", "1e-50", "2e-45", "0.99999999999", "1e400", "16", "100", "1024", "1025",
        "16384", "16385", "65536", "65537", "1048576", "1048577", "2147483647", "2147483648", "1e12", "true", "false", "null",
        "\"x\"", "\"\"", "\"gelu_new\"", "\"tanh\"", "\"regression\"", "\"bert\"", "{}", "[]", "[\"BertForMaskedLM\"]", "[5]",
        "{\"0\": \"a\"}", "{\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}", "{\"0\": \"a\", \"2\": \"b\"}", "{\"0\": 7}",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-spec-command-" + Guid.NewGuid().ToString("N"));
    private readonly SpecTarget _generator = new();
    private int _runs;

    public string Family => "spec command";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            int which = random.Next(Seeds.Length);
            (string mutation, byte[] bytes) = random.Next(10) switch
            {
                < 5 => ValueEdits(Seeds[which], random, 1),
                < 7 => ValueEdits(Seeds[which], random, 2),
                7 => Deleted(Seeds[which], random),
                8 => Repeated(Seeds[which], random),
                _ => ByteMutations.Any(Encoding.UTF8.GetBytes(Seeds[which]), random),
            };
            yield return new FuzzCase(Family, $"seed {which}: {mutation}", bytes, new FuzzExpectation(MayReject: true, GeneratorAccepts));
        }
    }

    /// <summary>Runs <c>bertgen spec</c> on the case's config; a spec it writes goes through the generator.</summary>
    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        (CliRun run, byte[]? spec) = WriteSpec(fuzzCase.Bytes);
        if (spec is null)
        {
            return FuzzOutcome.Failed(run);
        }

        return FuzzOutcome.Accepted(_generator.ErrorOf(spec) is string refused
            ? $"a spec the generator refuses ({refused})"
            : GeneratorAccepts);
    }

    /// <summary><c>bertgen spec</c> on a folder holding only <paramref name="config"/>: the run, and the spec it wrote (null when it refused).</summary>
    public (CliRun Run, byte[]? Spec) WriteSpec(byte[] config)
    {
        string folder = Path.Combine(_root, Interlocked.Increment(ref _runs).ToString(System.Globalization.CultureInfo.InvariantCulture), "fuzz-model");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "config.json"), config);
        string spec = Path.Combine(_root, Path.GetFileName(Path.GetDirectoryName(folder))! + ".bert.json");

        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(output, error, () => new MemoryStream(), InputIsRedirected: false, ErrorIsTerminal: false, OutputIsTerminal: false);
        int code = BertGenCli.Run(["spec", folder, "--output", spec], console);
        var run = new CliRun(code, output.ToString(), error.ToString());
        return (run, code == 0 ? File.ReadAllBytes(spec) : null);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static (string, byte[]) ValueEdits(string seed, FuzzRandom random, int edits)
    {
        var root = (JsonObject)JsonNode.Parse(seed)!;
        var done = new List<string>();
        for (int i = 0; i < edits; i++)
        {
            string field = random.Pick(Fields);
            string value = random.Pick(OddValues);
            root[field] = JsonNode.Parse(value);
            done.Add($"{field} = {value}");
        }

        return (string.Join(", ", done), Encoding.UTF8.GetBytes(root.ToJsonString()));
    }

    private static (string, byte[]) Deleted(string seed, FuzzRandom random)
    {
        var root = (JsonObject)JsonNode.Parse(seed)!;
        string field = random.Pick(root.Select(p => p.Key).ToArray());
        root.Remove(field);
        return ($"{field} deleted", Encoding.UTF8.GetBytes(root.ToJsonString()));
    }

    // A key given twice: readers disagree on which one counts, so the generator refuses it (BG0016).
    private static (string, byte[]) Repeated(string seed, FuzzRandom random)
    {
        string field = random.Pick(Fields.Where(f => seed.Contains($"\"{f}\"", StringComparison.Ordinal)).ToArray());
        string value = random.Pick(OddValues);
        return ($"{field} given again as {value}", Encoding.UTF8.GetBytes($"{{ \"{field}\": {value}," + seed[1..]));
    }
}
