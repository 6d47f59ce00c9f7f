using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// The widest vector the optimiser kernels use. Chosen once from the hardware; tests run every width on the same
/// data to check that the vector bodies and the scalar tails compute the same thing.
/// </summary>
internal enum VectorWidth
{
    Scalar = 1,
    Bits256 = 8,
    Bits512 = 16,
}

internal static class VectorWidths
{
    public static VectorWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? VectorWidth.Bits512
        : Vector256.IsHardwareAccelerated ? VectorWidth.Bits256
        : VectorWidth.Scalar;
}
