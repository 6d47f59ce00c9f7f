namespace BertGen.Generator.Model;

/// <summary>
/// One BERT model as a spec file declares it, after validation. Immutable and structurally equal — the
/// incremental pipeline compares it to decide whether to re-plan and re-emit, so it must not hold anything
/// that changes when the spec's meaning does not (no locations, no Roslyn objects, no raw text).
/// </summary>
/// <param name="SpecPath">The spec's path, where a failure of the generator itself is reported.</param>
/// <param name="SpecFileName">The spec's file name (not its full path), quoted in generated comments.</param>
/// <param name="Precisions">The precisions forward passes are compiled in, fp32 always among them.</param>
/// <param name="Threads">
/// The compute pool size the forward passes are scheduled for (<c>bertgen.threads</c>, default 1: none). A shape whose
/// batch is a multiple of it runs each thread through the whole forward on its own sequences when the pool has that
/// many threads; any other pool runs the ops one by one, each split over the pool.
/// </param>
internal sealed record ModelSpec(
    string SpecPath,
    string SpecFileName,
    string Namespace,
    string TypeName,
    BertArchitecture Architecture,
    ImmutableEquatableArray<ShapeVariant> Shapes,
    HeadSet Heads,
    bool Training,
    int MaxPredictionsPerSequence,
    PrecisionSet Precisions,
    int Threads)
{
    /// <summary>Whether an int8 forward pass is compiled next to each fp32 one.</summary>
    public bool HasInt8 => Precisions.Has(Precision.Int8);

    /// <summary>Whether a shape's forward passes get the per-thread schedule: the planned threads divide its batch.</summary>
    public bool SplitsBySequence(ShapeVariant shape) => SplitsBySequence(Threads, shape);

    /// <summary>The rule itself, which the parser's count of compiled layers applies before the spec exists.</summary>
    public static bool SplitsBySequence(int threads, ShapeVariant shape) => threads > 1 && shape.Batch % threads == 0;
}

/// <summary>
/// The HuggingFace <c>BertConfig</c> fields BertGen honours, with their HF meanings. <paramref name="ProblemTypeGiven"/> says
/// whether the config names <c>problem_type</c> (else <paramref name="ProblemType"/> is inferred from <c>num_labels</c>, as HF's
/// training infers it): HF's text-classification pipeline reads only a named one, so a one-label model that names none trains
/// as regression but is scored by a sigmoid.
/// </summary>
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
    ProblemType ProblemType,
    bool ProblemTypeGiven)
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
