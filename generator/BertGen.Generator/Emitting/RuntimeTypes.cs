using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace BertGen.Generator.Emitting;

/// <summary>
/// The runtime types generated code names, each once, as an alias (<c>using Gemm = global::…;</c>) at the top of the
/// namespace of the files that use it, so the code below reads <c>Gemm.Linear(…)</c> rather than a fully qualified name on
/// every line. Aliases are looked up after the model's own members, so none may share a name with one: the kernel
/// activation enum is <c>ActivationKind</c> because every model has a constant <c>Activation</c>, its HF name.
/// </summary>
internal static class RuntimeTypes
{
    private const string Runtime = "global::BertGen.Runtime";

    public static readonly (string Alias, string Type)[] All =
    {
        ("ActivationKernels", Runtime + ".CompilerServices.ActivationKernels"),
        ("ActivationKind", Runtime + ".CompilerServices.Activation"),
        ("ActivationMath", Runtime + ".CompilerServices.ActivationMath"),
        ("AlignedBuffer", Runtime + ".Memory.AlignedBuffer"),
        ("ArenaBuffer", Runtime + ".CompilerServices.ArenaBuffer"),
        ("AttentionKernels", Runtime + ".CompilerServices.AttentionKernels"),
        ("BufferKernels", Runtime + ".CompilerServices.BufferKernels"),
        ("ComputePool", Runtime + ".Threading.ComputePool"),
        ("Dropout", Runtime + ".CompilerServices.Dropout"),
        ("EmbeddingKernels", Runtime + ".CompilerServices.EmbeddingKernels"),
        ("Gemm", Runtime + ".CompilerServices.Gemm"),
        ("GemmEpilogue", Runtime + ".CompilerServices.GemmEpilogue"),
        ("HorizontalMax", Runtime + ".CompilerServices.HorizontalMax"),
        ("IBertModel", Runtime + ".Inference.IBertModel"),
        ("IForwardPass", Runtime + ".Inference.IForwardPass"),
        ("IGradientProgress", Runtime + ".CompilerServices.IGradientProgress"),
        ("IInt8Model", Runtime + ".CompilerServices.IInt8Model"),
        ("IInt8WeightSource", Runtime + ".CompilerServices.IInt8WeightSource"),
        ("ITrainableModel", Runtime + ".Training.ITrainableModel"),
        ("ITrainingStep", Runtime + ".Training.ITrainingStep"),
        ("InputValidation", Runtime + ".CompilerServices.InputValidation"),
        ("Int8Kernels", Runtime + ".CompilerServices.Int8Kernels"),
        ("LayerNormKernels", Runtime + ".CompilerServices.LayerNormKernels"),
        ("LinearPacker", Runtime + ".CompilerServices.LinearPacker"),
        ("LossKernels", Runtime + ".CompilerServices.LossKernels"),
        ("LossResult", Runtime + ".CompilerServices.LossResult"),
        ("ModelDescriptor", Runtime + ".Inference.ModelDescriptor"),
        ("OneCallAtATime", Runtime + ".CompilerServices.OneCallAtATime"),
        ("ParameterInfo", Runtime + ".ParameterInfo"),
        ("ParameterInitializer", Runtime + ".CompilerServices.ParameterInitializer"),
        ("ParameterKind", Runtime + ".ParameterKind"),
        ("Precision", Runtime + ".Inference.Precision"),
        ("RowReductions", Runtime + ".CompilerServices.RowReductions"),
        ("ShapeDescriptor", Runtime + ".Inference.ShapeDescriptor"),
        ("SoftmaxBackward", Runtime + ".CompilerServices.SoftmaxBackward"),
        ("StepMode", Runtime + ".Training.StepMode"),
        ("TrainingBatch", Runtime + ".Training.TrainingBatch"),
        ("TrainingBatchValidation", Runtime + ".CompilerServices.TrainingBatchValidation"),
        ("TrainingLosses", Runtime + ".Training.TrainingLosses"),
        ("TrainingObjective", Runtime + ".Training.TrainingObjective"),
    };

    // The BCL namespaces generated code uses, and a token that shows a file needs each.
    private static readonly (string Namespace, string Pattern)[] Namespaces =
    {
        ("System", @"\b(ReadOnlySpan|Span|Math|MathF|IntPtr|ArgumentNullException|ArgumentException|InvalidOperationException|ObjectDisposedException)\b"),
        ("System.CodeDom.Compiler", @"\[GeneratedCode\("),
        ("System.Collections.Generic", @"\bIReadOnlyList<"),
        ("System.Runtime.CompilerServices", @"\[MethodImpl\("),
        ("System.Runtime.Intrinsics", @"\bVector(256|512)\b"),
    };

    /// <summary>
    /// Every namespace generated code names, in its usings and its aliases' targets (without <c>global::</c>), and every
    /// namespace those lie in: <c>System.Runtime.Intrinsics</c>, <c>System.Runtime</c>, <c>BertGen.Runtime</c>, <c>BertGen</c>, ….
    /// </summary>
    public static IEnumerable<string> NamedNamespaces =>
        Namespaces.Select(n => n.Namespace)
            .Concat(All.Select(a => a.Type.Substring("global::".Length, a.Type.LastIndexOf('.') - "global::".Length)))
            .SelectMany(ns => ns.Split('.').Select((_, i) => string.Join(".", ns.Split('.').Take(i + 1))))
            .Distinct();

    /// <summary>The BCL namespaces generated code imports (<c>System</c>, <c>System.Runtime.Intrinsics</c>, …).</summary>
    public static IEnumerable<string> ImportedNamespaces => Namespaces.Select(n => n.Namespace);

    /// <summary>The runtime type an alias stands for, without <c>global::</c>, or null when <paramref name="alias"/> is none.</summary>
    public static string? AliasTarget(string alias) =>
        All.Where(a => a.Alias == alias).Select(a => a.Type.Substring("global::".Length)).FirstOrDefault();

    /// <summary>
    /// Whether the types of <paramref name="ns"/> are those the generated code means by their names in a model of
    /// <paramref name="ns"/>: a namespace its usings import (<c>System.Math</c>). Not the namespace of an alias's target: C#
    /// refuses an alias in a namespace that has a type of the alias's name, even the very type it stands for
    /// (<see cref="AliasesInto"/>).
    /// </summary>
    public static bool IsImported(string ns) => Namespaces.Any(n => n.Namespace == ns);

    /// <summary>
    /// The aliases whose target is a type of <paramref name="ns"/> named as the alias (<c>ParameterInfo</c> in
    /// <c>BertGen.Runtime</c>): generated code declares them inside the model's namespace, so a model in <paramref name="ns"/>
    /// was CS0576 at each and dozens of errors after.
    /// </summary>
    public static IEnumerable<string> AliasesInto(string ns) => All.Where(a => a.Type == "global::" + ns + "." + a.Alias).Select(a => a.Alias);

    /// <summary>
    /// The using directives a file whose code is <paramref name="body"/> needs: namespaces, then aliases. They stand inside
    /// the model's namespace, so the namespaces are <c>global::</c> too: a namespace <c>System</c> under the model's would
    /// be found first.
    /// </summary>
    public static string[] UsingsFor(string body) =>
        Namespaces.Where(n => Regex.IsMatch(body, n.Pattern)).Select(n => $"using global::{n.Namespace};")
            .Concat(All.Where(a => Regex.IsMatch(body, @"\b" + a.Alias + @"\b")).Select(a => $"using {a.Alias} = {a.Type};"))
            .ToArray();
}
