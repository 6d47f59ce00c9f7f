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
            for (int j = 0; j < width; j++)
            {
                dot += g[j] * p[j];
            }

            for (int j = 0; j < width; j++)
            {
                g[j] = p[j] * (g[j] - dot) * scale;
            }
        }
    }
}
