using System;
using System.Linq;

namespace BertGen.Generator.Model;

/// <summary>The <c>hidden_act</c> values BertGen implements (REFERENCE.md §1); each has one row in <see cref="Activations"/>.</summary>
internal enum Activation
{
    GeluErf,
    GeluTanh,
    Relu,
    Silu,
}

/// <summary>One activation: the names a spec may give it, the name the runtime's kernels know it by, and its formula.</summary>
/// <param name="Id">The spec model's value.</param>
/// <param name="SpecNames">The HF <c>hidden_act</c> strings meaning it; the first is the one BertGen reports back.</param>
/// <param name="RuntimeName">Its member of <c>BertGen.Runtime.Kernels.Activation</c> (a test pins the two).</param>
/// <param name="Formula">What it computes, quoted in generated comments.</param>
internal sealed record ActivationInfo(Activation Id, string[] SpecNames, string RuntimeName, string Formula)
{
    /// <summary>The HF name BertGen reports (descriptor, comments).</summary>
    public string Name => SpecNames[0];
}

/// <summary>
/// The closed vocabulary of activations, in one table: the parser reads its names, BG0007's message lists them,
/// the planner and emitters read the runtime name and formula. An activation not in the table is a bug that
/// throws here, never a silent fallback to another one.
/// </summary>
internal static class Activations
{
    /// <summary>The runtime activation of the pooler (tanh), which is not a <c>hidden_act</c>.</summary>
    public const string PoolerRuntimeName = "Tanh";

    public static readonly ActivationInfo[] All =
    {
        new(Activation.GeluErf, new[] { "gelu" }, "GeluErf", "0.5·x·(1 + erf(x/√2))"),
        new(Activation.GeluTanh, new[] { "gelu_new", "gelu_pytorch_tanh" }, "GeluTanh", "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))"),
        new(Activation.Relu, new[] { "relu" }, "Relu", "max(x, 0)"),
        new(Activation.Silu, new[] { "silu", "swish" }, "Silu", "x·σ(x)"),
    };

    /// <summary>Every name a spec may write, quoted, for diagnostics: <c>"gelu", "gelu_new", … and "relu"</c>.</summary>
    public static string SpecNamesText => Vocabulary.Quoted(All.SelectMany(a => a.SpecNames));

    public static ActivationInfo Of(Activation id) =>
        All.FirstOrDefault(a => a.Id == id) ?? throw new InvalidOperationException($"Activation {(int)id} has no row in Activations.All.");

    /// <summary>The activation a <c>hidden_act</c> string names, or null.</summary>
    public static ActivationInfo? FromSpecName(string name) => All.FirstOrDefault(a => Array.IndexOf(a.SpecNames, name) >= 0);
}
