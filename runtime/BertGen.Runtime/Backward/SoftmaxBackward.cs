using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Backward;

/// <summary>
/// Backward of P = softmax(X) along rows: dX = P ⊙ (dP − Σ_j dP·P) · scale, written over dP.
/// <c>scale</c> folds in the 1/√d_head of the attention scores.
/// </summary>
public static unsafe class SoftmaxBackward
{
    public static void Apply(float* probabilities, float* gradient, int rows, int width, float scale)
    {
        for (int r = 0; r < rows; r++)
        {
            float* p = probabilities + ((long)r * width), g = gradient + ((long)r * width);
            float dot = 0f;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                for (; j <= width - 16; j += 16)
                {
                    acc = Vector512.FusedMultiplyAdd(Vector512.Load(g + j), Vector512.Load(p + j), acc);
                }

                dot = Vector512.Sum(acc);
            }

            for (; j < width; j++)
            {
                dot += g[j] * p[j];
            }

            j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> d = Vector512.Create(dot), s = Vector512.Create(scale);
                for (; j <= width - 16; j += 16)
                {
                    (Vector512.Load(p + j) * (Vector512.Load(g + j) - d) * s).Store(g + j);
                }
            }

            for (; j < width; j++)
            {
                g[j] = p[j] * (g[j] - dot) * scale;
            }
        }
    }
}
