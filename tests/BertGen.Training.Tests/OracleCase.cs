using System;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;

namespace BertGen.Training.Tests;

/// <summary>One compiled test spec with what the oracle needs to build the same model.</summary>
public sealed record OracleCase(string Name, ModelDescriptor Descriptor, BertHead Head, ClassificationProblem Problem, int NumLabels, double LayerNormEps, int Batch, int Sequence, int Predictions)
{
    public override string ToString() => Name;

    public ITrainableModel Create(BertGen.Runtime.Threading.ComputePool? pool = null) => (ITrainableModel)Descriptor.Create(pool);

    public TorchBertConfig OracleConfig => new()
    {
        VocabSize = Descriptor.VocabSize,
        HiddenSize = Descriptor.HiddenSize,
        NumLayers = Descriptor.Layers,
        NumHeads = Descriptor.AttentionHeads,
        IntermediateSize = Descriptor.IntermediateSize,
        MaxPositions = Descriptor.MaxPositions,
        TypeVocabSize = Descriptor.TypeVocabSize,
        LayerNormEps = LayerNormEps,
        HiddenAct = TorchBertConfig.ParseActivation(Descriptor.Activation),
        Head = Head,
        NumLabels = NumLabels,
        Problem = Problem,
    };

    public TrainingObjective Objective => Head switch
    {
        BertHead.Pretraining => TrainingObjective.Pretraining,
        BertHead.SequenceClassification => TrainingObjective.SequenceClassification,
        BertHead.TokenClassification => TrainingObjective.TokenClassification,
        BertHead.QuestionAnswering => TrainingObjective.QuestionAnswering,
        _ => throw new ArgumentOutOfRangeException(nameof(Head)),
    };

    public TrainingBatch CreateBatch(ulong seed) => BatchFactory.Create(
        Objective, Batch, Sequence, Predictions, Descriptor.VocabSize, NumLabels,
        Problem == ClassificationProblem.MultiLabel, Problem == ClassificationProblem.Regression, seed);
}
