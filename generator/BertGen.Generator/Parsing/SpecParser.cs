using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Parsing;

/// <summary>
/// Turns a <c>*.bert.json</c> file into a <see cref="ModelSpec"/> or diagnostics. Architecture fields carry
/// HuggingFace <c>config.json</c> names and defaults (a pasted HF config plus a <c>bertgen</c> section is a
/// valid spec); unknown HF fields are ignored unless they look like a misspelt known one (BG0017), values BertGen
/// cannot honour are errors. Every size is bounded (<see cref="SpecLimits"/>), and a valid spec is planned once
/// here so that a model too large for the runtime's buffers is a diagnostic, not a failure later.
/// </summary>
internal sealed class SpecParser
{
    private const string DefaultNamespace = "BertGen.Models";

    /// <summary>The path of BertGen's own section, whose every field BertGen knows.</summary>
    private const string BertGenSection = "bertgen.";

    private readonly string _path;
    private readonly SourceText _text;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly List<FieldReader> _objects = new();
    private readonly Dictionary<ShapeVariant, TextSpan> _shapeSpans = new();

    private SpecParser(string path, SourceText text)
    {
        _path = path;
        _text = text;
    }

    /// <summary>Parses one spec file. Never throws (but for cancellation): a failure of its own is BG0018.</summary>
    public static SpecParseResult Parse(string path, SourceText? text, CancellationToken cancellationToken = default)
    {
        text ??= SourceText.From(string.Empty);
        var parser = new SpecParser(path, text);
        try
        {
            return parser.Run(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = new SpecParser(path, SourceText.From(string.Empty)); // the text itself may be what failed
            failure.Report(DiagnosticDescriptors.GeneratorFailure, new TextSpan(0, 0), failure.FileName, e.GetType().Name + ": " + e.Message);
            return failure.Result(null, default);
        }
    }

    // As messages and generated comments quote it: a line separator in a file name would end a comment.
    private string FileName => JsonNode.Visible(Path.GetFileName(_path));

    private SpecParseResult Run(CancellationToken cancellationToken)
    {
        if (_text.Length > SpecLimits.SpecCharacters)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, new TextSpan(0, 1), "(root)", $"a file of {Grouped(_text.Length)} characters",
                $"at most {Grouped(SpecLimits.SpecCharacters)} characters (the largest spec the field bounds admit is about 13 MB)");
            return Result(null, default);
        }

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
        catch (JsonDuplicateKeyException e)
        {
            Report(DiagnosticDescriptors.DuplicateKey, e.Span, JsonNode.Visible(e.ObjectPath + Short(e.Name)), _text.Lines.GetLinePosition(e.FirstSpan.Start).Line + 1);
            return Result(null, default);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (root is not JsonObject configJson)
        {
            Report(DiagnosticDescriptors.WrongType, root.Span, "(root)", "an object", root.Display);
            return Result(null, default);
        }

        FieldReader config = Fields(configJson, string.Empty);
        BertArchitecture? architecture = ParseArchitecture(config);
        JsonProperty? section = config.Find("bertgen", null);
        if (section is null || section.Value is not JsonObject bertgenJson)
        {
            if (section is not null)
            {
                Report(DiagnosticDescriptors.WrongType, section.Value.Span, "bertgen", "an object", section.Value.Display);
            }

            ReportUnknownAndMissing();
            return Result(null, default);
        }

        FieldReader bertgen = Fields(bertgenJson, BertGenSection);
        string? typeName = ReadString(bertgen, "type_name", TypeNameFromFile(FileName));
        TextSpan typeNameSpan = bertgenJson.Find("type_name")?.Value.Span ?? section.NameSpan;
        typeName = CheckName(typeName, typeNameSpan, "bertgen.type_name", "type name", IsIdentifier);

        string? ns = ReadString(bertgen, "namespace", DefaultNamespace);
        ns = CheckName(ns, FieldSpan(bertgen, "namespace"), "bertgen.namespace", "namespace", n => n.Split('.').All(IsIdentifier));
        if (ns is not null && ReservedTypeNames.NamespaceConflict(ns) is { } namespaceConflict)
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, FieldSpan(bertgen, "namespace"), "bertgen.namespace", JsonNode.Visible(Short(ns)), "namespace here: " + namespaceConflict);
            ns = null;
        }

        if (typeName is not null && ns is not null && Encoding.UTF8.GetByteCount(ns + "." + typeName) + SpecLimits.FileNamePartBytes > SpecLimits.FileNameBytes)
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, typeNameSpan, "bertgen.type_name", JsonNode.Visible(Short(typeName)),
                $"type name here: with namespace '{JsonNode.Visible(Short(ns))}' the generated files' names would be longer than the {SpecLimits.FileNameBytes} bytes a file name may have");
            typeName = null;
        }

        if (typeName is not null && ns is not null && ReservedTypeNames.FullNameConflict(ns, typeName) is { } fullNameConflict)
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, typeNameSpan, "bertgen.type_name", JsonNode.Visible(Short(typeName)), "type name here: " + fullNameConflict);
            typeName = null;
        }

        ImmutableEquatableArray<ShapeVariant>? shapes = ParseShapes(bertgen, architecture);
        HeadSet? heads = ParseHeads(bertgen);
        PrecisionSet? precisions = ParsePrecisions(bertgen);
        bool training = ReadBool(bertgen, "training", false) ?? false;
        int? maxPredictions = ReadInt(bertgen, "max_predictions_per_seq", 20, min: 1, max: SpecLimits.MaxPredictionsPerSequence);
        int? threads = ReadInt(bertgen, "threads", 1, min: 1, max: SpecLimits.Threads);

        if (architecture is not null && heads is { } h && h.SequenceClassification && architecture.ProblemType == ProblemType.Regression && architecture.NumLabels != 1)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, FieldSpan(config, "problem_type"), "problem_type", $"\"regression\" needs num_labels 1, but num_labels is {architecture.NumLabels}");
        }

        if (heads is { SequenceClassification: false } unread && config.Json.Find("problem_type") is { Value: JsonString given }
            && ProblemTypes.FromSpecName(given.Value) is not null)
        {
            Report(DiagnosticDescriptors.ProblemTypeUnread, given.Span, given.Display,
                unread.TokenClassification ? ": the token classifier trains with cross-entropy, as HF's BertForTokenClassification does" : string.Empty);
        }

        // HF's masked-LM heads decode with the word embedding matrix unless tie_word_embeddings is false, when the decoder
        // is a matrix of its own; BertGen's is always the word embeddings, so such a spec compiled another model than its own.
        if (ReadBool(config, "tie_word_embeddings", true) == false && heads is { HasMlmHead: true })
        {
            Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, "tie_word_embeddings"), "tie_word_embeddings", "false",
                "BertGen's masked-LM decoder is the word embedding matrix, tied");
        }

        if (training && architecture is { NumLabels: 1 } one && heads is { Any: true } taught
            && (taught.Objective == TrainingObjective.TokenClassification
                || (taught.Objective == TrainingObjective.SequenceClassification && one.ProblemType == ProblemType.SingleLabelClassification)))
        {
            bool sequence = taught.Objective == TrainingObjective.SequenceClassification;
            Report(DiagnosticDescriptors.HeadLearnsNothing, config.Json.Find("num_labels") is null ? FieldSpan(config, "id2label") : FieldSpan(config, "num_labels"),
                sequence ? "a single-label sequence classifier" : "a token classifier", sequence ? ", or problem_type \"regression\" for one output" : string.Empty);
        }

        if (training && heads is { } hs && !hs.Any)
        {
            Report(DiagnosticDescriptors.TrainingWithoutHead, bertgenJson.Find("training")!.Value.Span);
        }

        if (training && heads is { Any: true } trained && trained.Objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm
            && shapes is not null && maxPredictions is { } p)
        {
            CheckPredictionsFitSequences(bertgen, shapes, p);
        }

        if (architecture is not null && shapes is not null && precisions is { } compiled && threads is { } t)
        {
            CheckCompiledLayers(bertgen, architecture.NumHiddenLayers, shapes, compiled, training, t);
        }

        ReportUnknownAndMissing();
        var location = ToLocation(typeNameSpan);
        if (_diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            || architecture is null || typeName is null || ns is null || shapes is null || heads is null || maxPredictions is null || precisions is null || threads is null)
        {
            return Result(null, location);
        }

        var spec = new ModelSpec(_path, FileName, ns, typeName, architecture, shapes, heads.Value, training, maxPredictions.Value, precisions.Value, threads.Value);
        return CheckPlan(spec, config, typeNameSpan) ? Result(spec, location) : Result(null, location);
    }

    private BertArchitecture? ParseArchitecture(FieldReader config)
    {
        int errorsBefore = _diagnostics.Count;

        // Fields HF accepts but whose non-default value changes the model in ways BertGen does not emit.
        string? modelType = ReadString(config, "model_type", "bert");
        if (modelType is not null && modelType != "bert")
        {
            Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, "model_type"), "model_type", Quote(modelType), "BertGen compiles BERT models only");
        }

        string? positionType = ReadString(config, "position_embedding_type", "absolute");
        if (positionType is not null && positionType != "absolute")
        {
            Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, "position_embedding_type"), "position_embedding_type", Quote(positionType), "only \"absolute\" position embeddings are implemented");
        }

        foreach (string flag in new[] { "is_decoder", "add_cross_attention" })
        {
            if (ReadBool(config, flag, false) == true)
            {
                Report(DiagnosticDescriptors.UnsupportedValue, FieldSpan(config, flag), flag, "true", "BertGen compiles encoder-only BERT");
            }
        }

        int? vocab = ReadInt(config, "vocab_size", null, min: 1, max: SpecLimits.VocabSize);
        int? hidden = ReadInt(config, "hidden_size", null, min: 1, max: SpecLimits.HiddenSize);
        int? layers = ReadInt(config, "num_hidden_layers", null, min: 1, max: SpecLimits.Layers);
        int? heads = ReadInt(config, "num_attention_heads", null, min: 1, max: SpecLimits.HiddenSize);
        int? intermediate = ReadInt(config, "intermediate_size", null, min: 1, max: SpecLimits.IntermediateSize);
        ActivationInfo? activation = ParseActivation(config);
        int? maxPositions = ReadInt(config, "max_position_embeddings", 512, min: 1, max: SpecLimits.MaxPositions);
        int? typeVocab = ReadInt(config, "type_vocab_size", 2, min: 1, max: SpecLimits.TypeVocabSize);
        int? padId = ReadInt(config, "pad_token_id", 0, min: 0, max: SpecLimits.VocabSize - 1);

        // Each float the generated code bakes in must survive the conversion to float: 1e-50 would become an
        // epsilon of 0 (a division by zero on a constant row), a dropout of 0.999999999 one of 1 (an infinite scale).
        double? eps = ReadDouble(config, "layer_norm_eps", 1e-12, v => v < 1 && (float)v > 0, "greater than 0 (at least 1.4e-45, the smallest float) and less than 1");
        double? hiddenDropout = ReadDouble(config, "hidden_dropout_prob", 0.1, v => v >= 0 && (float)v < 1, "in [0, 1), and below 1 as a float");
        double? attentionDropout = ReadDouble(config, "attention_probs_dropout_prob", 0.1, v => v >= 0 && (float)v < 1, "in [0, 1), and below 1 as a float");
        double? initRange = ReadDouble(config, "initializer_range", 0.02, v => v <= 1 && (float)v > 0, "greater than 0 and at most 1");

        if (hidden is { } hs && heads is { } nh && hs % nh != 0)
        {
            Report(DiagnosticDescriptors.HiddenNotDivisibleByHeads, FieldSpan(config, "hidden_size"), hs, nh);
        }

        if (vocab is { } v && padId is { } p && p >= v)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, FieldSpan(config, "pad_token_id"), "pad_token_id", p, $"below vocab_size ({v})");
        }

        (int? numLabels, ImmutableEquatableArray<string>? labels) = ParseLabels(config);
        (ProblemType? problemType, bool problemTypeGiven) = ParseProblemType(config, numLabels);

        // A missing required field is reported later, with the others; it leaves its value null here.
        if (_diagnostics.Count > errorsBefore || vocab is null || hidden is null || layers is null || heads is null || intermediate is null
            || activation is null || maxPositions is null || typeVocab is null || eps is null || hiddenDropout is null || attentionDropout is null
            || initRange is null || padId is null || numLabels is null || labels is null || problemType is null)
        {
            return null;
        }

        return new BertArchitecture(
            vocab.Value, hidden.Value, layers.Value, heads.Value, intermediate.Value, activation.Id,
            maxPositions.Value, typeVocab.Value, eps.Value, hiddenDropout.Value, attentionDropout.Value,
            initRange.Value, padId.Value, numLabels.Value, labels, problemType.Value, problemTypeGiven);
    }

    private ActivationInfo? ParseActivation(FieldReader config)
    {
        string? name = ReadString(config, "hidden_act", Activations.Of(Activation.GeluErf).Name);
        if (name is null)
        {
            return null;
        }

        ActivationInfo? activation = Activations.FromSpecName(name);
        if (activation is null)
        {
            Report(DiagnosticDescriptors.UnknownActivation, FieldSpan(config, "hidden_act"), Quote(name), Activations.SpecNamesText);
        }

        return activation;
    }

    private (int? Count, ImmutableEquatableArray<string>? Labels) ParseLabels(FieldReader config)
    {
        // HF's default is 2 labels; read the field only when it is there (ReadInt treats no default as required).
        int? numLabels = ReadInt(config, "num_labels", 2, min: 1, max: SpecLimits.Labels);
        bool declared = config.Json.Find("num_labels") is not null;
        JsonProperty? id2label = config.Find("id2label", "LABEL_0, LABEL_1, …");
        if (id2label is null)
        {
            return numLabels is { } n
                ? (n, Enumerable.Range(0, n).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToEquatableArray())
                : (null, null);
        }

        if (id2label.Value is not JsonObject map)
        {
            Report(DiagnosticDescriptors.WrongType, id2label.Value.Span, "id2label", "an object mapping \"0\", \"1\", … to label names", id2label.Value.Display);
            return (null, null);
        }

        if (map.Properties.Count > SpecLimits.Labels)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, id2label.Value.Span, "id2label", Grouped(map.Properties.Count) + " labels", "at most " + Grouped(SpecLimits.Labels));
            return (null, null);
        }

        var labels = new string?[map.Properties.Count];
        foreach (JsonProperty p in map.Properties)
        {
            if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= labels.Length || labels[index] is not null)
            {
                Report(DiagnosticDescriptors.InconsistentLabels, p.NameSpan, "id2label", $"key {Quote(p.Name)} is not one of the indices 0..{labels.Length - 1} exactly once");
                return (null, null);
            }

            if (p.Value is not JsonString name)
            {
                Report(DiagnosticDescriptors.WrongType, p.Value.Span, "id2label." + p.Name, "a string", p.Value.Display);
                return (null, null);
            }

            if (name.Value.Length > SpecLimits.NameLength)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, "id2label." + p.Name, name.Display, $"at most {SpecLimits.NameLength} characters long");
                return (null, null);
            }

            labels[index] = name.Value;
        }

        long characters = labels.Sum(l => (long)l!.Length);
        if (characters > SpecLimits.LabelCharacters)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, id2label.Value.Span, "id2label", $"{Grouped(labels.Length)} labels of {Grouped(characters)} characters in all",
                $"at most {Grouped(SpecLimits.LabelCharacters)} characters in all: each label name is a string literal of the generated model, and the compiler holds an assembly's string literals to 16 MB");
            return (null, null);
        }

        if (declared && numLabels is { } count && count != labels.Length)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, FieldSpan(config, "num_labels"), "num_labels", $"it is {count}, but id2label has {labels.Length} labels");
            return (null, null);
        }

        if (labels.Length == 0)
        {
            Report(DiagnosticDescriptors.InconsistentLabels, id2label.Value.Span, "id2label", "it has no labels");
            return (null, null);
        }

        return (labels.Length, labels.Select(l => l!).ToEquatableArray());
    }

    /// <summary>The problem type, and whether the config names it (HF's pipeline scores by the named one only).</summary>
    private (ProblemType? Type, bool Given) ParseProblemType(FieldReader config, int? numLabels)
    {
        JsonProperty? p = config.Find("problem_type", "inferred from num_labels");
        if (p is null || p.Value is JsonNull)
        {
            // HF infers it at loss time from num_labels and the label dtype; with no labels to look at,
            // one output means regression and several mean single-label classification.
            return (numLabels == 1 ? ProblemType.Regression : ProblemType.SingleLabelClassification, false);
        }

        string? value = ReadString(config, "problem_type", null);
        if (value is null)
        {
            return (null, true);
        }

        ProblemTypeInfo? problem = ProblemTypes.FromSpecName(value);
        if (problem is null)
        {
            Report(DiagnosticDescriptors.UnsupportedValue, p.Value.Span, "problem_type", Quote(value), "expected " + ProblemTypes.SpecNamesText);
        }

        return (problem?.Id, true);
    }

    private ImmutableEquatableArray<ShapeVariant>? ParseShapes(FieldReader bertgen, BertArchitecture? architecture)
    {
        JsonProperty? shapes = bertgen.Find("shapes", null);
        if (shapes is null)
        {
            return null; // reported with the other missing required fields
        }

        if (shapes.Value is not JsonArray array || array.Items.Count == 0)
        {
            Report(DiagnosticDescriptors.WrongType, shapes.Value.Span, "bertgen.shapes", "a non-empty array of { \"batch\": …, \"sequence\": … }", shapes.Value.Display);
            return null;
        }

        if (array.Items.Count > SpecLimits.Shapes)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, shapes.Value.Span, "bertgen.shapes", Grouped(array.Items.Count) + " shapes", "at most " + SpecLimits.Shapes);
            return null;
        }

        var result = new List<ShapeVariant>();
        bool ok = true;
        for (int i = 0; i < array.Items.Count; i++)
        {
            string field = $"bertgen.shapes[{i}]";
            if (array.Items[i] is not JsonObject shapeJson)
            {
                Report(DiagnosticDescriptors.WrongType, array.Items[i].Span, field, "an object { \"batch\": …, \"sequence\": … }", array.Items[i].Display);
                ok = false;
                continue;
            }

            FieldReader shape = Fields(shapeJson, field + ".");
            int? batch = ReadInt(shape, "batch", null, min: 1, max: SpecLimits.TokensPerShape);
            int? sequence = ReadInt(shape, "sequence", null, min: 1, max: SpecLimits.MaxPositions);
            if (batch is null || sequence is null)
            {
                ok = false;
                continue;
            }

            if (architecture is not null && sequence > architecture.MaxPositionEmbeddings)
            {
                Report(DiagnosticDescriptors.SequenceAboveMaxPositions, shapeJson.Find("sequence")!.Value.Span, field + ".sequence", sequence.Value, architecture.MaxPositionEmbeddings);
                ok = false;
                continue;
            }

            long tokens = (long)batch.Value * sequence.Value;
            if (tokens > SpecLimits.TokensPerShape)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, shapeJson.Span, field, $"batch {Grouped(batch.Value)} × sequence {Grouped(sequence.Value)} = {Grouped(tokens)} tokens", $"at most {Grouped(SpecLimits.TokensPerShape)} tokens");
                ok = false;
                continue;
            }

            var variant = new ShapeVariant(batch.Value, sequence.Value);
            if (result.Contains(variant))
            {
                Report(DiagnosticDescriptors.RepeatedEntry, shapeJson.Span, "bertgen.shapes", $"batch {variant.Batch}, sequence {variant.Sequence}");
                ok = false;
                continue;
            }

            result.Add(variant);
            _shapeSpans[variant] = shapeJson.Span;
        }

        // Smallest first: the runtime picks the first variant that fits an input.
        return ok ? result.OrderBy(s => s.Sequence).ThenBy(s => s.Batch).ToEquatableArray() : null;
    }

    private HeadSet? ParseHeads(FieldReader bertgen)
    {
        JsonProperty? heads = bertgen.Find("heads", "[] (encoder and pooler only)");
        if (heads is null)
        {
            return default(HeadSet);
        }

        if (heads.Value is not JsonArray array)
        {
            Report(DiagnosticDescriptors.WrongType, heads.Value.Span, "bertgen.heads", "an array of head names", heads.Value.Display);
            return null;
        }

        var kinds = new List<HeadKind>();
        bool ok = true;
        foreach (JsonNode item in array.Items)
        {
            if (item is not JsonString s)
            {
                Report(DiagnosticDescriptors.WrongType, item.Span, "bertgen.heads", "an array of head names", item.Display);
                ok = false;
                continue;
            }

            HeadInfo? head = Heads.FromSpecName(s.Value);
            if (head is null)
            {
                Report(DiagnosticDescriptors.UnknownHead, s.Span, s.Display, Heads.SpecNamesText);
                ok = false;
                continue;
            }

            if (kinds.Contains(head.Kind))
            {
                Report(DiagnosticDescriptors.RepeatedEntry, s.Span, "bertgen.heads", s.Display);
                ok = false;
                continue;
            }

            kinds.Add(head.Kind);
        }

        return ok ? HeadSet.Of(kinds) : null;
    }

    // Which forward passes to compile: ["fp32"] by default; "int8" adds an int8 pass per shape. fp32 must be listed,
    // because it is always compiled (training and every derived precision start from the fp32 weights).
    private PrecisionSet? ParsePrecisions(FieldReader bertgen)
    {
        const string Expected = "an array of precision names";
        JsonProperty? property = bertgen.Find("precisions", "[\"fp32\"]");
        if (property is null)
        {
            return PrecisionSet.Of(new[] { Precision.Fp32 });
        }

        if (property.Value is not JsonArray array)
        {
            Report(DiagnosticDescriptors.WrongType, property.Value.Span, "bertgen.precisions", Expected, property.Value.Display);
            return null;
        }

        var listed = new HashSet<Precision>();
        bool ok = true;
        foreach (JsonNode item in array.Items)
        {
            PrecisionInfo? precision = item is JsonString s ? Precisions.FromSpecName(s.Value) : null;
            if (item is not JsonString)
            {
                Report(DiagnosticDescriptors.WrongType, item.Span, "bertgen.precisions", Expected, item.Display);
                ok = false;
            }
            else if (precision is null)
            {
                Report(DiagnosticDescriptors.UnknownPrecision, item.Span, item.Display, Precisions.SpecNamesText);
                ok = false;
            }
            else if (!listed.Add(precision.Id))
            {
                Report(DiagnosticDescriptors.RepeatedEntry, item.Span, "bertgen.precisions", item.Display);
                ok = false;
            }
        }

        if (ok && !listed.Contains(Precision.Fp32))
        {
            Report(DiagnosticDescriptors.UnsupportedValue, property.Value.Span, "bertgen.precisions", "[" + string.Join(", ", array.Items.Select(i => i.Display)) + "]",
                "the fp32 forward is always compiled, so list \"fp32\" too, e.g. [\"fp32\", \"int8\"]");
            ok = false;
        }

        return ok ? PrecisionSet.Of(listed) : null;
    }

    // A masked-LM training step is compiled for every shape, and each gathers max_predictions_per_seq positions of each
    // sequence: a sequence of S tokens has at most S to mask, and the runtime's pretraining data refuses more
    // (PretrainingOptions.Validate), so a step of a shorter sequence compiled but could never be fed. At most the shortest
    // sequence, the gathered rows (batch × this, the M of the head's GEMMs) are at most the shape's tokens, which its own
    // bound holds to SpecLimits.TokensPerShape.
    private void CheckPredictionsFitSequences(FieldReader bertgen, ImmutableEquatableArray<ShapeVariant> shapes, int predictions)
    {
        ShapeVariant shortest = shapes.OrderBy(s => s.Sequence).ThenBy(s => s.Batch).First();
        if (predictions > shortest.Sequence)
        {
            // An absent field takes its default: the message says so, and points at the shape it does not fit.
            bool given = bertgen.Json.Find("max_predictions_per_seq") is not null;
            Report(DiagnosticDescriptors.ValueOutOfRange, given ? FieldSpan(bertgen, "max_predictions_per_seq") : _shapeSpans[shortest], "bertgen.max_predictions_per_seq",
                given ? Grouped(predictions) : Grouped(predictions) + " (its default)",
                $"at most {Grouped(shortest.Sequence)}: the training step of shape batch {Grouped(shortest.Batch)} × sequence {Grouped(shortest.Sequence)} gathers this many masked positions from each sequence of {Grouped(shortest.Sequence)} tokens");
        }
    }

    // Every compiled pass (each precision's forward and the training step, for each shape) spells out every layer:
    // the generated code grows with their product, which each field's own bound leaves at 66 MB of C#.
    private void CheckCompiledLayers(FieldReader bertgen, int layers, ImmutableEquatableArray<ShapeVariant> shapes, PrecisionSet precisions, bool training, int threads)
    {
        string[] passes = precisions.Present.Select(p => p.SpecName).Concat(training ? new[] { "training" } : Array.Empty<string>()).ToArray();
        // A shape split by sequences over the threads also has each precision's forward for one thread's share.
        int split = shapes.Count(s => ModelSpec.SplitsBySequence(threads, s));
        int forwards = precisions.Present.Count();
        long compiled = ((long)shapes.Count * passes.Length + (long)split * forwards) * layers;
        if (compiled > SpecLimits.CompiledLayers)
        {
            string passesText = $"{shapes.Count} shapes × {passes.Length} passes each ({string.Join(", ", passes)})";
            if (split > 0)
            {
                passesText = $"({passesText} + {split} per-thread shares × {forwards} precisions)";
            }

            Report(DiagnosticDescriptors.ValueOutOfRange, FieldSpan(bertgen, "shapes"), "bertgen.shapes",
                $"{passesText} × {layers} layers = {Grouped(compiled)} compiled layers",
                $"at most {Grouped(SpecLimits.CompiledLayers)} compiled layers (each is about 5 KB of generated C#); compile fewer shapes, passes or layers");
        }
    }

    /// <summary>
    /// Plans the spec as the source step will, and holds the plan against the runtime's buffer sizes: the
    /// parameters and every activation buffer are spans, so each must fit <see cref="SpecLimits.BufferFloats"/>.
    /// The field bounds keep every count inside 64 bits; the planner's arithmetic is checked all the same. The type
    /// name must not be one the generated code already uses (<see cref="ReservedTypeNames"/>), shapes included.
    /// </summary>
    private bool CheckPlan(ModelSpec spec, FieldReader config, TextSpan typeNameSpan)
    {
        ModelPlan plan;
        try
        {
            plan = ModelPlanner.Plan(spec);
        }
        catch (OverflowException)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, FieldSpan(config, "hidden_size"), "hidden_size", spec.Architecture.HiddenSize, "small enough for the model's sizes to be counted in 64 bits");
            return false;
        }

        if (plan.ParameterBufferLength > SpecLimits.BufferFloats)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, FieldSpan(config, "hidden_size"), "hidden_size", spec.Architecture.HiddenSize,
                $"small enough for the parameters to fit one buffer of {Grouped(SpecLimits.BufferFloats)} floats (they need {Grouped(plan.ParameterBufferLength)})");
            return false;
        }

        bool ok = true;
        IEnumerable<string> shapeClasses = plan.AllVariants.Select(ForwardEmitter.ClassName).Concat(plan.Training.Select(t => TrainingEmitter.ClassName(t.Shape)));
        if (ReservedTypeNames.Conflict(spec.TypeName, shapeClasses) is { } conflict)
        {
            Report(DiagnosticDescriptors.InvalidIdentifier, typeNameSpan, "bertgen.type_name", JsonNode.Visible(Short(spec.TypeName)), "type name here: " + conflict);
            ok = false;
        }

        foreach (ShapeVariant shape in spec.Shapes)
        {
            IEnumerable<ArenaSlot> buffers = plan.Variants.Single(v => v.Shape == shape).Buffers
                .Concat(plan.Training.Where(t => t.Shape == shape).SelectMany(t => t.Buffers));
            ArenaSlot largest = buffers.OrderByDescending(b => b.Length).First();
            if (largest.Length > SpecLimits.BufferFloats)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, _shapeSpans[shape], "bertgen.shapes", $"batch {Grouped(shape.Batch)} × sequence {Grouped(shape.Sequence)}",
                    $"small enough for every activation buffer to fit {Grouped(SpecLimits.BufferFloats)} floats ({largest.Name} {largest.Shape} needs {Grouped(largest.Length)})");
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>Unknown fields that look like misspelt known ones, and missing required fields, of every object read.</summary>
    private void ReportUnknownAndMissing()
    {
        FieldReader? settings = _objects.FirstOrDefault(o => o.Path == BertGenSection);
        FieldReader root = _objects[0];
        foreach (FieldReader fields in _objects)
        {
            var claimed = new HashSet<string>();
            foreach (string missing in fields.MissingRequired)
            {
                JsonProperty? likely = fields.Unknown.FirstOrDefault(p => NearMiss.Find(p.Name, new[] { missing }) is not null);
                JsonProperty? misplaced = fields.Path == BertGenSection ? root.Json.Find(missing) : null;
                if (misplaced is not null)
                {
                    // "shapes" written beside the HF fields: the section lacks it, and the one there is read nowhere.
                    int line = _text.Lines.GetLinePosition(misplaced.NameSpan.Start).Line + 1;
                    Report(DiagnosticDescriptors.MissingField, misplaced.NameSpan, FileName, fields.Path + missing,
                        $"; the '{missing}' on line {line} is beside the HF fields: move it into the 'bertgen' section");
                }
                else if (likely is not null)
                {
                    claimed.Add(likely.Name);
                    int line = _text.Lines.GetLinePosition(likely.NameSpan.Start).Line + 1;
                    Report(DiagnosticDescriptors.MissingField, likely.NameSpan, FileName, fields.Path + missing, $"; is '{Short(likely.Name)}' on line {line} a misspelling of it?");
                }
                else if (fields.Path == BertGenSection && root.Unknown.FirstOrDefault(p => NearMiss.Find(p.Name, new[] { missing }) is not null) is { } strayed)
                {
                    // "shape" beside the HF fields: misspelt and misplaced, read nowhere.
                    int line = _text.Lines.GetLinePosition(strayed.NameSpan.Start).Line + 1;
                    Report(DiagnosticDescriptors.MissingField, strayed.NameSpan, FileName, fields.Path + missing,
                        $"; is '{JsonNode.Visible(Short(strayed.Name))}' on line {line}, beside the HF fields, a misspelling of it? Move it into the 'bertgen' section");
                }
                else
                {
                    Report(DiagnosticDescriptors.MissingField, new TextSpan(fields.Json.Span.Start, 1), FileName, fields.Path + missing, string.Empty);
                }
            }

            foreach (JsonProperty unknown in fields.Unknown.Where(p => !claimed.Contains(p.Name)))
            {
                string? meant = fields.NearMissOf(unknown);
                if (fields.Path.StartsWith(BertGenSection, StringComparison.Ordinal))
                {
                    // The bertgen section, shapes included, is BertGen's own: anything it does not know there is a
                    // mistake ({ "batch": 8, "sequence": 128, "precision": "int8" } built an fp32 shape silently).
                    string hint = meant is not null ? $"did you mean '{meant}'?" : "known settings are " + string.Join(", ", fields.Known.Select(f => "'" + f + "'"));
                    Report(DiagnosticDescriptors.UnknownBertGenField, unknown.NameSpan, fields.Path.Substring(BertGenSection.Length) + JsonNode.Visible(Short(unknown.Name)), hint);
                }
                else if (fields.Path.Length == 0 && settings is not null && settings.Json.Find(unknown.Name) is null && settings.DefaultOf(unknown.Name) is { } defaultText)
                {
                    // A BertGen setting written beside the HF fields instead of in the bertgen section ("threads": 2 planned
                    // nothing, "training": true compiled no training step) is read nowhere: it is the setting misplaced.
                    Report(DiagnosticDescriptors.FieldLooksMisspelt, unknown.NameSpan, JsonNode.Visible(Short(unknown.Name)), BertGenSection + unknown.Name, defaultText);
                }
                else if (meant is not null)
                {
                    Report(DiagnosticDescriptors.FieldLooksMisspelt, unknown.NameSpan, fields.Path + JsonNode.Visible(Short(unknown.Name)), fields.Path + meant, fields.DefaultOf(meant) ?? "its default");
                }
                else if (fields.Path.Length == 0 && settings is not null && settings.NearMissOf(unknown) is { } setting
                    && settings.DefaultOf(setting) is { } settingDefault)
                {
                    // A BertGen setting both misplaced and misspelt ("thread": 2, "Training": true beside the HF fields) is
                    // read nowhere either. HF's own fields are clear of every setting's name (a test runs a real config).
                    Report(DiagnosticDescriptors.FieldLooksMisspelt, unknown.NameSpan, JsonNode.Visible(Short(unknown.Name)), BertGenSection + setting, settingDefault);
                }
            }
        }
    }

    private FieldReader Fields(JsonObject json, string path)
    {
        var fields = new FieldReader(json, path);
        _objects.Add(fields);
        return fields;
    }

    /// <summary>A C# name from the spec: at most <see cref="SpecLimits.NameLength"/> characters, no invisible characters, valid.</summary>
    private string? CheckName(string? name, TextSpan span, string field, string what, Func<string, bool> valid)
    {
        if (name is null)
        {
            return null;
        }

        // C# lets format characters (U+200B zero width space, U+202E right-to-left override) into identifiers and
        // ignores them, so "Model" and "Mo\u200Bdel" name the same type while reading differently.
        // A letter beyond U+FFFF (𝐀, U+1D400) is two UTF-16 surrogates, which C# identifiers cannot hold.
        int at = Enumerable.Range(0, name.Length).Where(i => JsonNode.IsInvisible(name[i])).DefaultIfEmpty(-1).First();
        string? problem = name.Length > SpecLimits.NameLength ? $"{what}: it has {Grouped(name.Length)} characters, at most {SpecLimits.NameLength} are allowed"
            : at >= 0 && char.IsSurrogatePair(name, at) ? $"{what}: it holds U+{char.ConvertToUtf32(name, at):X}, beyond U+FFFF, which C# identifiers cannot hold"
            : at >= 0 ? $"{what}: it holds the invisible character U+{(int)name[at]:X4}"
            : !valid(name) ? what
            : null;
        if (problem is null)
        {
            return name;
        }

        Report(DiagnosticDescriptors.InvalidIdentifier, span, field, JsonNode.Visible(Short(name)), problem);
        return null;
    }

    private int? ReadInt(FieldReader fields, string name, int? defaultValue, int min, int max)
    {
        string field = fields.Path + name;
        JsonProperty? p = fields.Find(name, defaultValue?.ToString(CultureInfo.InvariantCulture));
        if (p is null)
        {
            return defaultValue; // a missing required field is reported with the others, once every read is known
        }

        if (p.Value is not JsonNumber n || !n.IsInteger)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, field, "an integer", p.Value.Display);
            return null;
        }

        if (n.Value < min)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, field, n.Display, min == 1 ? "positive" : $"at least {min}");
            return null;
        }

        if (n.Value > max)
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, field, n.Display, "at most " + Grouped(max));
            return null;
        }

        return (int)n.Value;
    }

    private double? ReadDouble(FieldReader fields, string name, double defaultValue, Func<double, bool> valid, string rangeText)
    {
        JsonProperty? p = fields.Find(name, defaultValue.ToString("R", CultureInfo.InvariantCulture));
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonNumber n)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, fields.Path + name, "a number", p.Value.Display);
            return null;
        }

        if (!valid(n.Value))
        {
            Report(DiagnosticDescriptors.ValueOutOfRange, p.Value.Span, fields.Path + name, n.Display, rangeText);
            return null;
        }

        return n.Value;
    }

    private string? ReadString(FieldReader fields, string name, string? defaultValue)
    {
        JsonProperty? p = fields.Find(name, defaultValue is null ? null : Quote(defaultValue));
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonString s)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, fields.Path + name, "a string", p.Value.Display);
            return null;
        }

        return s.Value;
    }

    private bool? ReadBool(FieldReader fields, string name, bool defaultValue)
    {
        JsonProperty? p = fields.Find(name, defaultValue ? "true" : "false");
        if (p is null)
        {
            return defaultValue;
        }

        if (p.Value is not JsonBoolean b)
        {
            Report(DiagnosticDescriptors.WrongType, p.Value.Span, fields.Path + name, "true or false", p.Value.Display);
            return null;
        }

        return b.Value;
    }

    private static TextSpan FieldSpan(FieldReader fields, string name) => fields.Json.Find(name)?.Value.Span ?? new TextSpan(fields.Json.Span.Start, 1);

    private static string Quote(string value) => "\"" + JsonNode.Visible(Short(value)) + "\"";

    private static string Short(string value) => value.Length <= JsonNode.DisplayLength ? value : value.Substring(0, JsonNode.DisplayLength) + "…";

    private static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

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

    private void Report(DiagnosticDescriptor descriptor, TextSpan span, params object[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, ToLocation(span), args));

    private SpecLocation ToLocation(TextSpan span)
    {
        var lines = _text.Lines.GetLinePositionSpan(span);
        return new SpecLocation(_path, span.Start, span.Length, lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }

    private SpecParseResult Result(ModelSpec? spec, SpecLocation typeNameLocation) =>
        new(spec, typeNameLocation, Bounded(_diagnostics).ToEquatableArray());

    /// <summary>
    /// At most <see cref="SpecLimits.Diagnostics"/> of them, errors first so that a build that must fail still does,
    /// in file order, then BG0021 at the first one left out.
    /// </summary>
    private List<DiagnosticInfo> Bounded(List<DiagnosticInfo> all)
    {
        if (all.Count <= SpecLimits.Diagnostics)
        {
            return all;
        }

        static bool IsError(DiagnosticInfo d) => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
        // OrderBy is stable: errors, then warnings, each in the order reported.
        var listed = new HashSet<int>(Enumerable.Range(0, all.Count).OrderBy(i => IsError(all[i]) ? 0 : 1).Take(SpecLimits.Diagnostics));
        List<DiagnosticInfo> kept = all.Where((_, i) => listed.Contains(i)).ToList();
        List<DiagnosticInfo> left = all.Where((_, i) => !listed.Contains(i)).ToList();
        int errors = left.Count(IsError);
        string kinds = (errors, left.Count - errors) switch
        {
            (0, var w) => Plural(w, "warning"),
            (var e, 0) => Plural(e, "error"),
            (var e, var w) => Plural(e, "error") + " and " + Plural(w, "warning"),
        };
        kept.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MoreDiagnostics, left[0].Location, FileName, Plural(left.Count, "more problem"), SpecLimits.Diagnostics, kinds));
        return kept;
    }

    private static string Plural(int count, string noun) => Grouped(count) + " " + noun + (count == 1 ? string.Empty : "s");
}
