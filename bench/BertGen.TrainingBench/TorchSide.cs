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

    public TorchSide(ITrainableModel weights, int batch, int sequence)
    {
        _batch = batch;
        _sequence = sequence;
        var config = new TorchBertConfig
        {
            VocabSize = weights.VocabSize,
            HiddenSize = weights.HiddenSize,
            NumLayers = weights.ParameterTable.Count(p => p.Name.EndsWith(".attention.self.query.weight", StringComparison.Ordinal)),
            NumHeads = weights.HiddenSize / 64,
            IntermediateSize = weights.HiddenSize * 4,
            MaxPositions = weights.MaxPositions,
            TypeVocabSize = weights.TypeVocabSize,
            Head = BertHead.Pretraining,
        };
        var parameters = weights.ParameterTable.ToDictionary(
            p => p.Name, p => new ParameterTensor(p.Shape, weights.Parameters.Slice(p.Offset, (int)p.Length).ToArray()), StringComparer.Ordinal);
        _model = new TorchBert(config, parameters, ScalarType.Float32);
        List<Parameter> decayed = _model.NamedParameters.Where(p => BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        List<Parameter> plain = _model.NamedParameters.Where(p => !BertParameterLayout.IsDecayed(p.Name)).Select(p => p.Tensor).ToList();
        _all = _model.NamedParameters.Select(p => p.Tensor).ToList();
        _optimizer = optim.AdamW(
            new[] { new AdamW.ParamGroup(decayed, 1e-4, 0.9, 0.999, 1e-8, 0.01, false, false), new AdamW.ParamGroup(plain, 1e-4, 0.9, 0.999, 1e-8, 0.0, false, false) },
            1e-4, 0.9, 0.999, 1e-8, 0.01, false, false);
    }

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
