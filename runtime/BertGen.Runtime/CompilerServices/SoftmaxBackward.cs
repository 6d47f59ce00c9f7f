using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Backward of P = softmax(X) along rows: dX = P ⊙ (dP − Σ_j dP·P) · scale, written over dP.
/// <c>scale</c> folds in the 1/√d_head of the attention scores. Vector512, Vector256 or scalar by the machine.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class SoftmaxBackward
{
    public static void Apply(float* probabilities, float* gradient, int rows, int width, float scale) =>
        Apply(probabilities, gradient, rows, width, scale, VectorWidths.Best);

    internal static void Apply(float* probabilities, float* gradient, int rows, int width, float scale, VectorWidth vectors)
    {
        for (int r = 0; r < rows; r++)
        {
            float* p = probabilities + ((long)r * width), g = gradient + ((long)r * width);

            // pass 1: Σ_j dP·P
            float dot = 0f;
            int j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                for (; j <= width - 16; j += 16)
                {
                    acc = Vector512.FusedMultiplyAdd(Vector512.Load(g + j), Vector512.Load(p + j), acc);
                }

                dot = Vector512.Sum(acc);
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> acc = Vector256<float>.Zero;
                for (; j <= width - 8; j += 8)
                {
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(g + j), Vector256.Load(p + j), acc);
                }

                dot = Vector256.Sum(acc);
            }

            for (; j < width; j++)
            {
                dot += g[j] * p[j];
            }

            // pass 2: dX
            j = 0;
            if (vectors == VectorWidth.Bits512)
            {
                Vector512<float> d = Vector512.Create(dot), s = Vector512.Create(scale);
                for (; j <= width - 16; j += 16)
                {
                    (Vector512.Load(p + j) * (Vector512.Load(g + j) - d) * s).Store(g + j);
                }
            }
            else if (vectors == VectorWidth.Bits256)
            {
                Vector256<float> d = Vector256.Create(dot), s = Vector256.Create(scale);
                for (; j <= width - 8; j += 8)
                {
                    (Vector256.Load(p + j) * (Vector256.Load(g + j) - d) * s).Store(g + j);
                }
            }

            for (; j < width; j++)
            {
                g[j] = p[j] * (g[j] - dot) * scale;
            }
        }
    }
}
