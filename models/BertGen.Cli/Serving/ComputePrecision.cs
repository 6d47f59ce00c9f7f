using System;
using System.Linq;

namespace BertGen.Cli.Serving;

/// <summary>
/// The number format the served model computes in, as <c>--precision</c> names it. One table: the parser, the help
/// text and <c>/info</c>'s <c>model_dtype</c> all read <see cref="All"/>; a precision this build cannot compute yet
/// (int8 needs its own kernels and weight packing) is listed in <see cref="Planned"/> so that asking for it says so.
/// </summary>
internal sealed record ComputePrecision(string Name, string DataType)
{
    /// <summary>Float32 weights and activations: the compiled kernels as they are.</summary>
    public static ComputePrecision Fp32 { get; } = new("fp32", "float32");

    /// <summary>What this build computes in.</summary>
    public static ComputePrecision[] All { get; } = [Fp32];

    /// <summary>Precisions that are designed for but not built yet.</summary>
    public static string[] Planned { get; } = ["int8"];

    public static ComputePrecision Parse(string value)
    {
        ComputePrecision? known = All.FirstOrDefault(p => string.Equals(p.Name, value, StringComparison.OrdinalIgnoreCase));
        if (known is not null)
        {
            return known;
        }

        string available = string.Join(", ", All.Select(p => p.Name));
        throw new CliUsageException(Planned.Contains(value, StringComparer.OrdinalIgnoreCase)
            ? $"--precision {value} is not available yet: this build computes in {available} only"
            : $"--precision must be one of {available}, not '{value}'");
    }
}
