using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertGen.TrainingBench;

/// <summary>
/// libtorch's training step on the same weights: HF BertForPreTraining written in libtorch ops (float32,
/// dropout off), loss.backward(), clip_grad_norm_(1.0), torch.optim.AdamW with a decay and a no-decay group.
/// </summary>
internal sealed class TorchSide : IDisposable
{
    private readonly TorchBert _model;
    private readonly AdamW _optimizer;
    private readonly List<Parameter> _all;
    private readonly int _batch, _sequence;

    /// <summary>libtorch's model with the same weights as <paramref name="weights"/>.</summary>
    public TorchSide(ITrainableModel weights, int batch, int sequence)
        : this(ConfigOf(weights.VocabSize, weights.HiddenSize, weights.ParameterTable.Count(p => p.Name.EndsWith(".attention.self.query.weight", StringComparison.Ordinal)), weights.MaxPositions, weights.TypeVocabSize),
              weights.ParameterTable.ToDictionary(p => p.Name, p => new ParameterTensor(p.Shape, weights.Parameters.Slice(p.Offset, (int)p.Length).ToArray()), StringComparer.Ordinal),
              batch, sequence)
    {
    }

    /// <summary>libtorch's model with HF-initialised weights, no BertGen model in the process (for its peak memory).</summary>
    public TorchSide(TorchBertConfig config, int batch, int sequence)
        : this(config, BertParameterLayout.Initialise(config, 42), batch, sequence)
    {
    }

    private TorchSide(TorchBertConfig config, IReadOnlyDictionary<string, ParameterTensor> parameters, int batch, int sequence)
    {
        _batch = batch;
        _sequence = sequence;
        _model = new TorchBert(config, parameters, ScalarType.Float32);
        List<Parameter> decayed = _model.NamedParameters.Where(p => BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        List<Parameter> plain = _model.NamedParameters.Where(p => !BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        _all = _model.NamedParameters.Select(p => p.Tensor).ToList();
        _optimizer = optim.AdamW(
            new[] { new AdamW.ParamGroup(decayed, 1e-4, 0.9, 0.999, 1e-8, 0.01, false, false), new AdamW.ParamGroup(plain, 1e-4, 0.9, 0.999, 1e-8, 0.0, false, false) },
            1e-4, 0.9, 0.999, 1e-8, 0.01, false, false);
    }

    /// <summary>BERT-mini / BERT-base as Google configured them (A = H/64, I = 4H), with the pretraining heads.</summary>
    public static TorchBertConfig ConfigOf(int vocab, int hidden, int layers, int maxPositions, int typeVocab) => new()
    {
        VocabSize = vocab,
        HiddenSize = hidden,
        NumLayers = layers,
        NumHeads = hidden / 64,
        IntermediateSize = hidden * 4,
        MaxPositions = maxPositions,
        TypeVocabSize = typeVocab,
        Head = BertHead.Pretraining,
    };

    public double Step(TrainingBatch batch)
    {
        double loss = _model.ForwardBackward(new BertInputs
        {
            BatchSize = _batch,
            SequenceLength = _sequence,
            InputIds = batch.InputIds,
            AttentionMask = batch.AttentionMask,
            TokenTypeIds = batch.TokenTypeIds,
            MaskedLmPositions = batch.MaskedLmPositions,
            MaskedLmIds = batch.MaskedLmIds,
            MaskedLmWeights = batch.MaskedLmWeights,
            NextSentenceLabels = batch.NextSentenceLabels,
        });
        nn.utils.clip_grad_norm_(_all, 1.0, 2.0);
        _optimizer.step();
        return loss;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}
