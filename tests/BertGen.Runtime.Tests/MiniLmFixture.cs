using System;
using System.Collections.Generic;
using System.IO;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using BertGen.Testing;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>
/// all-MiniLM-L6-v2 read once for all tests that need it: the ONNX bytes from the package DLL, the weights
/// imported to HuggingFace names, the reference BERT over them, an ONNX Runtime session, and the uncased
/// BERT tokenizer over the package's vocabulary.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2);
        OnnxBytes = package.ReadModelOnnx();
        VocabularyText = package.ReadVocabularyText();
        Model = OnnxReader.Read(OnnxBytes);
        Weights = OnnxBertImporter.Import(Model);
        Reference = new ReferenceBert(ReferenceBertConfig.MiniLmL6V2, ReferenceBert.ToDictionary(Weights));
        OnnxRuntime = new OnnxRuntimeBert(OnnxBytes, PretrainedModel.MiniLmL6V2.PoolerOutputName);
        using var vocabulary = new MemoryStream(package.ReadResource(PretrainedModel.MiniLmL6V2.VocabularyResourceName));
        Tokenizer = BertTokenizer.Create(vocabulary, UncasedOptions());
    }

    public byte[] OnnxBytes { get; }

    public string VocabularyText { get; }

    internal OnnxModel Model { get; }

    internal IReadOnlyList<WeightTensor> Weights { get; }

    public ReferenceBert Reference { get; }

    public OnnxRuntimeBert OnnxRuntime { get; }

    public BertTokenizer Tokenizer { get; }

    /// <summary>bert-base-uncased's tokenizer settings: lowercase, strip accents, split CJK ideographs.</summary>
    public static BertOptions UncasedOptions() => new()
    {
        LowerCaseBeforeTokenization = true,
        RemoveNonSpacingMarks = true,
        IndividuallyTokenizeCjk = true,
        ApplyBasicTokenization = true,
    };

    public void Dispose() => OnnxRuntime.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "all-MiniLM-L6-v2";
}
