using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BertGen.Generator.Model;
using BertGen.Runtime;

namespace BertGen.Cli.HuggingFace;

/// <summary>
/// <c>bertgen spec DIR</c>: a <c>*.bert.json</c> from a HuggingFace folder — its <c>config.json</c> verbatim (a config is a
/// valid spec, and the folder needs nothing else) plus a <c>bertgen</c> section: a type name from the folder's name, the
/// task head its architecture implies, inference shapes batch 1 × 16, 32, 64, 128 and so on doubling up to the model's
/// limit, and 8 × 128 for batches of typical sentences.
/// </summary>
internal static class SpecWriter
{
    public const string Suffix = ".bert.json";

    /// <summary>
    /// Writes the spec for the folder at <paramref name="directory"/> and returns its path (<paramref name="output"/>, else
    /// <c>NAME.bert.json</c> in the current folder). Everything the generator would refuse in it is refused here first
    /// (<see cref="HuggingFaceConfig.Load"/>, <see cref="SpecRules"/>), so the spec written compiles; <paramref name="warn"/>
    /// hears of shapes left out because their buffers would not fit.
    /// </summary>
    public static string Write(string directory, string? output, string? typeName, string ns, Action<string> warn)
    {
        string folderName = ModelFolder.NameOf(directory);
        string name = typeName ?? TypeNameOf(folderName);
        string path = output ?? FileNameOf(folderName) + Suffix;
        if (!path.EndsWith(Suffix, StringComparison.Ordinal))
        {
            throw new CliUsageException($"--output must end in {Suffix} (the generator compiles files named so), not '{path}'");
        }

        if (SpecRules.NamespaceProblem(ns) is string nsProblem)
        {
            throw new CliUsageException($"--namespace {MessageText.Quote(ns)} is not a C# namespace: {nsProblem}");
        }

        (HuggingFaceConfig architecture, int maxTokens) = ModelFolder.ReadArchitecture(directory);
        using JsonDocument config = JsonDocument.Parse(architecture.Json);
        SpecRules.RequireTrainingFields(architecture, config.RootElement);
        SpecRules.RequireParameterBuffer(architecture);
        int limit = Math.Min(maxTokens, architecture.MaxPositions);
        int fits = SpecRules.MaxTokensPerShape(architecture);
        if (limit > fits)
        {
            warn(string.Create(CultureInfo.InvariantCulture,
                $"the spec's shapes stop at sequence {fits:N0}, below the model's limit of {limit:N0} tokens: a longer sequence's activations would pass the {SpecLimits.BufferFloats:N0} floats one buffer holds"));
            limit = fits;
        }

        IReadOnlyList<(int Batch, int Sequence)> shapes = Shapes(limit);
        if (SpecRules.TypeNameProblem(name, ns, shapes) is string nameProblem)
        {
            throw new CliUsageException(typeName is null
                ? $"the type name {MessageText.Quote(name)}, made from the folder's name, cannot name the generated class: {nameProblem}; give one with --type-name"
                : $"--type-name {MessageText.Quote(name)} cannot name the generated class: {nameProblem}");
        }

        OutputFile.RequireWritable(path);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in config.RootElement.EnumerateObject().Where(p => p.Name != "bertgen"))
            {
                property.WriteTo(writer);
            }

            writer.WriteStartObject("bertgen");
            writer.WriteString("type_name", name);
            writer.WriteString("namespace", ns);
            writer.WriteStartArray("shapes");
            foreach ((int batch, int sequence) in shapes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("batch", batch);
                writer.WriteNumber("sequence", sequence);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("heads");
            foreach (string head in architecture.Heads)
            {
                writer.WriteStringValue(head);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("training", false);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        OutputFile.Write(path, file => stream.WriteTo(file));
        return path;
    }

    /// <summary>Batch 1 at 16, 32, 64, … up to the first sequence that holds <paramref name="limit"/> tokens (within it), and 8 × 128.</summary>
    public static IReadOnlyList<(int Batch, int Sequence)> Shapes(int limit)
    {
        var shapes = new List<(int, int)>();
        long sequence = 16; // doubled past the limit: as an int it overflowed at 2^31 and never stopped
        for (; sequence < limit; sequence *= 2)
        {
            shapes.Add((1, (int)sequence));
        }

        shapes.Add((1, (int)Math.Min(sequence, limit)));
        if (limit >= 128)
        {
            shapes.Insert(shapes.IndexOf((1, 128)) + 1, (8, 128));
        }

        return shapes;
    }

    /// <summary><c>all-MiniLM-L6-v2</c> → <c>AllMiniLML6V2</c>: each run of letters and digits, capitalised.</summary>
    public static string TypeNameOf(string folderName)
    {
        var name = new StringBuilder();
        foreach (string part in Words(folderName))
        {
            if (part.Length > 0)
            {
                name.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
            }
        }

        return name.Length == 0 || char.IsAsciiDigit(name[0]) ? "Model" + name : name.ToString();
    }

    private static string FileNameOf(string folderName) =>
        string.Join("-", Words(folderName.ToLowerInvariant())) is { Length: > 0 } name ? name : "model";

    /// <summary>The runs of ASCII letters and digits in <paramref name="text"/>.</summary>
    private static IEnumerable<string> Words(string text)
    {
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool inWord = i < text.Length && char.IsAsciiLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i];
                start = -1;
            }
        }
    }
}
