using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using static TorchSharp.torch;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// A real BERT with the pretraining heads as an <see cref="ITrainableModel"/>: the oracle's <see cref="TorchBert"/>
/// (float32, autograd gradients) behind a flat, 16-float-aligned parameter buffer in HuggingFace names, so the
/// trainer and optimiser can be run end to end against the oracle's own training loops. The oracle model has no
/// dropout, so the dropout seed has no effect here (the bag-of-embeddings double covers seeds).
/// </summary>
internal sealed class TorchBertTrainableModel : ITrainableModel
{
    private readonly TorchBertConfig _config;
    private readonly TorchBert _torch;
    private readonly ParameterInfo[] _table;

    public TorchBertTrainableModel(TorchBertConfig config, IReadOnlyDictionary<string, ParameterTensor> initial)
    {
        _config = config;
        _torch = new TorchBert(config, initial, ScalarType.Float32);
        var table = new List<ParameterInfo>();
        long offset = 0;
        foreach ((string name, int[] shape) in BertParameterLayout.For(config))
        {
            var info = new ParameterInfo(name, offset, shape, KindOf(name));
            table.Add(info);
            offset = (offset + info.Length + 15) / 16 * 16;
        }

        _table = table.ToArray();
        Parameters = new AlignedBuffer(offset);
        Gradients = new AlignedBuffer(offset);
        foreach (ParameterInfo p in _table)
        {
            initial[p.Name].Values.CopyTo(Parameters.Slice(p.Offset, (int)p.Length));
        }

        PrepareWeights();
    }

    public string Name => "TorchBertForPreTraining";

    public int VocabSize => _config.VocabSize;

    public int HiddenSize => _config.HiddenSize;

    public int TypeVocabSize => _config.TypeVocabSize;

    public int MaxPositions => _config.MaxPositions;

    public int PadTokenId => 0;

    public IReadOnlyList<ParameterInfo> ParameterTable => _table;

    public AlignedBuffer Parameters { get; }

    public AlignedBuffer Gradients { get; }

    public TrainingObjective Objective => TrainingObjective.Pretraining;

    public IReadOnlyList<(int Batch, int Sequence)> ShapeVariants => Array.Empty<(int, int)>();

    /// <summary>HF-style initialisation through the runtime's initialiser (the tests pass their own values instead).</summary>
    public void InitializeParameters(ulong seed) => ParameterInitializer.Initialize(ParameterTable, Parameters.AsSpan(), 0.02f, seed);

    /// <summary>Pushes the buffer into the torch model (float → double → float is exact).</summary>
    public void PrepareWeights()
    {
        foreach (ParameterInfo p in _table)
        {
            float[] values = Parameters.Slice(p.Offset, (int)p.Length).ToArray();
            _torch.SetParameterValues(p.Name, values.Select(v => (double)v).ToArray());
        }
    }

    public ITrainingStep CreateTrainingStep(int batch, int sequence) => new Step(this, batch, sequence);

    public IForwardPass CreateForwardPass(int batch, int sequence) => new ForwardPass(this, batch, sequence);

    /// <summary>A one-thread pool: libtorch runs this model's ops on its own threads.</summary>
    public BertGen.Runtime.Threading.ComputePool Pool { get; } = new(1);

    public void Dispose()
    {
        Pool.Dispose();
        _torch.Dispose();
        Parameters.Dispose();
        Gradients.Dispose();
    }

    private static ParameterKind KindOf(string name) =>
        name.Contains("LayerNorm", StringComparison.Ordinal) ? (name.EndsWith("bias", StringComparison.Ordinal) ? ParameterKind.LayerNormBias : ParameterKind.LayerNormWeight)
        : name.EndsWith("bias", StringComparison.Ordinal) ? ParameterKind.Bias
        : name.Contains("_embeddings.", StringComparison.Ordinal) ? ParameterKind.Embedding
        : ParameterKind.Weight;

    /// <summary>
    /// Inference through the same torch model: hidden states, pooled output and next-sentence logits (none of which
    /// depend on labels, so placeholder labels are passed); the MLM head is evaluated only at gathered positions
    /// there, so <see cref="MaskedLmLogits"/> is empty.
    /// </summary>
    private sealed class ForwardPass(TorchBertTrainableModel model, int batch, int sequence) : IForwardPass
    {
        private TorchBertResult? _result;

        public int Batch => batch;

        public int Sequence => sequence;

        public ReadOnlySpan<float> LastHiddenState => _result is null ? default : _result.SequenceOutput;

        public ReadOnlySpan<float> PooledOutput => _result is null ? default : _result.PooledOutput;

        public ReadOnlySpan<float> MaskedLmLogits => ReadOnlySpan<float>.Empty;

        public ReadOnlySpan<float> NextSentenceLogits => _result?.NextSentenceLogits ?? ReadOnlySpan<float>.Empty;

        public ReadOnlySpan<float> SequenceLogits => ReadOnlySpan<float>.Empty;

        public ReadOnlySpan<float> TokenLogits => ReadOnlySpan<float>.Empty;

        public ReadOnlySpan<float> QuestionAnsweringLogits => ReadOnlySpan<float>.Empty;

        public void Run(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds)
        {
            _result = model._torch.Run(new BertInputs
            {
                BatchSize = batch,
                SequenceLength = sequence,
                InputIds = inputIds.ToArray(),
                AttentionMask = attentionMask.ToArray(),
                TokenTypeIds = tokenTypeIds.ToArray(),
                MaskedLmPositions = new int[batch],
                MaskedLmIds = new int[batch],
                MaskedLmWeights = new float[batch],
                NextSentenceLabels = new int[batch],
            });
        }

        public void Dispose()
        {
        }
    }

    private sealed class Step(TorchBertTrainableModel model, int batch, int sequence) : ITrainingStep
    {
        public int Batch => batch;

        public int Sequence => sequence;

        public int MaxPredictions => 2;

        public TrainingLosses Run(
            TrainingBatch inputs, StepMode mode, ulong dropoutSeed, float gradientScale = 1f, IGradientProgress? progress = null,
            bool replaceGradients = false)
        {
            TorchBertResult result = model._torch.Run(new BertInputs
            {
                BatchSize = batch,
                SequenceLength = sequence,
                InputIds = inputs.InputIds,
                AttentionMask = inputs.AttentionMask,
                TokenTypeIds = inputs.TokenTypeIds,
                MaskedLmPositions = inputs.MaskedLmPositions,
                MaskedLmIds = inputs.MaskedLmIds,
                MaskedLmWeights = inputs.MaskedLmWeights,
                NextSentenceLabels = inputs.NextSentenceLabels,
            });
            if (mode == StepMode.Train)
            {
                foreach (ParameterInfo p in model._table)
                {
                    Span<float> g = model.Gradients.Slice(p.Offset, (int)p.Length);
                    float[] add = result.Gradients[p.Name];
                    for (int i = 0; i < g.Length; i++)
                    {
                        g[i] = (replaceGradients ? 0f : g[i]) + (add[i] * gradientScale);
                    }
                }
            }

            int vocab = model.VocabSize, mlmCorrect = 0, mlmCount = 0, nspCorrect = 0;
            for (int slot = 0; slot < inputs.MaskedLmIds.Length; slot++)
            {
                if (inputs.MaskedLmWeights[slot] > 0)
                {
                    mlmCount++;
                    mlmCorrect += ArgMax(result.MaskedLmLogits.AsSpan(slot * vocab, vocab)) == inputs.MaskedLmIds[slot] ? 1 : 0;
                }
            }

            for (int row = 0; row < batch; row++)
            {
                nspCorrect += ArgMax(result.NextSentenceLogits.AsSpan(row * 2, 2)) == inputs.NextSentenceLabels[row] ? 1 : 0;
            }

            return new TrainingLosses((float)result.Loss, (float)result.MaskedLmLoss!.Value, (float)result.NextSentenceLoss!.Value, 0, mlmCorrect, mlmCount, nspCorrect, batch, 0, 0);
        }

        public void Dispose()
        {
        }

        private static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                best = values[i] > values[best] ? i : best;
            }

            return best;
        }
    }
}
