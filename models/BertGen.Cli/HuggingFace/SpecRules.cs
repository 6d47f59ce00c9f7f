using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Runtime;

namespace BertGen.Cli.HuggingFace;

/// <summary>
/// The generator's rules for a spec that <see cref="HuggingFaceConfig.Load"/> does not already hold a config to: the
/// fields only training reads, the parameters and activation buffers against the runtime's spans, and the generated type's
/// name and namespace. <c>bertgen spec</c> applies them before it writes, so a spec it writes compiles or is refused here
/// in one line, never by the build. The bounds and vocabularies are the generator's own (<see cref="SpecLimits"/>,
/// <see cref="ProblemTypes"/>, compiled in from generator/); the layout arithmetic mirrors its planner.
/// </summary>
internal static class SpecRules
{
    /// <summary>Floats per 64-byte cache line: the generator starts every parameter tensor on one (its <c>Alignment</c>).</summary>
    private const int CacheLineFloats = 16;

    /// <summary>The dropout probabilities, <c>initializer_range</c>, <c>pad_token_id</c> and <c>problem_type</c>, as the generator reads them.</summary>
    public static void RequireTrainingFields(HuggingFaceConfig config, JsonElement root)
    {
        string path = config.Path;
        Probability(root, "hidden_dropout_prob", path);
        Probability(root, "attention_probs_dropout_prob", path);
        if (root.TryGetProperty("initializer_range", out JsonElement range) && !(NumberOf(range) is double r && r <= 1 && (float)r > 0))
        {
            throw new CliFailureException($"'{path}': \"initializer_range\" must be a number above 0 and at most 1, not {range.GetRawText()}");
        }

        if (root.TryGetProperty("pad_token_id", out JsonElement pad)
            && !(pad.ValueKind == JsonValueKind.Number && pad.TryGetInt32(out int id) && id >= 0 && id < config.VocabSize))
        {
            throw new CliFailureException($"'{path}': \"pad_token_id\" must be a token id from 0 to {config.VocabSize - 1} (below vocab_size), not {pad.GetRawText()}");
        }

        if (root.TryGetProperty("problem_type", out JsonElement problem) && problem.ValueKind != JsonValueKind.Null)
        {
            ProblemTypeInfo? known = problem.ValueKind == JsonValueKind.String ? ProblemTypes.FromSpecName(problem.GetString()!) : null;
            if (known is null)
            {
                throw new CliFailureException($"'{path}': \"problem_type\" must be null or one of {ProblemTypes.SpecNamesText}, not {problem.GetRawText()}");
            }

            if (known.Id == ProblemType.Regression && config.Labels.Count != 1 && config.Heads.Contains(Heads.Of(HeadKind.SequenceClassification).SpecName))
            {
                throw new CliFailureException($"'{path}': \"problem_type\" \"regression\" needs num_labels 1, but the model has {config.Labels.Count} labels");
            }
        }
    }

    /// <summary>The parameters must fit one buffer: the runtime hands it out as a span, whose length is an <c>int</c>.</summary>
    public static void RequireParameterBuffer(HuggingFaceConfig config)
    {
        long floats = ParameterBufferFloats(config);
        if (floats > SpecLimits.BufferFloats)
        {
            throw new CliFailureException(string.Create(CultureInfo.InvariantCulture,
                $"'{config.Path}': the model's parameters need {floats:N0} floats, more than the {SpecLimits.BufferFloats:N0} one buffer holds"));
        }
    }

    /// <summary>
    /// The parameter buffer's length as the generator lays it out (its <c>ParameterLayout</c>): every HF tensor of the
    /// encoder and of <paramref name="config"/>'s head, each rounded up to whole cache lines.
    /// </summary>
    public static long ParameterBufferFloats(HuggingFaceConfig config)
    {
        long h = config.HiddenSize, i = config.IntermediateSize, v = config.VocabSize, labels = config.Labels.Count;
        HeadSet heads = HeadSetOf(config);
        long total = 0;
        void Tensor(long floats) => total += (floats + CacheLineFloats - 1) / CacheLineFloats * CacheLineFloats;
        void Linear(long outFeatures, long inFeatures)
        {
            Tensor(outFeatures * inFeatures);
            Tensor(outFeatures);
        }

        void LayerNorm()
        {
            Tensor(h);
            Tensor(h);
        }

        Tensor(v * h);
        Tensor(config.MaxPositions * h);
        Tensor(config.TypeVocabSize * h);
        LayerNorm();
        for (int layer = 0; layer < config.Layers; layer++)
        {
            Linear(h, h); // query, key, value, attention output
            Linear(h, h);
            Linear(h, h);
            Linear(h, h);
            LayerNorm();
            Linear(i, h);
            Linear(h, i);
            LayerNorm();
        }

        if (heads.HasPooler)
        {
            Linear(h, h);
        }

        if (heads.HasMlmHead)
        {
            Linear(h, h); // the transform; the decoder is tied to the word embeddings, only its bias is a tensor
            LayerNorm();
            Tensor(v);
        }

        if (heads.Pretraining || heads.QuestionAnswering)
        {
            Linear(2, h);
        }

        if (heads.SequenceClassification || heads.TokenClassification)
        {
            Linear(labels, h);
        }

        return total;
    }

    /// <summary>
    /// The most tokens (batch × sequence) a compiled shape of <paramref name="config"/> may have for every activation buffer
    /// of its forward pass to fit a span: the widest is a token's row of the query-key-value projection (3H), the
    /// feed-forward layer (I), or the masked-LM or token-classification logits (the vocabulary, the labels).
    /// </summary>
    public static int MaxTokensPerShape(HuggingFaceConfig config)
    {
        HeadSet heads = HeadSetOf(config);
        long widest = Math.Max(3L * config.HiddenSize, config.IntermediateSize);
        widest = Math.Max(widest, heads.HasMlmHead ? config.VocabSize : 0);
        widest = Math.Max(widest, heads.TokenClassification ? config.Labels.Count : 0);
        return (int)Math.Min(SpecLimits.BufferFloats / widest, SpecLimits.TokensPerShape);
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be the generated type's name, or null when it can: a C# identifier (no keyword, no
    /// invisible character), none the generated code gives a meaning (contextual keywords, its members, the classes of
    /// <paramref name="shapes"/>, the types it names: the generator's <see cref="ReservedTypeNames"/>), and with
    /// <paramref name="ns"/> neither a namespace the generated code names nor too long for the generated files' names.
    /// </summary>
    public static string? TypeNameProblem(string name, string ns, IEnumerable<(int Batch, int Sequence)> shapes)
    {
        if (IdentifierProblem(name) is string problem)
        {
            return "it " + problem;
        }

        // A compiled shape's class is B<batch>S<sequence> (the generator's ShapeVariant.Name); a spec from spec compiles fp32 only.
        if (ReservedTypeNames.Conflict(name, shapes.Select(s => $"B{s.Batch}S{s.Sequence}")) is string conflict)
        {
            return conflict;
        }

        if (ReservedTypeNames.FullNameConflict(ns, name) is string fullNameConflict)
        {
            return fullNameConflict;
        }

        return Encoding.UTF8.GetByteCount(ns + "." + name) + SpecLimits.FileNamePartBytes > SpecLimits.FileNameBytes
            ? $"with namespace {MessageText.Quote(ns)} the generated files' names would be longer than the {SpecLimits.FileNameBytes} bytes a file name may have"
            : null;
    }

    /// <summary>Why <paramref name="ns"/> cannot be the generated type's namespace (dotted C# identifiers), or null when it can.</summary>
    public static string? NamespaceProblem(string ns)
    {
        if (ns.Length > SpecLimits.NameLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it has {ns.Length:N0} characters, at most {SpecLimits.NameLength} are allowed");
        }

        foreach (string part in ns.Split('.'))
        {
            if (IdentifierProblem(part) is string problem)
            {
                return $"its part {MessageText.Quote(part)} {problem}";
            }
        }

        return ReservedTypeNames.NamespaceConflict(ns);
    }

    // As the generator's IsIdentifier (Roslyn's SyntaxFacts) reads a name, less the format characters C# allows and ignores
    // in one ("Mo\u200Bdel" is "Model"), which the generator refuses as invisible.
    // What is wrong with the name, said of it ("is a C# keyword"), or null.
    private static string? IdentifierProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }

        if (name.Length > SpecLimits.NameLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has {name.Length:N0} characters, at most {SpecLimits.NameLength} are allowed");
        }

        if (!IsIdentifierStart(name[0]) || !name.All(IsIdentifierPart))
        {
            return "is not a C# identifier (a letter or _, then letters, digits or _)";
        }

        return Keywords.Contains(name) ? "is a C# keyword" : null;
    }

    private static bool IsIdentifierStart(char c) => c == '_' || char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber;

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.GetUnicodeCategory(c) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static HeadSet HeadSetOf(HuggingFaceConfig config) =>
        HeadSet.Of(config.Heads.Select(h => Heads.FromSpecName(h)?.Kind ?? throw new InvalidOperationException($"No head named '{h}' in the generator's table.")));

    private static void Probability(JsonElement root, string name, string path)
    {
        if (root.TryGetProperty(name, out JsonElement value) && !(NumberOf(value) is double p && p >= 0 && (float)p < 1))
        {
            throw new CliFailureException($"'{path}': \"{name}\" must be a number in [0, 1), and below 1 as a float, not {value.GetRawText()}");
        }
    }

    private static double? NumberOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) ? number : null;

    /// <summary>C#'s reserved keywords: never an identifier.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "__arglist", "__makeref", "__reftype", "__refvalue", "abstract", "as", "base", "bool", "break", "byte", "case", "catch",
        "char", "checked", "class", "const", "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event",
        "explicit", "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int",
        "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof",
        "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong",
        "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };
}
