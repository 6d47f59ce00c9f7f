using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Parsing;

/// <summary>
/// Turns a <c>*.bert.json</c> file into a <see cref="ModelSpec"/> or diagnostics. Architecture fields carry
/// HuggingFace <c>config.json</c> names and defaults (a pasted HF config plus a <c>bertgen</c> section is a
/// valid spec); unknown HF fields are ignored, values BertGen cannot honour are errors.
/// </summary>
internal sealed class SpecParser
{
    /// <summary>The settings of the <c>bertgen</c> section; anything else there is a typo and an error.</summary>
    internal static readonly string[] BertGenFields = { "type_name", "namespace", "shapes", "heads", "training", "max_predictions_per_seq" };

    private const string DefaultNamespace = "BertGen.Models";

    private readonly string _path;
    private readonly SourceText _text;
    private readonly List<DiagnosticInfo> _diagnostics = new();

    private SpecParser(string path, SourceText text)
    {
        _path = path;
        _text = text;
    }

    public static SpecParseResult Parse(string path, SourceText? text, CancellationToken cancellationToken = default)
    {
        text ??= SourceText.From(string.Empty);
        var parser = new SpecParser(path, text);
        return parser.Run(cancellationToken);
    }

    private string FileName => Path.GetFileName(_path);

    private SpecParseResult Run(CancellationToken cancellationToken)
    {
        JsonNode root;
        try
        {
            root = JsonParser.Parse(_text.ToString());
        }
        catch (JsonSyntaxException e)
        {
            Report(DiagnosticDescriptors.MalformedJson, e.Span, FileName, e.Message);
            return Result(null, default);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (root is not JsonObject config)
        {
            Report(DiagnosticDescriptors.WrongType, root.Span, "(root)", "an object", root.Display);
            return Result(null, default);
        }

        BertArchitecture? architecture = ParseArchitecture(config);
        JsonProperty? section = config.Find("bertgen");
        if (section is null)
        {
            Report(DiagnosticDescriptors.MissingField, new TextSpan(config.Span.Start, 1), FileName, "bertgen");
            return Result(null, default);
        }

        if (section.Value is not JsonObject bertgen)
        {
            Report(DiagnosticDescriptors.WrongType, section.Value.Span, "bertgen", "an object", section.Value.Display);
            return Result(null, default);
        }

        foreach (JsonProperty p in bertgen.Properties)
        {
            if (Array.IndexOf(BertGenFields, p.Name) < 0)
            {
                Report(DiagnosticDescriptors.UnknownBertGenField, p.NameSpan, p.Name, string.Join(", ", BertGenFields.Select(f => "'" + f + "'")));
            }
        }

        string? typeName = ReadString(bertgen, "type_name", "bertgen.type_name", TypeNameFromFile(FileName));
        TextSpan typeNameSpan = bertgen.Find("type_name")?.Value.Span ?? new TextSpan(section.NameSpan.Start, section.NameSpan.Length);
        if (typeName is not null && !IsIdentifier(typeName))
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, typeNameSpan, "bertgen.type_name", typeName, "type name");
            typeName = null;
        }

        string? ns = ReadString(bertgen, "namespace", "bertgen.namespace", DefaultNamespace);
        if (ns is not null && !ns.Split('.').All(IsIdentifier))
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, bertgen.Find("namespace")!.Value.Span, "bertgen.namespace", ns, "namespace");
            ns = null;
        }

        ImmutableEquatableArray<ShapeVariant>? shapes = ParseShapes(bertgen, section, architecture);
        HeadSet? heads = ParseHeads(bertgen);
        bool training = ReadBool(bertgen, "training", "bertgen.training", false) ?? false;
        int? maxPredictions = ReadInt(bertgen, "max_predictions_per_seq", "bertgen.max_predictions_per_seq", 20, min: 1);

        if (architecture is not null && heads is { } h && h.SequenceClassification && architecture.ProblemType == ProblemType.Regression && architecture.NumLabels != 1)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, FieldSpan(config, "problem_type"), "problem_type", $"\"regression\" needs num_labels 1, but num_labels is {architecture.NumLabels}");
        }

        if (training && heads is { } hs && !hs.Any)
        {
            Report(DiagnosticDescriptors.TrainingWithoutHead, bertgen.Find("training")!.Value.Span);
        }

        var location = ToLocation(typeNameSpan);
        if (_diagnostics.Count > 0 || architecture is null || typeName is null || ns is null || shapes is null || heads is null || maxPredictions is null)
        {
            return Result(null, location);
        }

        var spec = new ModelSpec(FileName, ns, typeName, architecture, shapes, heads.Value, training, maxPredictions.Value);
        return Result(spec, location);
    }

    private BertArchitecture? ParseArchitecture(JsonObject config)
    {
        int errorsBefore = _diagnostics.Count;

        // Fields HF accepts but whose non-default value changes the model in ways BertGen does not emit.
        string? modelType = ReadString(config, "model_type", "model_type", "bert");
        if (modelType is not null && modelType != "bert")
        {
            Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, "model_type"), "model_type", "\"" + modelType + "\"", "BertGen compiles BERT models only");
        }

        string? positionType = ReadString(config, "position_embedding_type", "position_embedding_type", "absolute");
        if (positionType is not null && positionType != "absolute")
        {
            Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, "position_embedding_type"), "position_embedding_type", "\"" + positionType + "\"", "only \"absolute\" position embeddings are implemented");
        }

        foreach (string flag in new[] { "is_decoder", "add_cross_attention" })
        {
            if (ReadBool(config, flag, flag, false) == true)
            {
                Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, flag), flag, "true", "BertGen compiles encoder-only BERT");
            }
        }

        int? vocab = ReadInt(config, "vocab_size", "vocab_size", null, min: 1);
        int? hidden = ReadInt(config, "hidden_size", "hidden_size", null, min: 1);
        int? layers = ReadInt(config, "num_hidden_layers", "num_hidden_layers", null, min: 1);
        int? heads = ReadInt(config, "num_attention_heads", "num_attention_heads", null, min: 1);
        int? intermediate = ReadInt(config, "intermediate_size", "intermediate_size", null, min: 1);
        int? maxPositions = ReadInt(config, "max_position_embeddings", "max_position_embeddings", 512, min: 1);
        int? typeVocab = ReadInt(config, "type_vocab_size", "type_vocab_size", 2, min: 1);
        int? padId = ReadInt(config, "pad_token_id", "pad_token_id", 0, min: 0);
        double? eps = ReadDouble(config, "layer_norm_eps", 1e-12, v => v > 0 && v < 1, "greater than 0 and less than 1");
        double? hiddenDropout = ReadDouble(config, "hidden_dropout_prob", 0.1, v => v >= 0 && v < 1, "in [0, 1)");
        double? attentionDropout = ReadDouble(config, "attention_probs_dropout_prob", 0.1, v => v >= 0 && v < 1, "in [0, 1)");
        double? initRange = ReadDouble(config, "initializer_range", 0.02, v => v > 0, "greater than 0");
        Activation? activation = ParseActivation(config);

        if (hidden is { } hs && heads is { } nh && hs % nh != 0)
        {
            Report(DiagnosticDescriptors.HiddenNotDivisibleByHeads, FieldSpan(config, "hidden_size"), hs, nh);
        }

        if (vocab is { } v && padId is { } p && p >= v)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, FieldSpan(config, "pad_token_id"), "pad_token_id", p, $"below vocab_size ({v})");
        }

        (int? numLabels, ImmutableEquatableArray<string>? labels) = ParseLabels(config);
        ProblemType? problemType = ParseProblemType(config, numLabels);

        if (_diagnostics.Count > errorsBefore)
        {
            return null;
        }

        return new BertArchitecture(
            vocab!.Value, hidden!.Value, layers!.Value, heads!.Value, intermediate!.Value, activation!.Value,
            maxPositions!.Value, typeVocab!.Value, eps!.Value, hiddenDropout!.Value, attentionDropout!.Value,
            initRange!.Value, padId!.Value, numLabels!.Value, labels!, problemType!.Value);
    }

    private Activation? ParseActivation(JsonObject config)
    {
        string? act = ReadString(config, "hidden_act", "hidden_act", "gelu");
        switch (act)
        {
            case null:
                return null;
            case "gelu":
                return Activation.GeluErf;
            case "gelu_new":
            case "gelu_pytorch_tanh":
                return Activation.GeluTanh;
            case "relu":
                return Activation.Relu;
            default:
                Report(DiagnosticDescriptors.UnknownActivation, FieldSpan(config, "hidden_act"), act);
                return null;
        }
    }

    private (int? Count, ImmutableEquatableArray<string>? Labels) ParseLabels(JsonObject config)
    {
        // HF's default is 2 labels; read the field only when it is there (ReadInt treats no default as required).
        int? numLabels = config.Find("num_labels") is null ? null : ReadInt(config, "num_labels", "num_labels", null, min: 1);
        JsonProperty? id2label = config.Find("id2label");
        if (id2label is null)
        {
            int n = numLabels ?? 2; // HF's default
            return (n, Enumerable.Range(0, n).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToEquatableArray());
        }

        if (id2label.Value is not JsonObject map)
        {
            Report(DiagnosticDescriptors.WrongType, id2label.Value.Span, "id2label", "an object mapping \"0\", \"1\", … to label names", id2label.Value.Display);
            return (null, null);
        }

        var labels = new string?[map.Properties.Count];
        foreach (JsonProperty p in map.Properties)
        {
            if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= labels.Length || labels[index] is not null)
            {
                Report(DiagnosticDescriptors.InconsistentLabels, p.NameSpan, "id2label", $"key \"{p.Name}\" is not one of the indices 0..{labels.Length - 1} exactly once");
                return (null, null);
            }

            if (p.Value is not JsonString name)
            {
                Report(DiagnosticDescriptors.WrongType, p.Value.Span, "id2label." + p.Name, "a string", p.Value.Display);
                return (null, null);
            }

            labels[index] = name.Value;
        }

        if (numLabels is { } declared && declared != labels.Length)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, FieldSpan(config, "num_labels"), "num_labels", $"it is {declared}, but id2label has {labels.Length} labels");
            return (null, null);
        }

        if (labels.Length == 0)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, id2label.Value.Span, "id2label", "it has no labels");
            return (null, null);
        }

        return (labels.Length, labels.Select(l => l!).ToEquatableArray());
    }

    private ProblemType? ParseProblemType(JsonObject config, int? numLabels)
    {
        JsonProperty? p = config.Find("problem_type");
        if (p is null || p.Value is JsonNull)
        {
            // HF infers it at loss time from num_labels and the label dtype; with no labels to look at,
            // one output means regression and several mean single-label classification.
            return numLabels == 1 ? ProblemType.Regression : ProblemType.SingleLabelClassification;
        }

        string? value = ReadString(config, "problem_type", "problem_type", null);
        switch (value)
        {
            case null:
                return null;
            case "single_label_classification":
                return ProblemType.SingleLabelClassification;
            case "multi_label_classification":
                return ProblemType.MultiLabelClassification;
            case "regression":
                return ProblemType.Regression;
            default:
                Report(DiagnosticDescriptors.UnsupportedValue, p.Value.Span, "problem_type", "\"" + value + "\"", "expected \"single_label_classification\", \"multi_label_classification\" or \"regression\"");
                return null;
        }
    }

    private ImmutableEquatableArray<ShapeVariant>? ParseShapes(JsonObject bertgen, JsonProperty section, BertArchitecture? architecture)
    {
        JsonProperty? shapes = bertgen.Find("shapes");
        if (shapes is null)
        {
            Report(DiagnosticDescriptors.MissingField, section.NameSpan, FileName, "bertgen.shapes");
            return null;
        }

        if (shapes.Value is not JsonArray array || array.Items.Count == 0)
        {
            Report(DiagnosticDescriptors.WrongType, shapes.Value.Span, "bertgen.shapes", "a non-empty array of { \"batch\": …, \"sequence\": … }", shapes.Value.Display);
            return null;
        }

        var result = new List<ShapeVariant>();
        bool ok = true;
        for (int i = 0; i < array.Items.Count; i++)
        {
            string field = $"bertgen.shapes[{i}]";
            if (array.Items[i] is not JsonObject shape)
            {
                Report(DiagnosticDescriptors.WrongType, array.Items[i].Span, field, "an object { \"batch\": …, \"sequence\": … }", array.Items[i].Display);
                ok = false;
                continue;
            }

            int? batch = ReadInt(shape, "batch", field + ".batch", null, min: 1, missingSpan: shape.Span);
            int? sequence = ReadInt(shape, "sequence", field + ".sequence", null, min: 1, missingSpan: shape.Span);
            if (batch is null || sequence is null)
            {
                ok = false;
                continue;
            }

            if (architecture is not null && sequence > architecture.MaxPositionEmbeddings)
            {
                Report(DiagnosticDescriptors.SequenceAboveMaxPositions, shape.Find("sequence")!.Value.Span, field + ".sequence", sequence.Value, architecture.MaxPositionEmbeddings);
                ok = false;
                continue;
            }

            var variant = new ShapeVariant(batch.Value, sequence.Value);
            if (result.Contains(variant))
            {
                Report(DiagnosticDescriptors.DuplicateShape, shape.Span, variant.Batch, variant.Sequence);
                ok = false;
                continue;
            }

            result.Add(variant);
        }

        // Smallest first: the runtime picks the first variant that fits an input.
        return ok ? result.OrderBy(s => s.Sequence).ThenBy(s => s.Batch).ToEquatableArray() : null;
    }

    private HeadSet? ParseHeads(JsonObject bertgen)
    {
        JsonProperty? heads = bertgen.Find("heads");
        if (heads is null)
        {
            return default(HeadSet);
        }

        if (heads.Value is not JsonArray array)
        {
            Report(DiagnosticDescriptors.WrongType, heads.Value.Span, "bertgen.heads", "an array of head names", heads.Value.Display);
            return null;
        }

        bool pretraining = false, mlm = false, seq = false, token = false, qa = false, ok = true;
        foreach (JsonNode item in array.Items)
        {
            if (item is not JsonString s)
            {
                Report(DiagnosticDescriptors.WrongType, item.Span, "bertgen.heads", "an array of head names", item.Display);
                ok = false;
                continue;
            }

            switch (s.Value)
            {
                case "pretraining": pretraining = true; break;
                case "masked_lm": mlm = true; break;
                case "sequence_classification": seq = true; break;
                case "token_classification": token = true; break;
                case "question_answering": qa = true; break;
                default:
                    Report(DiagnosticDescriptors.UnknownHead, s.Span, s.Value);
                    ok = false;
                    break;
            }
        }

        return ok ? new HeadSet(pretraining, mlm, seq, token, qa) : null;
    }

    private int? ReadInt(JsonObject obj, string name, string field, int? defaultValue, int min, TextSpan? missingSpan = null)
    {
        JsonProperty? p = obj.Find(name);
        if (p is null)
        {
            if (defaultValue is null)
            {
                Report(DiagnosticDescriptors.MissingField, missingSpan ?? new TextSpan(obj.Span.Start, 1), FileName, field);
            }

            return defaultValue;
        }

        if (p.Value is not JsonNumber n || !n.IsInteger || n.Value > int.MaxValue || n.Value < int.MinValue)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, field, "an integer", p.Value.Display);
            return null;
        }

        if (n.Value < min)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, field, n.Text, min == 1 ? "positive" : $"at least {min}");
            return null;
        }

        return (int)n.Value;
    }

    private double? ReadDouble(JsonObject obj, string name, double defaultValue, Func<double, bool> valid, string rangeText)
    {
        JsonProperty? p = obj.Find(name);
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonNumber n)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, name, "a number", p.Value.Display);
            return null;
        }

        if (!valid(n.Value))
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, name, n.Text, rangeText);
            return null;
        }

        return n.Value;
    }

    private string? ReadString(JsonObject obj, string name, string field, string? defaultValue)
    {
        JsonProperty? p = obj.Find(name);
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonString s)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, field, "a string", p.Value.Display);
            return null;
        }

        return s.Value;
    }

    private bool? ReadBool(JsonObject obj, string name, string field, bool defaultValue)
    {
        JsonProperty? p = obj.Find(name);
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonBoolean b)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, field, "true or false", p.Value.Display);
            return null;
        }

        return b.Value;
    }

    private static TextSpan FieldSpan(JsonObject obj, string name) => obj.Find(name)?.Value.Span ?? new TextSpan(obj.Span.Start, 1);

    /// <summary><c>bert-tiny.bert.json</c> → <c>BertTiny</c>.</summary>
    internal static string TypeNameFromFile(string fileName)
    {
        string stem = fileName.EndsWith(".bert.json", StringComparison.OrdinalIgnoreCase)
            ? fileName.Substring(0, fileName.Length - ".bert.json".Length)
            : Path.GetFileNameWithoutExtension(fileName);
        var sb = new StringBuilder();
        bool upper = true;
        foreach (char c in stem)
        {
            if (!char.IsLetterOrDigit(c))
            {
                upper = true;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        if (sb.Length == 0 || char.IsDigit(sb[0]))
        {
            sb.Insert(0, "Model");
        }

        return sb.ToString();
    }

    private static bool IsIdentifier(string name) =>
        SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, TextSpan span, params object[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, ToLocation(span), args));

    private SpecLocation ToLocation(TextSpan span)
    {
        var lines = _text.Lines.GetLinePositionSpan(span);
        return new SpecLocation(_path, span.Start, span.Length, lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }

    private SpecParseResult Result(ModelSpec? spec, SpecLocation typeNameLocation) =>
        new(spec, typeNameLocation, _diagnostics.ToEquatableArray());
}
