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
}

/// <summary>Sizes and names of <see cref="WeightDataType"/> values.</summary>
internal static class WeightDataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(WeightDataType type) => type switch
    {
        WeightDataType.Float32 => 4,
        WeightDataType.Float16 => 2,
        WeightDataType.BFloat16 => 2,
        WeightDataType.Int64 => 8,
        _ => throw new WeightFileException($"unknown weight data type {(int)type}"),
    };

    /// <summary>Whether the type converts to float32 without losing meaning.</summary>
    public static bool IsFloatingPoint(WeightDataType type) => type != WeightDataType.Int64;
}
