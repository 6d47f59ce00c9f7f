using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Model;

/// <summary>The arithmetic a compiled forward pass runs its linear layers in; each has one row in <see cref="Precisions"/>.</summary>
internal enum Precision
{
    Fp32,
    Int8,
}

/// <summary>One precision: its spec name, the suffix of its forward passes' class names and the runtime's name for it.</summary>
/// <param name="Id">The spec model's value.</param>
/// <param name="SpecName">Its name in <c>bertgen.precisions</c>.</param>
/// <param name="ClassSuffix">Appended to a shape's class name: <c>B1S128</c> (fp32), <c>B1S128Int8</c>.</param>
/// <param name="RuntimeName">Its member of <c>BertGen.Runtime.Inference.Precision</c> (a test pins the two).</param>
/// <param name="Scheme">What it does, quoted in generated comments.</param>
internal sealed record PrecisionInfo(Precision Id, string SpecName, string ClassSuffix, string RuntimeName, string Scheme);

/// <summary>
/// The closed vocabulary of precisions, in one table: the parser reads its names, BG0019's message lists them, the
/// planner and emitters read the class suffix and runtime name. fp32 is always compiled (training, and the weights
/// every other precision is derived from, are fp32); int8 is ONNX Runtime's dynamic quantisation of the linear layers.
/// </summary>
internal static class Precisions
{
    public static readonly PrecisionInfo[] All =
    {
        new(Precision.Fp32, "fp32", string.Empty, "Fp32", "fp32 throughout"),
        new(Precision.Int8, "int8", "Int8", "Int8",
            "linear layers in int8 (weights per output channel, symmetric; activations per token with a zero point; int32 sums), the rest fp32"),
    };

    public static string SpecNamesText => Vocabulary.Quoted(All.Select(p => p.SpecName));

    public static PrecisionInfo Of(Precision id) =>
        All.FirstOrDefault(p => p.Id == id) ?? throw new InvalidOperationException($"Precision {(int)id} has no row in Precisions.All.");

    public static PrecisionInfo? FromSpecName(string name) => All.FirstOrDefault(p => p.SpecName == name);
}

/// <summary>The precisions a spec compiles, as a set over <see cref="Precision"/> (value-equal, like <see cref="HeadSet"/>).</summary>
internal readonly record struct PrecisionSet(int Mask)
{
    public static PrecisionSet Of(IEnumerable<Precision> precisions) => new(precisions.Aggregate(0, (mask, p) => mask | (1 << (int)p)));

    public bool Has(Precision precision) => (Mask & (1 << (int)precision)) != 0;

    /// <summary>The precisions present, in table order (fp32 first).</summary>
    public IEnumerable<PrecisionInfo> Present
    {
        get
        {
            PrecisionSet self = this;
            return Precisions.All.Where(p => self.Has(p.Id));
        }
    }
}
