using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// The largest lane of a vector, by halving (512 → 256 → 128 → 4 scalars). .NET has <c>Vector512.Sum</c> but
/// no lane-wise maximum reduction; softmax needs one per row.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class HorizontalMax
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(Vector512<float> v) => Of(Vector256.Max(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(Vector256<float> v)
    {
        Vector128<float> m = Vector128.Max(v.GetLower(), v.GetUpper());
        return System.MathF.Max(System.MathF.Max(m[0], m[1]), System.MathF.Max(m[2], m[3]));
    }
}
