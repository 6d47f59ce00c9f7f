using System;
using System.IO;
using BertGen.Models;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using BertGen.Text;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// The generated MiniLmL6 with the real all-MiniLM-L6-v2 weights from the package, loaded and packed once,
/// fp32 and int8 forward passes both ready, with ONNX Runtime running the package's own model.onnx and BertGen's tokenizer over the package's vocabulary.
/// </summary>
public sealed class MiniLmModelFixture : IDisposable
{
    public MiniLmModelFixture()
    {
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2);
        OnnxBytes = package.ReadModelOnnx();
        Tokenizer = BertWordPieceTokenizer.Create(BertVocabulary.Parse(package.ReadVocabularyText(), "all-MiniLM-L6-v2 vocab.txt"));
        Pool = new ComputePool(2);
        Model = LoadModel(Pool);
        Model.PrepareWeights();
        Model.PrepareInt8Weights();
        OnnxRuntime = new OnnxRuntimeBert(OnnxBytes, PretrainedModel.MiniLmL6V2.PoolerOutputName, intraOpThreads: 2);
    }

    public byte[] OnnxBytes { get; }

    public BertWordPieceTokenizer Tokenizer { get; }

    public ComputePool Pool { get; }

    public MiniLmL6 Model { get; }

    public OnnxRuntimeBert OnnxRuntime { get; }

    /// <summary>A new MiniLmL6 on <paramref name="pool"/> with the package's weights loaded, not yet prepared.</summary>
    public static MiniLmL6 LoadModel(ComputePool pool)
    {
        var model = new MiniLmL6(pool);
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
        return model;
    }

    public void Dispose()
    {
        OnnxRuntime.Dispose();
        Model.Dispose();
        Pool.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmModelFixture>
{
    public const string Name = "MiniLM real weights";
}
