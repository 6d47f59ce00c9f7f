using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The widest vector the runtime's elementwise and row kernels (training kernels, the optimiser) use. Chosen once
/// from the hardware; tests run every width on the same data to check that the 512-bit, 256-bit and scalar paths
/// compute the same thing, so an AVX2-only machine runs the 256-bit path a test has already checked.
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
