using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Emitting;

/// <summary>
/// The names a model's type may not take because the generated code already gives them a meaning. A member may not
/// share its class's name (CS0542: a model named <c>Parameters</c> or <c>B2S16</c> did not compile), and the model's
/// type, declared in its namespace, hides every type the generated code names without qualification — the runtime's
/// aliases (<see cref="RuntimeTypes"/>) and the BCL types below — so a model named <c>ComputePool</c> or
/// <c>Vector512</c> broke the code that meant the other one. Contextual keywords (<c>record</c>, <c>file</c>,
/// <c>required</c>, <c>scoped</c>, <c>var</c>) are refused or warned about as type names by the compiler itself. A
/// test collects every member the generated class declares and every type its code names, and holds them against this;
/// another holds the contextual keywords against Roslyn's. Plain C# (no Roslyn, no plan): <c>bertgen spec</c> compiles
/// this file in too, to refuse such a name before it writes a spec.
/// </summary>
internal static class ReservedTypeNames
{
    /// <summary>Members a generated model class may declare, over every combination of heads, precisions and training.</summary>
    private static readonly HashSet<string> Members = new(StringComparer.Ordinal)
    {
        "Activation", "AttentionDropout", "CreateForwardPass", "CreateFp32ForwardPass", "CreateInt8ForwardPass",
        "CreateTrainingStep", "Descriptor", "Dispose", "DisposeTraining", "EnsureWeightsPrepared", "ForwardPrecision",
        "Gradients", "HasMaskedLmHead", "HasNextSentenceHead", "HasPooler", "HasQuestionAnswering", "HasSequenceClassifier",
        "HasTokenClassifier", "HeadCount", "HeadSize", "HiddenDropout", "HiddenSize", "InferenceOnlyError",
        "InitializeParameters", "InitializerRange", "Int8WeightLength", "Int8WeightNames", "Int8WeightsPointer",
        "Int8WordEmbeddings", "IntermediateSize", "IsInferenceOnly", "LabelCount", "Labels", "LayerCount",
        "LayerNormEpsilon", "MaxPositions", "MaxPredictionsPerSequence", "Name", "Objective", "PackedOffset",
        "PackedSources", "PackedWeightLength", "PackedWeights", "PackWeights", "PadTokenId", "Parameter", "ParameterBufferLength",
        "ParameterCount", "ParameterOffset", "Parameters", "ParameterTable", "Pool", "Precisions", "PrepareInt8Weights",
        "PrepareWeights", "PrepareWeightsForInference", "QuantizedOffset", "QuantizeWeights", "RowKernels",
        "ShapeVariants", "SupportsTraining", "TypeVocabSize", "VocabSize",
        "_disposed", "_forwardPrecision", "_gradients", "_inferenceOnly", "_int8File", "_int8Prepared", "_int8SourceFirsts", "_int8Weights", "_ownsPool",
        "_packedSourceFirsts", "_packedWeights", "_parameters", "_weightsAllZero", "_weightsPrepared", "_wordEmbeddingsInFile",
    };

    /// <summary>
    /// Types nested in a compiled shape's class (the per-thread schedule's, <c>bertgen.threads</c>): inside that class
    /// they hide the model's type, which the shape names (its <c>_model</c> field and constructor).
    /// </summary>
    private static readonly HashSet<string> ShapeTypes = new(StringComparer.Ordinal) { "PerThread", "ShareContext" }; // ForwardEmitter's PerThreadClass, ShareContextType

    /// <summary>BCL types generated code names without qualification (through the usings <see cref="RuntimeTypes"/> writes).</summary>
    private static readonly HashSet<string> NamedTypes = new(RuntimeTypes.All.Select(a => a.Alias), StringComparer.Ordinal)
    {
        "ArgumentException", "ArgumentNullException", "ArgumentOutOfRangeException", "GeneratedCode", "GeneratedCodeAttribute",
        "IDisposable", "IntPtr", "IReadOnlyList", "InvalidOperationException", "Math", "MathF", "MethodImpl", "MethodImplAttribute",
        "MethodImplOptions", "ObjectDisposedException", "ReadOnlySpan", "Span", "Vector256", "Vector512",
    };

    /// <summary>Of <see cref="NamedTypes"/>, those generated code writes only with one type argument (<c>Span&lt;float&gt;</c>).</summary>
    private static readonly HashSet<string> OnlyGeneric = new(StringComparer.Ordinal) { "IReadOnlyList", "ReadOnlySpan", "Span" };

    /// <summary>Of <see cref="NamedTypes"/>, those generated code writes both bare (<c>Vector512.Load</c>) and with one type argument.</summary>
    private static readonly HashSet<string> AlsoGeneric = new(StringComparer.Ordinal) { "Vector256", "Vector512" };

    /// <summary>
    /// Whether generated code names a type <paramref name="name"/> of <paramref name="arity"/> type parameters without
    /// qualifying it: a type of that name and arity in the model's own namespace is what the name means there.
    /// </summary>
    public static bool IsNamedUnqualified(string name, int arity) => arity switch
    {
        0 => NamedTypes.Contains(name) && !OnlyGeneric.Contains(name),
        1 => OnlyGeneric.Contains(name) || AlsoGeneric.Contains(name),
        _ => false,
    };

    /// <summary>
    /// Of <see cref="NamedTypes"/>, those generated code writes only where a type goes (a declaration, <c>new</c>, a cast, a
    /// type argument, an attribute), never as an expression (<c>Gemm.Linear(…)</c>, <c>Math.Max(…)</c>): there C# looks up a
    /// name among the enclosing classes' nested types alone, so a field, property, event or method of the model so named
    /// hides nothing. A test holds this against the compiled output.
    /// </summary>
    private static readonly HashSet<string> OnlyAsTypes = new(StringComparer.Ordinal)
    {
        "AlignedBuffer", "ArenaBuffer", "ArgumentException", "ArgumentOutOfRangeException", "GeneratedCode", "GeneratedCodeAttribute",
        "IBertModel", "IDisposable", "IForwardPass", "IGradientProgress", "IInt8Model", "IInt8WeightSource", "IReadOnlyList",
        "ITrainableModel", "ITrainingStep", "IntPtr", "InvalidOperationException", "LossResult", "MethodImpl", "MethodImplAttribute",
        "ModelDescriptor", "OneCallAtATime", "ReadOnlySpan", "ShapeDescriptor", "Span", "TrainingBatch", "TrainingLosses",
    };

    /// <summary>
    /// Whether a member of the model's class named <paramref name="name"/> hides, inside the class, a type the generated code
    /// names so: a nested type of <paramref name="typeArity"/> type parameters as <see cref="IsNamedUnqualified"/> says (a
    /// class <c>Span</c> is another name than <c>Span&lt;T&gt;</c>), any other member (<paramref name="typeArity"/> null, a
    /// generic method too) where generated code writes the name as an expression.
    /// </summary>
    public static bool IsHiddenByMember(string name, int? typeArity) =>
        typeArity is { } arity ? IsNamedUnqualified(name, arity) : NamedTypes.Contains(name) && !OnlyAsTypes.Contains(name);

    /// <summary>The names generated code writes as an expression (a member of them so named hides them, whatever its kind).</summary>
    public static IEnumerable<string> NamedInExpressions => NamedTypes.Where(n => !OnlyAsTypes.Contains(n));

    /// <summary>Every type name generated code writes without qualification (<see cref="IsNamedUnqualified"/> says at which arity).</summary>
    public static IEnumerable<string> NamedUnqualified => NamedTypes;

    /// <summary>
    /// C#'s contextual keywords: every name Roslyn 5.9's <c>SyntaxFacts.GetContextualKeywordKind</c> knows (a test holds
    /// the two together), listed so that this file needs no Roslyn.
    /// </summary>
    private static readonly HashSet<string> ContextualKeywordSet = new(StringComparer.Ordinal)
    {
        "_", "add", "alias", "allows", "and", "ascending", "assembly", "async", "await", "by", "closed", "descending", "equals",
        "extension", "field", "file", "from", "get", "global", "group", "init", "into", "join", "let", "managed", "method",
        "module", "nameof", "not", "on", "or", "orderby", "param", "partial", "property", "record", "remove", "required",
        "safe", "scoped", "select", "set", "type", "typevar", "union", "unmanaged", "var", "when", "where", "with", "yield",
    };

    public static IEnumerable<string> ContextualKeywords => ContextualKeywordSet;

    /// <summary>
    /// Why <paramref name="typeName"/> cannot name a model whose compiled shapes' classes are <paramref name="shapeClasses"/>
    /// (<c>B1S128</c>, <c>B1S128Int8</c>, <c>TrainingB8S128</c>), or null when it can.
    /// </summary>
    public static string? Conflict(string typeName, IEnumerable<string> shapeClasses)
    {
        if (ContextualKeywordSet.Contains(typeName))
        {
            return "it is a C# contextual keyword";
        }

        if (shapeClasses.Contains(typeName))
        {
            return "it is the name of one of the model's compiled shapes";
        }

        if (Members.Contains(typeName))
        {
            return "it is the name of a member of the generated model";
        }

        if (ShapeTypes.Contains(typeName))
        {
            return "it is the name of a type nested in the model's compiled shapes";
        }

        return NamedTypes.Contains(typeName) ? "generated code names another type so" : null;
    }

    /// <summary>
    /// Why <paramref name="ns"/> cannot be a model's namespace, or null when it can: a namespace of the runtime that holds
    /// the types the generated code's aliases name (<see cref="RuntimeTypes.AliasesInto"/>), or one with a part named
    /// <c>nameof</c>, which from inside the namespace is what the generated code's <c>nameof(model)</c> finds before the
    /// operator (CS0118 at each use). The other contextual keywords are no trouble as a namespace part (a test compiles a
    /// model under each as every part).
    /// </summary>
    public static string? NamespaceConflict(string ns)
    {
        string[] aliased = RuntimeTypes.AliasesInto(ns).ToArray();
        if (aliased.Length > 0)
        {
            string names = aliased.Length == 1 ? $"'{aliased[0]}'" : $"'{aliased[0]}' and {aliased.Length - 1} more";
            return $"it is the BertGen runtime's namespace of {names}, which the generated code names by an alias of the same name inside the model's namespace, and C# refuses an alias beside a type of its name";
        }

        return ns.Split('.').Contains("nameof") ? "its part 'nameof' is what the generated code's nameof(…) would find instead of the operator" : null;
    }

    /// <summary>The namespaces generated code names and those they lie in (<see cref="RuntimeTypes.NamedNamespaces"/>).</summary>
    private static readonly HashSet<string> NamedNamespaces = new(RuntimeTypes.NamedNamespaces, StringComparer.Ordinal);

    /// <summary>
    /// Why <paramref name="typeName"/> cannot name a model in <paramref name="ns"/>, or null when it can: a model whose full
    /// name is a namespace the generated code names (type <c>Runtime</c> in namespace <c>BertGen</c> is
    /// <c>BertGen.Runtime</c>) is a type where that code looks for the namespace, and none of it compiles (CS0426, CS0146).
    /// </summary>
    public static string? FullNameConflict(string ns, string typeName) =>
        NamedNamespaces.Contains(ns + "." + typeName) ? $"in namespace '{ns}' the model would be '{ns}.{typeName}', a namespace the generated code uses" : null;
}
