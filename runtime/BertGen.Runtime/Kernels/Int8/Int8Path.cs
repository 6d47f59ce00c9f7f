using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// Which instruction set an int8 GEMM runs on. <see cref="Auto"/> picks the fastest the machine has; the others
/// force a path so tests check every path on one machine and benchmarks compare them. Every path computes the
/// same integers, so all give bitwise the same results.
/// </summary>
/// <remarks>
/// A 512-bit VNNI path (<c>AvxVnni.V512</c>, .NET 11) goes in before <see cref="AvxVnni"/>: it reads the same
/// packed panels (<see cref="QuantizedPanels"/>) with an 8×48 tile, so no caller changes.
/// </remarks>
internal enum Int8Path
{
    /// <summary>The fastest path this machine has: AVX-VNNI, else AVX2, else scalar.</summary>
    Auto,

    /// <summary>VPDPBUSD on 256-bit vectors (<see cref="System.Runtime.Intrinsics.X86.AvxVnni"/>).</summary>
    AvxVnni,

    /// <summary>AVX2 without VNNI: VPMADDUBSW on halved activations, exact (see <see cref="SplitActivationDot"/>).</summary>
    Avx2,

    /// <summary>Portable scalar integer code.</summary>
    Scalar,
}

/// <summary>Resolves <see cref="Int8Path.Auto"/> and rejects paths this machine cannot run.</summary>
internal static class Int8PathResolver
{
    /// <summary>The concrete path <paramref name="path"/> stands for on this machine.</summary>
    /// <exception cref="GemmArgumentException">A forced path needs instructions this CPU lacks.</exception>
    public static Int8Path Resolve(Int8Path path) => path switch
    {
        Int8Path.Auto => AvxVnni.IsSupported ? Int8Path.AvxVnni : Avx2.IsSupported ? Int8Path.Avx2 : Int8Path.Scalar,
        Int8Path.AvxVnni => AvxVnni.IsSupported ? path : throw new GemmArgumentException("int8 GEMM path AvxVnni was forced but this CPU has no AVX-VNNI."),
        Int8Path.Avx2 => Avx2.IsSupported ? path : throw new GemmArgumentException("int8 GEMM path Avx2 was forced but this CPU has no AVX2."),
        Int8Path.Scalar => path,
        _ => throw new GemmArgumentException($"Unknown int8 GEMM path {(int)path}."),
    };
}
