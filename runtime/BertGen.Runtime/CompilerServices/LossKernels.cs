using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;

namespace BertGen.Runtime.CompilerServices;

/// <summary>What a loss kernel measured: the (normalised) loss and how many predictions were right.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct LossResult(double Loss, int Correct, int Count);

/// <summary>
/// The heads' losses, each overwriting its logits with d(loss)/d(logits) so the backward starts right
/// there. <c>gradientScale</c> multiplies the gradient (gradient accumulation; 1 otherwise). The softmax
/// cross-entropy's row passes run in Vector512, Vector256 or scalar by the machine; the element-by-element
/// losses (BCE, MSE) accumulate in double.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class LossKernels
{
    /// <summary>Label value meaning "no prediction here" (HF's ignore_index).</summary>
    public const int IgnoreLabel = -100;

    /// <summary>
    /// Σ_r w_r·CE(softmax(logits_r), label_r) / normalizer over <paramref name="rows"/> rows of
    /// <paramref name="classes"/>; rows with label −100 or weight 0 contribute nothing. Gradient:
    /// (softmax − onehot)·w/normalizer·scale. A row counts as correct when its arg-max is its label.
    /// </summary>
    public static LossResult SoftmaxCrossEntropy(float* logits, int rows, int classes, long ld, int* labels, float* weights, double normalizer, float gradientScale) =>
        SoftmaxCrossEntropy(logits, rows, classes, ld, labels, weights, normalizer, gradientScale, VectorWidths.Best);

    internal static LossResult SoftmaxCrossEntropy(float* logits, int rows, int classes, long ld, int* labels, float* weights, double normalizer, float gradientScale, VectorWidth vectors)
    {
        double loss = 0;
        int correct = 0, count = 0;
        for (int r = 0; r < rows; r++)
        {
            float* x = logits + (r * ld);
            int label = labels[r];
            float w = weights == null ? 1f : weights[r];
            if (label == IgnoreLabel || w == 0f)
            {
                for (int j = 0; j < classes; j++)
                {
                    x[j] = 0f;
                }

                continue;
            }

            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {label} in row {r} is outside [0, {classes}).");
            }

            // Three passes over the row, all vectorised: max; e = exp(x − max) stored in place with its sum;
            // then the gradient e/Σe·g − onehot·g. The arg-max is right iff the label's logit is the maximum.
            float labelLogit = x[label];
            float max = RowMax(x, classes, vectors);
            float sum = ExpInPlace(x, classes, max, vectors);
            double logSumExp = max + Math.Log(sum);
            loss += w * (logSumExp - labelLogit);
            count++;
            if (labelLogit >= max)
            {
                correct++;
            }

            float g = (float)(w / normalizer * gradientScale);
            Scale(x, classes, g / sum, vectors);
            x[label] -= g;
        }

        return new LossResult(loss / normalizer, correct, count);
    }

    /// <summary>
    /// Mean binary cross-entropy with logits over every element (multi-label classification):
    /// max(x,0) − x·y + log(1 + e^−|x|); gradient (σ(x) − y)/n. Correct = all labels of a row right at 0.5.
    /// </summary>
    public static LossResult BinaryCrossEntropyWithLogits(float* logits, float* targets, int rows, int labels, float gradientScale)
    {
        double loss = 0;
        int n = rows * labels, correct = 0;
        for (int r = 0; r < rows; r++)
        {
            bool rowRight = true;
            for (int j = 0; j < labels; j++)
            {
                int i = (r * labels) + j;
                double x = logits[i], y = targets[i];
                loss += Math.Max(x, 0) - (x * y) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                rowRight &= (x > 0) == (y > 0.5);
                logits[i] = (float)(((1 / (1 + Math.Exp(-x))) - y) / n * gradientScale);
            }

            if (rowRight)
            {
                correct++;
            }
        }

        return new LossResult(loss / n, correct, rows);
    }

    /// <summary>Mean squared error over every element (regression); gradient 2(x − y)/n. Nothing counts as "correct".</summary>
    public static LossResult MeanSquaredError(float* predictions, float* targets, int count, float gradientScale)
    {
        double loss = 0;
        for (int i = 0; i < count; i++)
        {
            double d = predictions[i] - targets[i];
            loss += d * d;
            predictions[i] = (float)(2 * d / count * gradientScale);
        }

        return new LossResult(loss / count, 0, 0);
    }

    private static float RowMax(float* x, int n, VectorWidth vectors)
    {
        int j = 0;
        float max = float.NegativeInfinity;
        if (vectors == VectorWidth.Bits512 && n >= 16)
        {
            Vector512<float> m = Vector512.Create(float.NegativeInfinity);
            for (; j <= n - 16; j += 16)
            {
                m = Vector512.Max(m, Vector512.Load(x + j));
            }

            max = HorizontalMax.Of(m);
        }
        else if (vectors == VectorWidth.Bits256 && n >= 8)
        {
            Vector256<float> m = Vector256.Create(float.NegativeInfinity);
            for (; j <= n - 8; j += 8)
            {
                m = Vector256.Max(m, Vector256.Load(x + j));
            }

            max = HorizontalMax.Of(m);
        }

        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
        }

        return max;
    }

    // e = exp(x − shift) in place (x − shift ≤ 0: the range-reduced exp in vectors), and Σe.
    private static float ExpInPlace(float* x, int n, float shift, VectorWidth vectors)
    {
        int j = 0;
        float sum = 0f;
        if (vectors == VectorWidth.Bits512 && n >= 16)
        {
            Vector512<float> s = Vector512<float>.Zero, m = Vector512.Create(shift);
            for (; j <= n - 16; j += 16)
            {
                Vector512<float> e = ActivationMath.ExpNonPositive(Vector512.Load(x + j) - m);
                e.Store(x + j);
                s += e;
            }

            sum = Vector512.Sum(s);
        }
        else if (vectors == VectorWidth.Bits256 && n >= 8)
        {
            Vector256<float> s = Vector256<float>.Zero, m = Vector256.Create(shift);
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> e = ActivationMath.ExpNonPositive(Vector256.Load(x + j) - m);
                e.Store(x + j);
                s += e;
            }

            sum = Vector256.Sum(s);
        }

        for (; j < n; j++)
        {
            float e = MathF.Exp(x[j] - shift);
            x[j] = e;
            sum += e;
        }

        return sum;
    }

    private static void Scale(float* x, int n, float factor, VectorWidth vectors)
    {
        int j = 0;
        if (vectors == VectorWidth.Bits512)
        {
            Vector512<float> f = Vector512.Create(factor);
            for (; j <= n - 16; j += 16)
            {
                (Vector512.Load(x + j) * f).Store(x + j);
            }
        }
        else if (vectors == VectorWidth.Bits256)
        {
            Vector256<float> f = Vector256.Create(factor);
            for (; j <= n - 8; j += 8)
            {
                (Vector256.Load(x + j) * f).Store(x + j);
            }
        }

        for (; j < n; j++)
        {
            x[j] *= factor;
        }
    }
}
