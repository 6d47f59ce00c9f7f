using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using BertGen.Cli;
using BertGen.Cli.Tests.Serving;

namespace BertGen.Fuzzing;

/// <summary>
/// HuggingFace model folders under <c>bertgen embed --model-dir</c>: all-MiniLM-L6-v2 written as sentence-transformers
/// leaves it (the packaged weights as <c>model.safetensors</c>, <c>config.json</c>, <c>tokenizer.json</c> or, in the
/// slow variant, <c>vocab.txt</c> with <c>tokenizer_config.json</c>, <c>modules.json</c>, <c>1_Pooling/config.json</c>,
/// <c>sentence_bert_config.json</c>), with ONE thing damaged per case: a JSON field removed, retyped, set out of range or
/// to an unknown name, or an unknown field added; a file removed, emptied, cut or replaced by a folder; JSON bytes
/// damaged; vocabulary lines dropped, repeated or swapped; the safetensors header damaged or the file cut. Each case is
/// one whole in-process run. The oracle is the folder's documented reading (models/README.md "HuggingFace model
/// folders") and BertConfig's defaults, not the reader's code: a field a required value is missing from, or a value of
/// the wrong kind, is refused; an edit that cannot change the answer (a default-valued field removed, an unknown field,
/// a file the run does not read) gives exactly the undamaged folder's output; an edit that is valid but may change the
/// answer (CLS pooling, a token limit that cuts the sample text, another tokenizer) is only held to the error contract.
/// </summary>
public sealed class ModelFolderTarget : IFuzzTarget, IDisposable
{
    private const string Text = "This is an example sentence";
    private const string FolderName = "all-MiniLM-L6-v2";
    private const string Weights = "model.safetensors";
    private const string Config = "config.json";
    private const string Pooling = "1_Pooling/config.json";
    private const string Modules = "modules.json";
    private const string Settings = "sentence_bert_config.json";
    private const string TokenizerSettings = "tokenizer_config.json";
    private const string FastTokenizer = "tokenizer.json";
    private const string Vocabulary = "vocab.txt";

    /// <summary>sentence-transformers' own modules.json for all-MiniLM-L6-v2.</summary>
    private const string ModulesJson = """
        [
          {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
          {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
          {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
        ]
        """;

    /// <summary>Fields BertGen reads from config.json; every other one is ignored, as by transformers' BertModel.</summary>
    private static readonly string[] RequiredConfigFields = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"];

    /// <summary>Read fields whose absence is BertConfig's default, which is MiniLM's own value.</summary>
    private static readonly string[] DefaultedConfigFields =
        ["hidden_act", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "model_type", "position_embedding_type", "architectures"];

    private static readonly string[] JsonFiles = [Config, Pooling, Modules, Settings, TokenizerSettings];

    private static readonly string[] AllFiles = [Config, Weights, FastTokenizer, Vocabulary, TokenizerSettings, Modules, Pooling, Settings];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-folder-" + Guid.NewGuid().ToString("N"));
    private readonly string _base;
    private readonly string _undamaged;
    private readonly int _headerEnd;
    private int _run;

    public ModelFolderTarget()
    {
        _base = Path.Combine(_root, "base", FolderName);
        HuggingFaceFolder.WriteMiniLm(_base);
        File.WriteAllText(Path.Combine(_base, Modules), ModulesJson);
        Directory.CreateDirectory(Path.Combine(_base, "2_Normalize"));
        using (FileStream weights = File.OpenRead(Path.Combine(_base, Weights)))
        {
            byte[] length = new byte[8];
            weights.ReadExactly(length);
            _headerEnd = checked(8 + (int)BitConverter.ToUInt64(length));
        }

        // Both tokenizer files give the same ids (ModelFolderTests), so both variants give one answer.
        _undamaged = Undamaged(slow: false);
        string slow = Undamaged(slow: true);
        if (slow != _undamaged)
        {
            throw new InvalidOperationException("the undamaged folder embeds differently through vocab.txt than through tokenizer.json");
        }
    }

    public string Family => "model folder";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            // The slow variant (vocab.txt and tokenizer_config.json's flags, no tokenizer.json) in one case of three.
            bool slow = random.Next(3) == 0;
            Damage damage = random.Next(10) switch
            {
                < 4 => FieldDamage(random, slow),
                4 or 5 => FileDamage(random, slow),
                6 => JsonByteDamage(random, slow),
                7 => slow ? VocabularyDamage(random) : JsonByteDamage(random, slow),
                _ => WeightsDamage(random),
            };
            string variant = slow ? "vocab.txt folder" : "tokenizer.json folder";
            yield return new FuzzCase(Family, $"{variant}: {damage.Mutation}", damage.Bytes, damage.Expected, $"{(slow ? "slow" : "fast")}|{damage.Action}|{damage.File}");
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string[] part = fuzzCase.Part!.Split('|');
        string caseFolder = Path.Combine(_root, "case-" + Interlocked.Increment(ref _run));
        string folder = Path.Combine(caseFolder, FolderName);
        try
        {
            Build(folder, slow: part[0] == "slow");
            string file = Path.Combine(folder, part[2]);
            string action = part[1];
            // The weights are a link to the undamaged file: it is removed, never written through.
            if (File.Exists(file))
            {
                File.Delete(file);
            }

            switch (action.Split(':')[0])
            {
                case "write":
                    File.WriteAllBytes(file, fuzzCase.Bytes);
                    break;
                case "folder":
                    Directory.CreateDirectory(file);
                    break;
                case "prefix":
                    // The damaged header, then the undamaged file from the header's old end on (or from byte 0 for a cut).
                    int from = int.Parse(action.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                    using (FileStream output = File.Create(file))
                    using (FileStream source = File.OpenRead(Path.Combine(_base, part[2])))
                    {
                        output.Write(fuzzCase.Bytes);
                        source.Position = from;
                        source.CopyTo(output);
                    }

                    break;
                case "cut":
                    int length = int.Parse(action.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                    using (FileStream output = File.Create(file))
                    using (FileStream source = File.OpenRead(Path.Combine(_base, part[2])))
                    {
                        CopyPrefix(source, output, length);
                    }

                    break;
                default:
                    break; // "remove": deleted above
            }

            CliRun run = CliTarget.InvokeInProcess(["embed", "--model-dir", folder, Text]);
            return run.ExitCode == 0 ? FuzzOutcome.Accepted(run.Output) : FuzzOutcome.Failed(run);
        }
        finally
        {
            Directory.Delete(caseFolder, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Undamaged(bool slow)
    {
        string folder = Path.Combine(_root, (slow ? "slow-" : "fast-") + "undamaged", FolderName);
        Build(folder, slow);
        CliRun run = CliTarget.InvokeInProcess(["embed", "--model-dir", folder, Text]);
        return run.ExitCode == 0 && run.Output.Length > 0 ? run.Output : throw new InvalidOperationException($"the undamaged {(slow ? "vocab.txt" : "tokenizer.json")} folder failed: {run.Error}");
    }

    /// <summary>A copy of the undamaged folder (the weights linked, not copied); the slow variant without tokenizer.json.</summary>
    private void Build(string folder, bool slow)
    {
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));
        foreach (string file in AllFiles.Where(f => f != Weights && !(slow && f == FastTokenizer)))
        {
            File.Copy(Path.Combine(_base, file), Path.Combine(folder, file));
        }

        File.CreateSymbolicLink(Path.Combine(folder, Weights), Path.Combine(_base, Weights));
    }

    private static void CopyPrefix(Stream source, Stream output, int length)
    {
        byte[] buffer = new byte[1 << 20];
        while (length > 0)
        {
            int read = source.Read(buffer, 0, Math.Min(buffer.Length, length));
            output.Write(buffer, 0, read);
            length -= read;
        }
    }

    private byte[] Read(string file) => File.ReadAllBytes(Path.Combine(_base, file));

    /// <summary>One JSON field of one settings file removed, retyped, set to an odd value or an unknown name, or one unknown field added.</summary>
    private Damage FieldDamage(FuzzRandom random, bool slow)
    {
        string file = random.Pick(JsonFiles);
        if (file == Modules)
        {
            return ModulesDamage(random);
        }

        JsonObject json = JsonNode.Parse(Read(file))!.AsObject();
        string[] fields = json.Select(p => p.Key).ToArray();
        int kind = random.Next(4);
        string field = kind == 3 ? random.Pick(["fuzz_extra_field", "_fuzz", "pooling_mode", "is_decoder", "do_lower_case"]) : random.Pick(fields);
        JsonNode? original = json[field]?.DeepClone();
        JsonNode? value;
        string mutation;
        switch (kind)
        {
            case 0:
                json.Remove(field);
                mutation = $"{file}: \"{field}\" removed";
                value = null;
                break;
            case 1:
                value = Retyped(random, json[field]);
                mutation = $"{file}: \"{field}\" retyped to {Show(value)}";
                json[field] = value;
                break;
            default:
                value = OddValue(random, field);
                mutation = $"{file}: \"{field}\" set to {Show(value)}";
                json[field] = value;
                break;
        }

        FuzzExpectation expected = kind == 0 ? Removed(file, field)
            : json.ContainsKey(field) && original is not null == value is not null && Show(original) == Show(value) && fields.Contains(field) ? FuzzExpectation.Accept(_undamaged)
            : Set(file, field, value, slow);
        return new Damage(mutation, Encoding.UTF8.GetBytes(json.ToJsonString()), expected, "write", file);
    }

    /// <summary>What removing <paramref name="field"/> may do: required fields are refused; every other field is a default equal to MiniLM's value, or unread.</summary>
    private FuzzExpectation Removed(string file, string field) => (file, field) switch
    {
        (Config, _) when RequiredConfigFields.Contains(field) => FuzzExpectation.Reject,
        (Config, _) => FuzzExpectation.Accept(_undamaged),
        // A pooling flag left out takes sentence-transformers' default: the mean on (MiniLM's only one), every other off.
        (Pooling, _) => FuzzExpectation.Accept(_undamaged),

        // max_seq_length falls back to tokenizer_config.json's model_max_length (512), and the sample is 7 tokens.
        (Settings, _) => FuzzExpectation.Accept(_undamaged),

        // tokenizer_config.json's flags default to MiniLM's (true, null, true), in both folders (transformers' BertTokenizerFast
        // takes them over tokenizer.json's normaliser); tokenizer_class defaults to BERT's.
        _ => FuzzExpectation.Accept(_undamaged),
    };

    /// <summary>What setting <paramref name="field"/> to <paramref name="value"/> may do, from the documented reading of each file.</summary>
    private FuzzExpectation Set(string file, string field, JsonNode? value, bool slow)
    {
        FuzzExpectation same = FuzzExpectation.Accept(_undamaged);
        bool isNull = value is null;
        bool? flag = value is JsonValue v && v.TryGetValue(out bool b) ? b : null;
        double? number = value is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(n.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : null;
        string? text = value is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String ? s.GetValue<string>() : null;
        switch (file)
        {
            case Config:
                if (field is "is_decoder" or "add_cross_attention")
                {
                    return flag == false ? same : FuzzExpectation.Reject;
                }

                if (field == "architectures")
                {
                    // null is "no list" (BertModel); another class runs another head or none at all.
                    return isNull ? same : FuzzExpectation.RejectOrSame(_undamaged);
                }

                // Every other read field set to anything but its own value is another model (or no model): none is compiled.
                return RequiredConfigFields.Contains(field) || DefaultedConfigFields.Contains(field) ? FuzzExpectation.Reject : same;
            case Pooling:
                if (field == "pooling_mode")
                {
                    // sentence-transformers lowercases the name ("CLS" is cls); refusing such a hand-edited value is allowed.
                    return isNull || text == "mean" ? same
                        : text?.ToLowerInvariant() is "cls" ? FuzzExpectation.RejectOrAny
                        : text?.ToLowerInvariant() is "mean" ? FuzzExpectation.RejectOrSame(_undamaged)
                        : FuzzExpectation.Reject;
                }

                if (field.StartsWith("pooling_mode_", StringComparison.Ordinal))
                {
                    bool meanOnly = field == "pooling_mode_mean_tokens" ? flag == true : flag == false || isNull;
                    return meanOnly ? same : FuzzExpectation.Reject;
                }

                return same;
            case Settings:
                if (field == "max_seq_length")
                {
                    // A whole number of 7 or more keeps the 7-token sample whole (past 512 it is the position table, 512).
                    return isNull ? same
                        : number is double limit && limit == Math.Floor(limit) && limit >= 3 ? (limit >= 7 ? same : FuzzExpectation.RejectOrAny)
                        : FuzzExpectation.Reject;
                }

                if (field == "do_lower_case")
                {
                    return isNull || flag is not null ? same : FuzzExpectation.Reject;
                }

                return same;
            default:
                if (field == "tokenizer_class")
                {
                    // transformers' AutoTokenizer builds the class named: BERT's, or another tokenizer BertGen does not run.
                    return isNull || text is "BertTokenizer" or "BertTokenizerFast" ? same : FuzzExpectation.Reject;
                }

                if (field is "model_max_length" or "fuzz_extra_field" or "_fuzz" or "pooling_mode" or "is_decoder")
                {
                    return same;
                }

                // The tokenizer's flags: true/false or null, else refused. Beside tokenizer.json (lowercasing, accents stripped as
                // lowercasing says, CJK split) transformers applies them in its place and TEI does not, so a value that
                // disagrees is refused; for vocab.txt they are the tokenizer's (do_lower_case false keeps the sample's capital T,
                // which has no accent or CJK character).
                if (isNull)
                {
                    return same;
                }

                if (flag is null)
                {
                    return FuzzExpectation.Reject;
                }

                return !slow ? (flag == true ? same : FuzzExpectation.Reject)
                    : field == "do_lower_case" && flag == false ? FuzzExpectation.RejectOrAny
                    : same;
        }
    }

    /// <summary>modules.json: a module removed, added, repeated, or one of its fields removed or changed.</summary>
    private Damage ModulesDamage(FuzzRandom random)
    {
        JsonArray modules = JsonNode.Parse(Read(Modules))!.AsArray();
        FuzzExpectation same = FuzzExpectation.Accept(_undamaged);
        int at = random.Next(modules.Count);
        string name = modules[at]!["type"]!.GetValue<string>().Split('.')[^1];
        string mutation;
        FuzzExpectation expected;
        switch (random.Next(6))
        {
            case 0:
                modules.RemoveAt(at);
                mutation = $"module {name} removed";

                // Without the Pooling module there is no sentence embedding; without Transformer or Normalize BertGen runs as before.
                expected = name == "Pooling" ? FuzzExpectation.Reject : FuzzExpectation.RejectOrSame(_undamaged);
                break;
            case 1:
                modules.Add(JsonNode.Parse("""{"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}"""));
                mutation = "a Dense module added";
                expected = FuzzExpectation.Reject;
                break;
            case 2:
                modules.Insert(at, modules[at]!.DeepClone());
                mutation = $"module {name} repeated";

                // sentence-transformers would run it twice: the encoder and the pooling recompute from the token ids, so same answer.
                expected = FuzzExpectation.RejectOrSame(_undamaged);
                break;
            case 3:
                string removed = random.Pick(["idx", "name", "path", "type"]);
                modules[at]!.AsObject().Remove(removed);
                mutation = $"module {name}'s \"{removed}\" removed";
                expected = removed is "idx" or "name" ? same : FuzzExpectation.Reject;
                break;
            case 4:
                string field = random.Pick(["path", "type"]);
                JsonNode? value = Retyped(random, modules[at]![field]);
                modules[at]![field] = value;
                mutation = $"module {name}'s \"{field}\" retyped to {Show(value)}";
                expected = FuzzExpectation.Reject;
                break;
            default:
                string type = random.Pick(["sentence_transformers.models.Nonsense", "sentence_transformers.models.LayerNorm", "my_package.Pooling", "Pooling", "sentence_transformers.sentence_transformer.modules.pooling.Pooling"]);
                mutation = $"module {name}'s type set to \"{type}\"";
                expected = type.StartsWith("sentence_transformers.sentence_transformer", StringComparison.Ordinal) && name == "Pooling" ? same : FuzzExpectation.Reject;
                modules[at]!["type"] = type;
                break;
        }

        return new Damage(mutation, Encoding.UTF8.GetBytes(modules.ToJsonString()), expected, "write", Modules);
    }

    /// <summary>A whole file removed, emptied, cut or replaced by a folder.</summary>
    private Damage FileDamage(FuzzRandom random, bool slow)
    {
        string file = random.Pick(slow ? AllFiles.Where(f => f != FastTokenizer).ToArray() : AllFiles);

        // A file the run does not read: vocab.txt beside tokenizer.json (its presence is still checked).
        bool unread = !slow && file is Vocabulary;
        FuzzExpectation same = FuzzExpectation.Accept(_undamaged);
        switch (random.Next(4))
        {
            case 0:
                // Every file but config.json, the weights, the only tokenizer and the pooling settings modules.json lists
                // has a documented default (MiniLM's own). (tokenizer.json removed: vocab.txt with tokenizer_config.json's
                // flags gives the same ids.)
                bool required = file is Config or Weights or Pooling || (slow && file == Vocabulary);
                return new Damage($"{file} removed", [], required ? FuzzExpectation.Reject : same, "remove", file);
            case 1:
                return new Damage($"{file} emptied", [], unread ? FuzzExpectation.RejectOrSame(_undamaged) : FuzzExpectation.Reject, "write", file);
            case 2:
                return new Damage($"{file} replaced by a folder", [], unread ? FuzzExpectation.RejectOrSame(_undamaged) : FuzzExpectation.Reject, "folder", file);
            default:
                long size = new FileInfo(Path.Combine(_base, file)).Length;
                int length = random.Next((int)size);

                // A cut JSON object or tensor file is never whole; a vocab.txt cut inside its last line still has 30,522 lines.
                FuzzExpectation expected = unread || file == Vocabulary ? FuzzExpectation.RejectOrSame(_undamaged) : FuzzExpectation.Reject;
                return new Damage($"{file} cut to {length} of {size} bytes", [], expected, $"cut:{length}", file);
        }
    }

    /// <summary>Format-blind damage to a JSON file's bytes (ByteMutations), or a BOM, trailing garbage or a key given twice.</summary>
    private Damage JsonByteDamage(FuzzRandom random, bool slow)
    {
        string file = random.Pick(slow ? JsonFiles : [.. JsonFiles, FastTokenizer]);
        byte[] bytes = Read(file);
        // Damage to the tokenizer's tokens or to max_seq_length's digits can make another valid folder with another answer.
        FuzzExpectation damaged = file is FastTokenizer or Settings ? FuzzExpectation.RejectOrAny : FuzzExpectation.RejectOrSame(_undamaged);
        switch (random.Next(5))
        {
            case 0:
                return new Damage($"{file}: byte-order mark added", [0xEF, 0xBB, 0xBF, .. bytes], FuzzExpectation.RejectOrSame(_undamaged), "write", file);
            case 1:
                (string appended, byte[] padded) = ByteMutations.Append(bytes, random);
                // (Refused unless every byte appended is JSON whitespace.)
                return new Damage($"{file}: {appended}", padded, FuzzExpectation.RejectOrSame(_undamaged), "write", file);
            case 2 when file == Config:
                // A key given twice is refused (readers disagree on which one counts).
                string text = Encoding.UTF8.GetString(bytes);
                int brace = text.IndexOf('{', StringComparison.Ordinal) + 1;
                return new Damage($"{file}: \"hidden_size\": 384 given twice", Encoding.UTF8.GetBytes(text[..brace] + "\"hidden_size\": 384," + text[brace..]), FuzzExpectation.Reject, "write", file);
            default:
                (string mutation, byte[] mutated) = ByteMutations.Any(bytes, random);
                return new Damage($"{file}: {mutation}", mutated, damaged, "write", file);
        }
    }

    /// <summary>vocab.txt (the slow folder's tokenizer): a line dropped or repeated (30,522 tokens no longer), two unused tokens swapped, CRLF endings.</summary>
    private Damage VocabularyDamage(FuzzRandom random)
    {
        string text = Encoding.UTF8.GetString(Read(Vocabulary));
        string ending = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        List<string> lines = text.Split(ending).ToList();
        bool finalNewline = lines[^1].Length == 0;
        if (finalNewline)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        string Joined(string? newline = null) => string.Join(newline ?? ending, lines) + (finalNewline ? newline ?? ending : "");
        int line = random.Next(lines.Count);
        switch (random.Next(4))
        {
            case 0:
                lines.RemoveAt(line);
                return new Damage($"vocab.txt: line {line + 1} dropped", Encoding.UTF8.GetBytes(Joined()), FuzzExpectation.Reject, "write", Vocabulary);
            case 1:
                lines.Insert(line, lines[line]);
                return new Damage($"vocab.txt: line {line + 1} repeated", Encoding.UTF8.GetBytes(Joined()), FuzzExpectation.Reject, "write", Vocabulary);
            case 2:
                // Lines 2–999 are [unused0] … [unused993]: the sample text never reaches them.
                int a = 1 + random.Next(998), b = 1 + random.Next(998);
                (lines[a], lines[b]) = (lines[b], lines[a]);
                return new Damage($"vocab.txt: lines {a + 1} and {b + 1} ({lines[b]}, {lines[a]}) swapped", Encoding.UTF8.GetBytes(Joined()), FuzzExpectation.Accept(_undamaged), "write", Vocabulary);
            default:
                string other = ending == "\n" ? "\r\n" : "\n";
                return new Damage($"vocab.txt: {(other == "\n" ? "LF" : "CRLF")} line endings", Encoding.UTF8.GetBytes(Joined(other)), FuzzExpectation.Accept(_undamaged), "write", Vocabulary);
        }
    }

    /// <summary>model.safetensors: its length field and JSON header damaged (ByteMutations), or the file cut anywhere.</summary>
    private Damage WeightsDamage(FuzzRandom random)
    {
        long size = new FileInfo(Path.Combine(_base, Weights)).Length;
        if (random.Next(4) == 0)
        {
            int length = random.Next((int)size);
            return new Damage($"{Weights} cut to {length} of {size} bytes", [], FuzzExpectation.Reject, $"cut:{length}", Weights);
        }

        byte[] header;
        using (FileStream weights = File.OpenRead(Path.Combine(_base, Weights)))
        {
            header = new byte[_headerEnd];
            weights.ReadExactly(header);
        }

        // The header says where every tensor is: damage to it is refused, or (a space, a name's byte) gives the same weights.
        (string mutation, byte[] bytes) = ByteMutations.Any(header, random);
        return new Damage($"{Weights} header: {mutation}", bytes, FuzzExpectation.RejectOrSame(_undamaged), $"prefix:{_headerEnd}", Weights);
    }

    /// <summary>A value of another JSON kind than <paramref name="current"/>'s.</summary>
    private static JsonNode? Retyped(FuzzRandom random, JsonNode? current)
    {
        System.Text.Json.JsonValueKind kind = current?.GetValueKind() ?? System.Text.Json.JsonValueKind.Null;
        JsonNode?[] choices =
        [
            kind == System.Text.Json.JsonValueKind.String ? JsonValue.Create(384) : JsonValue.Create("384"),
            kind == System.Text.Json.JsonValueKind.Number ? JsonValue.Create("true") : JsonValue.Create(1),
            null,
            new JsonArray(JsonValue.Create(384)),
            new JsonObject { ["value"] = 384 },
            kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? JsonValue.Create("false") : JsonValue.Create(true),
        ];
        JsonNode? value = random.Pick(choices);
        return kind == System.Text.Json.JsonValueKind.Null && value is null ? JsonValue.Create(0) : value;
    }

    /// <summary>An odd value for <paramref name="field"/>: out of range, at an edge, another known name, an unknown one.</summary>
    private static JsonNode? OddValue(FuzzRandom random, string field)
    {
        string[] names = field switch
        {
            "hidden_act" => ["relu", "gelu_new", "tanh", "silu", "GELU", "nonsense", ""],
            "model_type" => ["roberta", "Bert", "distilbert", ""],
            "position_embedding_type" => ["relative_key", "rotary", "Absolute"],
            "pooling_mode" => ["cls", "mean", "max", "lasttoken", "weightedmean", "CLS", "Mean"],
            _ => [],
        };
        if (field == "architectures")
        {
            return random.Pick<JsonNode?>([new JsonArray("BertForMaskedLM"), new JsonArray("Nonsense"), new JsonArray(), null, new JsonArray(1)]);
        }

        if (names.Length > 0 && random.Next(4) != 0)
        {
            return JsonValue.Create(random.Pick(names));
        }

        return random.Pick<JsonNode?>(
        [
            JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(2), JsonValue.Create(3), JsonValue.Create(5), JsonValue.Create(7), JsonValue.Create(385),
            JsonValue.Create(2147483648L), JsonValue.Create(1e30), JsonValue.Create(2.5), JsonValue.Create(1e-50), JsonValue.Create(1e-5),
            JsonValue.Create(true), JsonValue.Create(false), null, JsonValue.Create("nonsense"),
        ]);
    }

    private static string Show(JsonNode? value) => value?.ToJsonString() ?? "null";

    /// <param name="Action"><c>write</c>, <c>remove</c>, <c>folder</c>, <c>cut:N</c> (the first N bytes) or <c>prefix:N</c> (these bytes, then the file from N on).</param>
    private sealed record Damage(string Mutation, byte[] Bytes, FuzzExpectation Expected, string Action, string File);
}
