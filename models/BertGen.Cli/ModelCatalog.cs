using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;

namespace BertGen.Cli;

/// <summary>A real pretrained model bertgen can run: its package, the compiled architecture that serves it, its pooling.</summary>
/// <param name="Name">Name on the command line (<c>minilm</c>).</param>
/// <param name="Package">Where its weights and vocabulary live.</param>
/// <param name="Architecture">The compiled model whose shapes it has.</param>
/// <param name="Pooling">How sentence embeddings are read off it.</param>
internal sealed record PretrainedChoice(string Name, PretrainedModel Package, ModelDescriptor Architecture, PoolingMode Pooling);

/// <summary>
/// The models compiled into this build (one per shipped spec) and the pretrained weights that fit them.
/// A model is named on the command line by its spec's file name without <c>.bert.json</c>.
/// </summary>
internal static class ModelCatalog
{
    private const string SpecSuffix = ".bert.json";

    /// <summary>Every compiled model, smallest first.</summary>
    public static IReadOnlyList<ModelDescriptor> Compiled { get; } =
    [
        BertTiny.Descriptor,
        BertMini.Descriptor,
        BertSmall.Descriptor,
        BertBase.Descriptor,
        MiniLmL6.Descriptor,
        BertTinyClassifier.Descriptor,
        MiniLmL6Classifier.Descriptor,
    ];

    /// <summary>Pretrained sentence encoders; both have MiniLM's shape, so one compiled model serves both.</summary>
    public static IReadOnlyList<PretrainedChoice> Pretrained { get; } =
    [
        new("minilm", PretrainedModel.MiniLmL6V2, MiniLmL6.Descriptor, PoolingMode.Mean),
        new("arctic-xs", PretrainedModel.ArcticEmbedXs, MiniLmL6.Descriptor, PoolingMode.Cls),
    ];

    /// <summary>The command-line name of a compiled model: its spec file's name without the suffix.</summary>
    public static string CliName(ModelDescriptor descriptor) =>
        descriptor.SpecFile.EndsWith(SpecSuffix, StringComparison.Ordinal) ? descriptor.SpecFile[..^SpecSuffix.Length] : descriptor.SpecFile;

    public static string CompiledNames => string.Join(", ", Compiled.Select(CliName));

    public static string AllNames => string.Join(", ", Pretrained.Select(p => p.Name).Concat(Compiled.Select(CliName)));

    public static PretrainedChoice? FindPretrained(string name) =>
        Pretrained.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.Package.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A compiled model by CLI name (<c>bert-base</c>), type name (<c>BertBase</c>), spec file name or path to a
    /// spec file, or a pretrained model's name (its architecture); null when none matches.
    /// </summary>
    public static ModelDescriptor? FindCompiled(string nameOrPath)
    {
        string name = Path.GetFileName(nameOrPath.TrimEnd('/', '\\'));
        if (name.EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^SpecSuffix.Length];
        }

        ModelDescriptor? compiled = Compiled.FirstOrDefault(d =>
            string.Equals(CliName(d), name, StringComparison.OrdinalIgnoreCase) || string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
        return compiled ?? FindPretrained(name)?.Architecture;
    }
}
