using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>Resolves <see cref="GemmPath.Auto"/> and rejects paths this machine cannot run.</summary>
internal static class GemmPathResolver
{
    /// <summary>The concrete path <paramref name="path"/> stands for on this machine.</summary>
    /// <exception cref="GemmArgumentException">A forced path needs instructions this CPU lacks.</exception>
    public static GemmPath Resolve(GemmPath path)
    {
        switch (path)
        {
            case GemmPath.Auto:
                if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
                {
                    return GemmPath.Avx512;
                }

                return Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2 : GemmPath.Scalar;
            case GemmPath.Avx512:
                return Avx512F.IsSupported ? path : throw new GemmArgumentException("GEMM path Avx512 was forced but this CPU has no AVX-512F.");
            case GemmPath.Avx2:
                return Avx2.IsSupported && Fma.IsSupported ? path : throw new GemmArgumentException("GEMM path Avx2 was forced but this CPU has no AVX2+FMA.");
            case GemmPath.Scalar:
                return path;
            default:
                throw new GemmArgumentException($"Unknown GEMM path {(int)path}.");
        }
    }
}
