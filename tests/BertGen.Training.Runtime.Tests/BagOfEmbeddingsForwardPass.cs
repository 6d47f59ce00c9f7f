using System;
using BertGen.Runtime.Inference;

namespace BertGen.Training.Runtime.Tests;

/// <summary>Inference of <see cref="BagOfEmbeddingsClassifier"/>: token embeddings as the hidden state, class logits.</summary>
internal sealed class BagOfEmbeddingsForwardPass : IForwardPass
{
    private readonly BagOfEmbeddingsClassifier _model;
    private readonly float[] _hidden;
    private readonly float[] _logits;

    public BagOfEmbeddingsForwardPass(BagOfEmbeddingsClassifier model, int batch, int sequence)
    {
        _model = model;
        Batch = batch;
        Sequence = sequence;
        _hidden = new float[batch * sequence * model.HiddenSize];
        _logits = new float[batch * model.Classes];
    }

    public int Batch { get; }

    public int Sequence { get; }

    public ReadOnlySpan<float> LastHiddenState => _hidden;

    public ReadOnlySpan<float> PooledOutput => ReadOnlySpan<float>.Empty;

    public ReadOnlySpan<float> MaskedLmLogits => ReadOnlySpan<float>.Empty;

    public ReadOnlySpan<float> NextSentenceLogits => ReadOnlySpan<float>.Empty;

    public ReadOnlySpan<float> SequenceLogits => _logits;

    public ReadOnlySpan<float> TokenLogits => ReadOnlySpan<float>.Empty;

    public ReadOnlySpan<float> QuestionAnsweringLogits => ReadOnlySpan<float>.Empty;

    public void Run(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds)
    {
        int d = _model.HiddenSize;
        if (inputIds.Length != Batch * Sequence || attentionMask.Length != inputIds.Length || tokenTypeIds.Length != inputIds.Length)
        {
            throw new BertInputException($"inputs must hold B·S = {Batch * Sequence} entries");
        }

        ReadOnlySpan<float> w = _model.Packed;
        var mean = new double[d];
        for (int row = 0; row < Batch; row++)
        {
            Array.Clear(mean);
            int count = 0;
            for (int t = 0; t < Sequence; t++)
            {
                int id = inputIds[row * Sequence + t];
                if ((uint)id >= (uint)_model.VocabSize)
                {
                    throw new BertInputException($"token id {id} is outside the vocabulary of {_model.VocabSize}");
                }

                ReadOnlySpan<float> embedding = w.Slice((int)(_model.EmbeddingOffset + (long)id * d), d);
                embedding.CopyTo(_hidden.AsSpan((row * Sequence + t) * d, d));
                if (attentionMask[row * Sequence + t] != 0)
                {
                    count++;
                    for (int j = 0; j < d; j++)
                    {
                        mean[j] += embedding[j];
                    }
                }
            }

            for (int c = 0; c < _model.Classes; c++)
            {
                double z = w[(int)(_model.BiasOffset + c)];
                for (int j = 0; j < d; j++)
                {
                    z += w[(int)(_model.WeightOffset + c * d + j)] * mean[j] / Math.Max(1, count);
                }

                _logits[row * _model.Classes + c] = (float)z;
            }
        }
    }

    public void Dispose()
    {
    }
}
