using System;
using System.IO;
using BertGen.Models;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// <c>--weights</c> loads a compiled model's parameters from a file: the MiniLM package's weights written out
/// as safetensors, or its ONNX export, must give exactly the packaged model's embeddings.
/// </summary>
public sealed class WeightsOptionTests : IDisposable
{
    private const string Text = "Weights from a file, not a package.";
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SafetensorsExportOfThePackageGivesTheSameEmbedding()
    {
        string path = _folder.File("minilm.safetensors");
        using (var model = new MiniLmL6())
        {
            ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
            ParameterSaver.SaveSafetensors(path, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
        }

        AssertSameAsPackage("--model", "minilm-l6", "--weights", path);
    }

    [Fact]
    public void OnnxFileGivesTheSameEmbedding()
    {
        string path = _folder.File("model.onnx");
        using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
        {
            File.WriteAllBytes(path, package.ReadModelOnnx());
        }

        AssertSameAsPackage("--model", "minilm-l6", "--weights", path);
    }

    [Fact]
    public void AnEncoderTakesTheEncoderOfAFineTunedClassifierCheckpoint()
    {
        // What finetune writes: MiniLM's encoder under bert.-prefixed names, the pooler and a classifier head.
        string path = _folder.File("classifier.safetensors");
        using (var model = new MiniLmL6Classifier())
        using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
        {
            model.InitializeParameters(seed: 7);
            ParameterLoader.LoadEncoder(OnnxBertImporter.Import(OnnxReader.Read(package.ViewModelOnnx())), MiniLmL6Classifier.ParameterTable, model.Parameters.AsSpan());
            ParameterSaver.SaveSafetensors(path, MiniLmL6Classifier.ParameterTable, model.Parameters.AsSpan());
        }

        // The head is left out, the encoder loaded: the package's own embedding.
        AssertSameAsPackage("--model", "minilm-l6", "--weights", path);
    }

    [Fact]
    public void AnyCompiledModelEmbedsWithItsOwnWeights()
    {
        // BERT-tiny (H128, pretraining heads) from a seeded initialisation: the CLI is not tied to MiniLM's width.
        string path = _folder.File("tiny.safetensors");
        using (var model = new BertTiny())
        {
            model.InitializeParameters(seed: 42);
            ParameterSaver.SaveSafetensors(path, BertTiny.ParameterTable, model.Parameters.AsSpan());
        }

        CliResult first = Cli.Run("embed", "--model", "bert-tiny", "--weights", path, "a tiny model", "another text");
        Assert.True(first.ExitCode == 0, first.Error);
        var embeddings = Embeddings.Parse(first);
        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(BertTiny.HiddenSize, e.Embedding.Length));
        Assert.All(embeddings, e => Assert.Equal(1.0, Embeddings.Norm(e.Embedding), 5));
        Assert.True(Embeddings.MaxDifference(embeddings[0].Embedding, embeddings[1].Embedding) > 1e-3);

        // The same weights in, the same vectors out.
        CliResult again = Cli.Run("embed", "--model", "bert-tiny", "--weights", path, "a tiny model", "another text");
        Assert.Equal(first.Output, again.Output);
    }

    private static void AssertSameAsPackage(params string[] options)
    {
        float[] packaged = Assert.Single(Embeddings.Parse(Cli.Run("embed", Text))).Embedding;
        CliResult fromFile = Cli.Run(["embed", .. options, Text]);
        Assert.True(fromFile.ExitCode == 0, fromFile.Error);
        Assert.Equal(0.0, Embeddings.MaxDifference(packaged, Assert.Single(Embeddings.Parse(fromFile)).Embedding), 7);
    }
}
