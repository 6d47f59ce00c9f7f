using System;

namespace BertGen.Runtime.Weights;

/// <summary>Element types a weight tensor may be stored in. All floating types are read as float32.</summary>
internal enum WeightDataType
{
    /// <summary>IEEE binary32.</summary>
    Float32,

    /// <summary>IEEE binary16.</summary>
    Float16,

    /// <summary>bfloat16: the top half of a binary32.</summary>
    BFloat16,

    /// <summary>Signed 64-bit integer (only buffers such as <c>position_ids</c>, never a parameter).</summary>
    Int64,

    /// <summary>Signed 8-bit integer: a quantised linear weight, beside its float32 scales (see <see cref="QuantizedWeightsFile"/>).</summary>
    Int8,
}

/// <summary>Sizes and names of <see cref="WeightDataType"/> values: the one table the readers and writers share.</summary>
internal static class WeightDataTypes
{
    // Type, bytes per element, safetensors dtype string, converts to float32 without losing meaning.
    private static readonly (WeightDataType Type, int Size, string Safetensors, bool FloatingPoint)[] Table =
    [
        (WeightDataType.Float32, 4, "F32", true),
        (WeightDataType.Float16, 2, "F16", true),
        (WeightDataType.BFloat16, 2, "BF16", true),
        (WeightDataType.Int64, 8, "I64", false),
        (WeightDataType.Int8, 1, "I8", false),
    ];

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(WeightDataType type) => Row(type).Size;

    /// <summary>Whether the type converts to float32 without losing meaning.</summary>
    public static bool IsFloatingPoint(WeightDataType type) => Row(type).FloatingPoint;

    /// <summary>The safetensors header's name of <paramref name="type"/> (<c>F32</c>, <c>I8</c>, …).</summary>
    public static string SafetensorsName(WeightDataType type) => Row(type).Safetensors;

    /// <summary>The type a safetensors header names <paramref name="dtype"/>, or null when BertGen reads no such type.</summary>
    public static WeightDataType? FromSafetensorsName(string dtype)
    {
        foreach ((WeightDataType type, int _, string name, bool _) in Table)
        {
            if (name == dtype)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>The safetensors dtypes BertGen reads, for messages: <c>F32, F16, BF16, I64, I8</c>.</summary>
    public static string SafetensorsNames => string.Join(", ", Array.ConvertAll(Table, row => row.Safetensors));

    private static (WeightDataType Type, int Size, string Safetensors, bool FloatingPoint) Row(WeightDataType type)
    {
        foreach (var row in Table)
        {
            if (row.Type == type)
            {
                return row;
            }
        }

        throw new WeightFileException($"unknown weight data type {(int)type}");
    }
}
