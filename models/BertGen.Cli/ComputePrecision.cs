using System;
using System.Linq;
using BertGen.Runtime.Inference;

namespace BertGen.Cli;

/// <summary>
/// The number formats the compiled forward passes compute in, as <c>--precision</c> names them. One table: the parser,
/// the help text, <c>inspect</c>, <c>bench</c> and <c>serve</c>'s <c>/info</c> (<c>model_dtype</c>) all read <see cref="All"/>.
/// </summary>
/// <param name="Runtime">The runtime's precision; its name is the runtime's (<c>PrecisionNames</c>), the spec's too.</param>
/// <param name="DataType">TEI's <c>model_dtype</c> for it.</param>
internal sealed record ComputePrecision(Precision Runtime, string DataType)
{
    /// <summary>Float32 weights and activations: the compiled kernels as they are.</summary>
    public static ComputePrecision Fp32 { get; } = new(Precision.Fp32, "float32");

    /// <summary>Int8 linear layers (ONNX Runtime's dynamic quantisation), the rest float32; the spec must compile it.</summary>
    public static ComputePrecision Int8 { get; } = new(Precision.Int8, "int8");

    /// <summary>The command line's name: <c>fp32</c>, <c>int8</c>.</summary>
    public string Name => PrecisionNames.Of(Runtime);

    public static ComputePrecision[] All { get; } = [Fp32, Int8];

    /// <summary>The names for help texts: <c>fp32|int8</c>.</summary>
    public static string Names => string.Join("|", All.Select(p => p.Name));

    public static ComputePrecision Of(Precision precision) => All.First(p => p.Runtime == precision);

    /// <summary>The precision <paramref name="value"/> names, exactly as the spec's <c>precisions</c> and the other closed
    /// options (<c>--pooling</c>, <c>--format</c>) take their names: <c>INT8</c> is no more a precision than <c>MEAN</c> a pooling.</summary>
    public static ComputePrecision Parse(string value) =>
        All.FirstOrDefault(p => string.Equals(p.Name, value, StringComparison.Ordinal))
        ?? throw new CliUsageException($"--precision must be one of {string.Join(", ", All.Select(p => p.Name))}, not '{value}'");

    /// <summary>
    /// What <paramref name="model"/> computes in: <paramref name="given"/> when --precision was given, else int8 for an
    /// int8 weights file (its fp32 weights are gone, so int8 is all it can run) and fp32 for anything else; and whether
    /// the weights are such a file. Decided once, before any weights load, so a server refuses before it listens.
    /// </summary>
    /// <exception cref="CliUsageException">fp32 was asked for an int8 weights file, whose fp32 weights are gone; or the
    /// model was not compiled in the precision.</exception>
    public static (ComputePrecision Precision, bool Int8File) For(ComputePrecision? given, string? weightsPath, ModelDescriptor model)
    {
        bool int8File = weightsPath is not null && System.IO.File.Exists(weightsPath) && Int8WeightsFile.Is(weightsPath);
        if (int8File && given is not null && given != Int8)
        {
            throw Int8WeightsFile.NeedsInt8(weightsPath!);
        }

        ComputePrecision precision = given ?? (int8File ? Int8 : Fp32);
        precision.CheckCompiled(model);
        return (precision, int8File);
    }

    // Refuses a precision the model was not compiled in, naming the spec setting that compiles it.
    private void CheckCompiled(ModelDescriptor model)
    {
        if (!model.Precisions.Contains(Runtime))
        {
            throw new CliUsageException(
                $"model '{ModelCatalog.CliName(model)}' is compiled in {string.Join(", ", model.Precisions.Select(p => Of(p).Name))} only, not {Name} " +
                $"(its spec would list \"{Name}\" in \"precisions\")");
        }
    }
}
