using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;

namespace BertGen.Cli;

/// <summary>A real pretrained model bertgen can run: its package, the compiled architecture that serves it, its pooling.</summary>
/// <param name="Name">Name on the command line (<c>minilm</c>).</param>
/// <param name="Package">Where its weights and vocabulary live.</param>
/// <param name="Architecture">The compiled model whose shapes it has.</param>
/// <param name="Pooling">How sentence embeddings are read off it.</param>
/// <param name="MaxTokens">Where sentence-transformers truncates its input (<c>max_seq_length</c>), special tokens included.</param>
internal sealed record PretrainedChoice(string Name, PretrainedModel Package, ModelDescriptor Architecture, PoolingMode Pooling, int MaxTokens);

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
        // all-MiniLM-L6-v2 was trained on 128 tokens and sentence-transformers cuts it at 256; arctic-embed-xs at 512.
        new("minilm", PretrainedModel.MiniLmL6V2, MiniLmL6.Descriptor, PoolingMode.Mean, MaxTokens: 256),
        new("arctic-xs", PretrainedModel.ArcticEmbedXs, MiniLmL6.Descriptor, PoolingMode.Cls, MaxTokens: 512),
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
    /// spec file, or a pretrained model's name (its architecture); null when none matches. Only a spec file is named
    /// by a path: any other path (a HuggingFace folder <c>./models/minilm</c>, <c>runs/bert-tiny/</c>) names no model, and
    /// reading its last part as a name trained, ran or showed the compiled model of that name in its place.
    /// </summary>
    public static ModelDescriptor? FindCompiled(string nameOrPath)
    {
        string name = Path.GetFileName(nameOrPath.TrimEnd('/', '\\'));
        if (name.EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^SpecSuffix.Length];
        }
        else if (name != nameOrPath)
        {
            return null;
        }

        ModelDescriptor? compiled = Compiled.FirstOrDefault(d =>
            string.Equals(CliName(d), name, StringComparison.OrdinalIgnoreCase) || string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
        if (compiled is not null && Path.GetFileName(nameOrPath).EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
        {
            RequireShippedSpec(nameOrPath, compiled);
        }

        return compiled ?? FindPretrained(name)?.Architecture;
    }

    /// <summary>
    /// A spec file named on the command line stands for the compiled model of that name only when it is that model's
    /// spec: bertgen cannot compile a spec at run time, and a user's own <c>bert-tiny.bert.json</c> (more layers, other
    /// shapes) would otherwise be shown, trained or run as the shipped one without a word. A bare file name that is
    /// not in the working folder names the shipped spec; a path must exist.
    /// </summary>
    private static void RequireShippedSpec(string path, ModelDescriptor compiled)
    {
        string shipped = CliName(compiled);
        if (Directory.Exists(path))
        {
            throw new CliUsageException($"spec '{path}' is a folder, not a spec file");
        }

        if (!File.Exists(path))
        {
            if (Path.GetFileName(path) == path)
            {
                return;
            }

            throw new CliUsageException($"spec file '{path}' does not exist (to use the compiled model, name it: '{shipped}')");
        }

        if (!SameJson(path, compiled.SpecFile))
        {
            throw new CliUsageException(
                $"spec file '{path}' is not the {compiled.SpecFile} compiled into bertgen; bertgen runs and inspects its compiled models only: "
                + $"name one ('{shipped}'), or add your spec to a project to compile it");
        }
    }

    private static bool SameJson(string path, string specFile)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        using Stream? resource = typeof(ModelCatalog).Assembly.GetManifestResourceStream("specs/" + specFile);
        if (resource is null)
        {
            return false;
        }

        // Read up to one byte past the limit, whatever the file is: a pipe has no length to ask first.
        byte[] text;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read))
        {
            text = new byte[MaxSpecBytes + 1];
            int read = file.ReadAtLeast(text, text.Length, throwOnEndOfStream: false);
            if (read > MaxSpecBytes)
            {
                return false;
            }

            Array.Resize(ref text, read);
        }

        try
        {
            using JsonDocument given = JsonDocument.Parse(text, options);
            using JsonDocument ours = JsonDocument.Parse(resource, options);
            return JsonElement.DeepEquals(given.RootElement, ours.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Far above any shipped spec (the largest is 1 KB): a bigger file cannot be one, and is not read.</summary>
    private const int MaxSpecBytes = 1 << 20;

    /// <summary>
    /// <see cref="FindCompiled"/>, or the one usage error every command gives for a name that matches no compiled model
    /// (bench, inspect, the training commands): the name as given and the names it could have been.
    /// </summary>
    public static ModelDescriptor RequireCompiled(string nameOrPath) => FindCompiled(nameOrPath)
        ?? throw new CliUsageException($"unknown model '{nameOrPath}': no compiled model of that name; compiled: {CompiledNames}");

    /// <summary>The spec head that gives masked-LM logits (pretraining = masked LM + next sentence).</summary>
    public const string PretrainingHead = "pretraining";

    public const string SequenceClassificationHead = "sequence_classification";

    /// <summary>A compiled model that has <paramref name="head"/>; a usage error naming the models that do, otherwise.</summary>
    public static ModelDescriptor RequireCompiledWithHead(string name, string head, bool training)
    {
        ModelDescriptor descriptor = RequireCompiled(name);
        if (!descriptor.Heads.Contains(head) || (training && !descriptor.SupportsTraining))
        {
            string fitting = string.Join(", ", Compiled.Where(d => d.Heads.Contains(head) && (!training || d.SupportsTraining)).Select(CliName));
            string has = descriptor.Heads.Count == 0 ? "no task head" : $"the {string.Join(", ", descriptor.Heads)} head";
            throw new CliUsageException($"model '{CliName(descriptor)}' has {has}{(training && !descriptor.SupportsTraining ? " and no compiled training step" : "")}; this needs the {head} head{(training ? " with training" : "")}: {fitting}");
        }

        return descriptor;
    }
}
