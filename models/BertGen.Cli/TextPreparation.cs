using System;
using System.Collections.Generic;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>
/// One text made ready for the model: a single <c>[CLS] … [SEP]</c> input, truncated to the model's limit if need be,
/// or with <c>--chunk</c> overlapping windows of that size whose embeddings are averaged.
/// </summary>
/// <param name="Inputs">What the model runs: one input, or the windows of a long text in order.</param>
/// <param name="Weights">Per input, how many of the text's WordPieces it holds (the weight of its embedding in the average).</param>
/// <param name="Tokens">The text's length with <c>[CLS]</c> and <c>[SEP]</c>, before truncation or windowing.</param>
/// <param name="Truncated">Whether WordPieces past the limit were dropped.</param>
internal sealed record PreparedText(IReadOnlyList<TokenizedInput> Inputs, IReadOnlyList<int> Weights, int Tokens, bool Truncated);

internal static class TextPreparation
{
    /// <summary>
    /// Consecutive windows share this many WordPieces (a quarter of the window at most), so no sentence is only ever
    /// seen cut at a window's edge.
    /// </summary>
    public const int WindowOverlap = 32;

    /// <summary>
    /// <paramref name="text"/> as inputs of at most <paramref name="maxTokens"/> tokens: one input (the first
    /// <paramref name="maxTokens"/> − 2 WordPieces when longer and <paramref name="chunk"/> is off, or the last ones
    /// with <see cref="TruncationSide.Left"/>), or with <paramref name="chunk"/> windows of <paramref name="maxTokens"/> − 2
    /// WordPieces starting every window − overlap WordPieces, the last one ending at the text's end.
    /// </summary>
    public static PreparedText Prepare(BertWordPieceTokenizer tokenizer, string text, int maxTokens, bool chunk, TruncationSide side = TruncationSide.Right)
    {
        int[] pieces = tokenizer.Tokenize(text);
        int window = maxTokens - 2;
        if (pieces.Length <= window)
        {
            return new PreparedText([Wrap(tokenizer, pieces)], [pieces.Length], pieces.Length + 2, Truncated: false);
        }

        if (!chunk)
        {
            int start = side == TruncationSide.Left ? pieces.Length - window : 0;
            return new PreparedText([Wrap(tokenizer, pieces.AsSpan(start, window))], [window], pieces.Length + 2, Truncated: true);
        }

        int stride = window - Math.Min(WindowOverlap, window / 4);
        var inputs = new List<TokenizedInput>();
        var weights = new List<int>();
        for (int start = 0; ; start += stride)
        {
            int end = Math.Min(start + window, pieces.Length);
            inputs.Add(Wrap(tokenizer, pieces.AsSpan(start, end - start)));
            weights.Add(end - start);
            if (end == pieces.Length)
            {
                break;
            }
        }

        return new PreparedText(inputs, weights, pieces.Length + 2, Truncated: false);
    }

    /// <summary>
    /// The text's embedding from its inputs' pooled vectors: the vector itself for one input, else the mean of the
    /// windows' vectors weighted by their WordPieces (for mean pooling, close to pooling over the whole text).
    /// Not normalised.
    /// </summary>
    public static float[] Combine(IReadOnlyList<float[]> pooled, IReadOnlyList<int> weights)
    {
        if (pooled.Count == 1)
        {
            return pooled[0];
        }

        var sum = new double[pooled[0].Length];
        double total = 0;
        for (int w = 0; w < pooled.Count; w++)
        {
            total += weights[w];
            for (int j = 0; j < sum.Length; j++)
            {
                sum[j] += (double)weights[w] * pooled[w][j];
            }
        }

        var result = new float[sum.Length];
        for (int j = 0; j < result.Length; j++)
        {
            result[j] = (float)(sum[j] / total);
        }

        return result;
    }

    private static TokenizedInput Wrap(BertWordPieceTokenizer tokenizer, ReadOnlySpan<int> pieces)
    {
        var ids = new int[pieces.Length + 2];
        ids[0] = tokenizer.Vocabulary.ClassificationId;
        pieces.CopyTo(ids.AsSpan(1));
        ids[^1] = tokenizer.Vocabulary.SeparatorId;
        return TokenizedInput.Single(ids);
    }
}
