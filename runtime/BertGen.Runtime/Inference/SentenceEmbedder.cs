using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Sentence embeddings from a compiled encoder: the last hidden state pooled (mean under the mask, or
/// [CLS]) and optionally L2-normalised, as sentence-transformers computes them.
/// </summary>
public sealed class SentenceEmbedder : IDisposable
{
    private readonly IBertModel _model;
    private readonly BatchRunner _runner;
    private bool _disposed;

    /// <summary>An embedder over <paramref name="model"/>'s compiled shapes.</summary>
    /// <param name="model">The encoder, its weights prepared.</param>
    /// <param name="pooling">Mean under the mask, or [CLS].</param>
    /// <param name="normalize">L2-normalise each embedding.</param>
    /// <param name="precision">The forward passes' precision; by default the model's <see cref="IBertModel.ForwardPrecision"/>.</param>
    public SentenceEmbedder(IBertModel model, PoolingMode pooling, bool normalize = true, Precision? precision = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));

        // Any other value pooled as the mean, without a word.
        if (!Enum.IsDefined(pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "pooling is Mean or Cls");
        }

        _runner = new BatchRunner(model, precision ?? model.ForwardPrecision);
        Pooling = pooling;
        Normalize = normalize;
    }

    public PoolingMode Pooling { get; }

    public bool Normalize { get; }

    /// <summary>The longest input (in tokens) the model was compiled for.</summary>
    public int MaxSequence => _runner.MaxSequence;

    /// <summary>One embedding of the model's hidden size per input, in input order.</summary>
    public float[][] Embed(IReadOnlyList<TokenizedInput> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        var result = new float[inputs.Count][];
        int hidden = _model.HiddenSize;
        _runner.Run(inputs, (index, pass, row) =>
        {
            int sequence = pass.Sequence;
            var embedding = new float[hidden];
            Span<int> mask = sequence <= 1024 ? stackalloc int[sequence] : new int[sequence];
            mask.Clear();
            mask.Slice(0, inputs[index].Length).Fill(1);
            Inference.Pooling.Pool(Pooling, pass.LastHiddenState.Slice(row * sequence * hidden, sequence * hidden), mask, hidden, embedding);
            if (Normalize)
            {
                Inference.Pooling.NormalizeL2(embedding);
            }

            result[index] = embedding;
        });
        return result;
    }

    /// <summary>
    /// Every token's vector of the last hidden state, special tokens included, neither pooled nor normalised: per input
    /// a row-major <c>[Length, Hidden]</c> array, in input order (late chunking and token-level retrieval start here).
    /// </summary>
    public float[][] EmbedTokens(IReadOnlyList<TokenizedInput> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        var result = new float[inputs.Count][];
        int hidden = _model.HiddenSize;
        _runner.Run(inputs, (index, pass, row) =>
            result[index] = pass.LastHiddenState.Slice(row * pass.Sequence * hidden, inputs[index].Length * hidden).ToArray());
        return result;
    }

    /// <summary>Frees the forward passes; the embedder refuses calls from then on (it made new passes, and leaked them).</summary>
    public void Dispose()
    {
        _disposed = true;
        _runner.Dispose();
    }
}
