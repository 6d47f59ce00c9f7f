using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime;
using BertGen.Runtime.Training;

namespace BertGen.Training.Runtime.Tests;

/// <summary>The training step of <see cref="BagOfEmbeddingsClassifier"/>; see there for the model.</summary>
internal sealed class BagOfEmbeddingsTrainingStep : ITrainingStep
{
    private readonly BagOfEmbeddingsClassifier _model;
    private readonly double[] _mean, _kept, _logits, _dLogits, _dHidden;

    public BagOfEmbeddingsTrainingStep(BagOfEmbeddingsClassifier model, int batch, int sequence)
    {
        _model = model;
        Batch = batch;
        Sequence = sequence;
        _mean = new double[model.HiddenSize];
        _kept = new double[model.HiddenSize];
        _dHidden = new double[model.HiddenSize];
        _logits = new double[model.Classes];
        _dLogits = new double[model.Classes];
    }

    public int Batch { get; }

    public int Sequence { get; }

    public int MaxPredictions => 0;

    public TrainingLosses Run(
        TrainingBatch batch, StepMode mode, ulong dropoutSeed, float gradientScale = 1f, IGradientProgress? progress = null,
        bool replaceGradients = false)
    {
        int tokens = Batch * Sequence;
        if (batch.InputIds.Length != tokens || batch.AttentionMask.Length != tokens || batch.ClassLabels.Length != Batch)
        {
            throw new ArgumentException($"batch arrays do not fit B={Batch}, S={Sequence}");
        }

        int d = _model.HiddenSize, classes = _model.Classes;
        ReadOnlySpan<float> w = _model.Packed;
        long e0 = _model.EmbeddingOffset, w0 = _model.WeightOffset, b0 = _model.BiasOffset;
        bool train = mode == StepMode.Train;
        double keep = 1.0 - _model.Dropout;
        var random = new SeededRandom(dropoutSeed);

        int scored = 0;
        foreach (int label in batch.ClassLabels)
        {
            scored += label == -100 ? 0 : 1;
        }

        if (mode == StepMode.Train && replaceGradients)
        {
            _model.Gradients.AsSpan().Clear();
        }

        double loss = 0;
        int correct = 0;
        for (int row = 0; row < Batch; row++)
        {
            int label = batch.ClassLabels[row];
            if (label == -100)
            {
                continue;
            }

            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentException($"class label {label} is outside [0, {classes})");
            }

            // Forward: mean embedding of the unmasked tokens, dropout, logits, softmax.
            Array.Clear(_mean);
            int count = 0;
            for (int t = 0; t < Sequence; t++)
            {
                if (batch.AttentionMask[row * Sequence + t] == 0)
                {
                    continue;
                }

                count++;
                long e = e0 + (long)batch.InputIds[row * Sequence + t] * d;
                for (int j = 0; j < d; j++)
                {
                    _mean[j] += w[(int)(e + j)];
                }
            }

            if (count == 0)
            {
                throw new ArgumentException($"row {row} has no unmasked token");
            }

            for (int j = 0; j < d; j++)
            {
                _mean[j] /= count;
                double mask = train && _model.Dropout > 0 ? (random.NextDouble() < _model.Dropout ? 0.0 : 1.0 / keep) : 1.0;
                _kept[j] = mask;
            }

            double max = double.NegativeInfinity;
            int argmax = 0;
            for (int c = 0; c < classes; c++)
            {
                double z = w[(int)(b0 + c)];
                for (int j = 0; j < d; j++)
                {
                    z += w[(int)(w0 + c * d + j)] * _mean[j] * _kept[j];
                }

                _logits[c] = z;
                if (z > max)
                {
                    max = z;
                    argmax = c;
                }
            }

            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.Exp(_logits[c] - max);
            }

            loss += -(_logits[label] - max - Math.Log(sum));
            correct += argmax == label ? 1 : 0;
            if (!train)
            {
                continue;
            }

            // Backward of mean CE over scored rows: dz = (softmax − onehot)/N · scale.
            Span<float> g = _model.Gradients.AsSpan();
            Array.Clear(_dHidden);
            for (int c = 0; c < classes; c++)
            {
                _dLogits[c] = (Math.Exp(_logits[c] - max) / sum - (c == label ? 1 : 0)) / scored * gradientScale;
                g[(int)(b0 + c)] += (float)_dLogits[c];
                for (int j = 0; j < d; j++)
                {
                    // z = Σ W·(mean·kept): dW = dz·mean·kept, d(mean) = Σ_c dz·W·kept.
                    g[(int)(w0 + c * d + j)] += (float)(_dLogits[c] * _mean[j] * _kept[j]);
                    _dHidden[j] += _dLogits[c] * w[(int)(w0 + c * d + j)] * _kept[j];
                }
            }

            for (int t = 0; t < Sequence; t++)
            {
                if (batch.AttentionMask[row * Sequence + t] == 0)
                {
                    continue;
                }

                long e = e0 + (long)batch.InputIds[row * Sequence + t] * d;
                for (int j = 0; j < d; j++)
                {
                    g[(int)(e + j)] += (float)(_dHidden[j] / count);
                }
            }
        }

        float mean = scored > 0 ? (float)(loss / scored) : 0f;
        return new TrainingLosses(mean, 0, 0, mean, 0, 0, 0, 0, correct, scored);
    }

    public void Dispose()
    {
    }
}
