namespace BertGen.Generator.Model;

/// <summary>
/// One BERT model as a spec file declares it, after validation. Immutable and structurally equal — the
/// incremental pipeline compares it to decide whether to re-plan and re-emit, so it must not hold anything
/// that changes when the spec's meaning does not (no locations, no Roslyn objects, no raw text).
/// </summary>
/// <param name="SpecFileName">The spec's file name (not its full path), quoted in generated comments.</param>
internal sealed record ModelSpec(
    string SpecFileName,
    string Namespace,
    string TypeName,
    BertArchitecture Architecture,
    ImmutableEquatableArray<ShapeVariant> Shapes,
    HeadSet Heads,
    bool Training,
    int MaxPredictionsPerSequence);

/// <summary>The HuggingFace <c>BertConfig</c> fields BertGen honours, with their HF meanings.</summary>
internal sealed record BertArchitecture(
    int VocabSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    Activation HiddenAct,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    double LayerNormEps,
    double HiddenDropoutProb,
    double AttentionProbsDropoutProb,
    double InitializerRange,
    int PadTokenId,
    int NumLabels,
    ImmutableEquatableArray<string> Labels,
    ProblemType ProblemType)
{
    public int HeadSize => HiddenSize / NumAttentionHeads;
}

/// <summary>One fixed (batch, sequence) shape the generator specialises for.</summary>
internal readonly record struct ShapeVariant(int Batch, int Sequence)
{
    /// <summary>Tokens per call: the M dimension of every token-wise GEMM.</summary>
    public int Tokens => Batch * Sequence;

    /// <summary>Suffix naming this variant in generated code, e.g. <c>B8S128</c>.</summary>
    public string Name => $"B{Batch}S{Sequence}";
}

/// <summary>The <c>hidden_act</c> values BertGen implements (REFERENCE.md §1).</summary>
internal enum Activation
{
    /// <summary><c>gelu</c>: exact erf GELU, 0.5·x·(1+erf(x/√2)).</summary>
    GeluErf,

    /// <summary><c>gelu_new</c> / <c>gelu_pytorch_tanh</c>: the tanh approximation.</summary>
    GeluTanh,

    /// <summary><c>relu</c>.</summary>
    Relu,
}

/// <summary>HF <c>problem_type</c> for sequence classification.</summary>
internal enum ProblemType
{
    SingleLabelClassification,
    MultiLabelClassification,
    Regression,
}

/// <summary>Which task heads the spec asks for, on top of the encoder.</summary>
internal readonly record struct HeadSet(bool Pretraining, bool MaskedLm, bool SequenceClassification, bool TokenClassification, bool QuestionAnswering)
{
    /// <summary>Any head at all: HF then prefixes the encoder's weights with <c>bert.</c>.</summary>
    public bool Any => Pretraining || MaskedLm || SequenceClassification || TokenClassification || QuestionAnswering;

    /// <summary>The masked-LM prediction head (<c>cls.predictions</c>) is present.</summary>
    public bool HasMlmHead => Pretraining || MaskedLm;

    /// <summary>
    /// The pooler exists unless every head is one HF builds with <c>add_pooling_layer=False</c>
    /// (masked LM, token classification, question answering).
    /// </summary>
    public bool HasPooler => !Any || Pretraining || SequenceClassification;
}
