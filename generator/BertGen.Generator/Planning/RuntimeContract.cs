namespace BertGen.Generator.Planning;

/// <summary>
/// Facts about the runtime's kernels the generator must know at build time to size buffers. Each mirrors a
/// constant of BertGen.Runtime; a test asserts they agree, so a change on one side fails the build's tests.
/// </summary>
internal static class RuntimeContract
{
    /// <summary><c>BertGen.Runtime.Kernels.PackedPanels.PanelWidth</c>: columns per packed GEMM panel.</summary>
    public const int PanelWidth = 48;

    /// <summary>
    /// <c>BertGen.Runtime.CompilerServices.Gemm.MinimumFlopsToSplit</c>: below this many FLOPs the runtime runs a
    /// GEMM on one thread whatever pool it is given, so the plan hands it none.
    /// </summary>
    public const long MinimumFlopsToSplit = 1 << 17;

    /// <summary><c>PackedPanels.PackedLength(n, k)</c>: floats of a packed <c>[n, k]</c> operand.</summary>
    public static long PackedLength(int n, int k) => (long)((n + PanelWidth - 1) / PanelWidth) * PanelWidth * k;
}
