using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// Global-norm gradient clipping over a model's flat gradient buffer. The norm covers exactly the tensors of the
/// parameter table (alignment padding between them is not a gradient). It is summed in double: over 10⁸ squares a
/// float sum loses several digits, and the clip factor should not depend on summation order.
/// </summary>
internal static class GradientClipping
{
    /// <summary>The L2 norm of all gradients of <paramref name="table"/> in <paramref name="gradients"/>.</summary>
    public static unsafe double GlobalNorm(IReadOnlyList<ParameterInfo> table, AlignedBuffer gradients) =>
        GlobalNorm(table, gradients, VectorWidths.Best);

    internal static unsafe double GlobalNorm(IReadOnlyList<ParameterInfo> table, AlignedBuffer gradients, VectorWidth width)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(gradients);
        double sum = 0;
        for (int t = 0; t < table.Count; t++) // indexed: foreach over the interface would allocate an enumerator per step
        {
            ParameterInfo parameter = table[t];
            RequireInside(parameter, gradients.Length, "gradient");
            sum += SumOfSquares(gradients.Pointer + parameter.Offset, parameter.Length, width);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// The factor the gradients are multiplied by: torch <c>clip_grad_norm_</c> gives min(1, c/(‖g‖ + 1e-6)),
    /// TensorFlow <c>clip_by_global_norm</c> gives c/max(‖g‖, c). <paramref name="maxNorm"/> 0 means no clipping (1).
    /// </summary>
    public static double ClipFactor(double norm, double maxNorm, GradientClippingRule rule)
    {
        if (maxNorm == 0)
        {
            return 1.0;
        }

        return rule switch
        {
            GradientClippingRule.TorchClipGradNorm => Math.Min(1.0, maxNorm / (norm + 1e-6)),
            GradientClippingRule.TensorFlowClipByGlobalNorm => maxNorm / Math.Max(norm, maxNorm),
            _ => throw new OptimizationException($"clipping rule {rule} is not defined"),
        };
    }

    internal static void RequireInside(ParameterInfo parameter, long bufferLength, string what)
    {
        if (parameter.Offset < 0 || parameter.Offset + parameter.Length > bufferLength)
        {
            throw new OptimizationException($"parameter '{parameter.Name}' spans floats [{parameter.Offset}, {parameter.Offset + parameter.Length}) outside the {what} buffer of {bufferLength}");
        }
    }

    internal static unsafe double SumOfSquares(float* x, long n, VectorWidth width)
    {
        long i = 0;
        double sum = 0;
        if (width == VectorWidth.Bits512)
        {
            // Two accumulators of 8 doubles each: the widened halves of one 16-float load.
            Vector512<double> low = Vector512<double>.Zero, high = Vector512<double>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> g = Vector512.Load(x + i);
                Vector512<double> gl = Vector512.WidenLower(g), gh = Vector512.WidenUpper(g);
                low = Vector512.FusedMultiplyAdd(gl, gl, low);
                high = Vector512.FusedMultiplyAdd(gh, gh, high);
            }

            sum = Vector512.Sum(low + high);
        }
        else if (width == VectorWidth.Bits256)
        {
            Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> g = Vector256.Load(x + i);
                Vector256<double> gl = Vector256.WidenLower(g), gh = Vector256.WidenUpper(g);
                low = Vector256.FusedMultiplyAdd(gl, gl, low);
                high = Vector256.FusedMultiplyAdd(gh, gh, high);
            }

            sum = Vector256.Sum(low + high);
        }

        for (; i < n; i++)
        {
            double g = x[i];
            sum = Math.FusedMultiplyAdd(g, g, sum);
        }

        return sum;
    }
}
