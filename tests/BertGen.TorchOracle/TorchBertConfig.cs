using System;

namespace BertGen.TorchOracle;

/// <summary>
/// The architecture the oracle builds, in HuggingFace <c>BertConfig</c> terms, plus the head and its label count.
/// </summary>
public sealed record TorchBertConfig
{
    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    public required int IntermediateSize { get; init; }

    public int MaxPositions { get; init; } = 512;

    public int TypeVocabSize { get; init; } = 2;

    /// <summary><c>layer_norm_eps</c>; 1e-12 in every released BERT config.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    public BertActivation HiddenAct { get; init; } = BertActivation.GeluErf;

    public BertHead Head { get; init; } = BertHead.Pretraining;

    /// <summary><c>num_labels</c> for sequence and token classification (QA always has 2 outputs).</summary>
    public int NumLabels { get; init; } = 2;

    public ClassificationProblem Problem { get; init; } = ClassificationProblem.SingleLabel;

    public int HeadSize => HiddenSize / NumHeads;

    /// <summary>Maps a HuggingFace <c>hidden_act</c> string to the activation it means.</summary>
    public static BertActivation ParseActivation(string hiddenAct) => hiddenAct switch
    {
        "gelu" => BertActivation.GeluErf,
        "gelu_new" or "gelu_pytorch_tanh" => BertActivation.GeluTanh,
        "relu" => BertActivation.Relu,
        "silu" or "swish" => BertActivation.Silu,
        _ => throw new TorchOracleException($"hidden_act '{hiddenAct}' is not one of gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish"),
    };

    internal void Validate()
    {
        Positive(VocabSize, nameof(VocabSize));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(NumLayers, nameof(NumLayers));
        Positive(NumHeads, nameof(NumHeads));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Positive(MaxPositions, nameof(MaxPositions));
        Positive(TypeVocabSize, nameof(TypeVocabSize));
        Positive(NumLabels, nameof(NumLabels));
        if (HiddenSize % NumHeads != 0)
        {
            throw new TorchOracleException($"HiddenSize {HiddenSize} is not a multiple of NumHeads {NumHeads}");
        }

        if (!(LayerNormEps > 0) || double.IsInfinity(LayerNormEps))
        {
            throw new TorchOracleException($"LayerNormEps {LayerNormEps} must be positive and finite");
        }

        if (!Enum.IsDefined(HiddenAct) || !Enum.IsDefined(Head) || !Enum.IsDefined(Problem))
        {
            throw new TorchOracleException("HiddenAct, Head or Problem is not a defined enum value");
        }
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new TorchOracleException($"{name} must be positive, got {value}");
        }
    }
}
