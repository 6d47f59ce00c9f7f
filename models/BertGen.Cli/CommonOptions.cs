using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using BertGen.Runtime.Inference;

namespace BertGen.Cli;

/// <summary>Options several commands share, created fresh for each command that uses them.</summary>
internal static class CommonOptions
{
    public static Argument<string[]> Texts(string description) => new("texts")
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string?> File() => new("--file", "-f")
    {
        Description = "Read texts from FILE, one per line (UTF-8; '-' for standard input). Blank lines are skipped.",
        HelpName = "FILE",
    };

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = $"Model: a pretrained encoder ({string.Join(", ", PretrainedNames())}) or a compiled model with --weights ({ModelCatalog.CompiledNames}).",
        DefaultValueFactory = _ => "minilm",
        HelpName = "NAME",
    };

    public static Option<string?> Weights() => new("--weights")
    {
        Description = "Load parameters from a .safetensors or HuggingFace .onnx file instead of the pretrained package.",
        HelpName = "FILE",
    };

    public static Option<string?> Vocabulary() => new("--vocab")
    {
        Description = "WordPiece vocabulary, one token per line (default: the uncased BERT vocabulary of the pretrained package).",
        HelpName = "FILE",
    };

    public static Option<string?> Pooling()
    {
        var option = new Option<string?>("--pooling")
        {
            Description = "How the token states become one vector: mean (under the mask) or cls (default: the model's own; mean for minilm, cls for arctic-xs).",
            HelpName = "mean|cls",
        };
        option.AcceptOnlyFromAmong("mean", "cls");
        return option;
    }

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "Compute threads (default: one per core).",
        HelpName = "N",
    };

    public static Option<string?> ModelDirectory() => new("--model-dir")
    {
        Description = "A HuggingFace model folder (config.json, model.safetensors, tokenizer.json or vocab.txt) to run on the compiled model with its architecture, instead of --model.",
        HelpName = "DIR",
    };

    public static Option<string?> Precision() => new("--precision")
    {
        Description = "What the linear layers compute in: fp32, or int8 (weights quantised per output channel at load, or read from an int8 weights file " +
            "written by 'bertgen quantize'; inputs quantised per token). Default: int8 for an int8 weights file, else fp32. int8 needs a model compiled " +
            "with it (minilm, arctic-xs, the MiniLM classifier, bert-base).",
        HelpName = ComputePrecision.Names,
    };

    /// <summary>The precision asked for, or null when --precision was not given (then the weights decide: <see cref="ComputePrecision.For"/>).</summary>
    public static ComputePrecision? ParsePrecision(ParseResult parse, Option<string?>? precision) =>
        precision is not null && parse.GetValue(precision) is string name ? ComputePrecision.Parse(name) : null;

    public static Option<bool> Chunk() => new("--chunk")
    {
        Description = $"Embed a text longer than the model's limit whole: overlapping windows of the limit ({TextPreparation.WindowOverlap} WordPieces shared), their vectors averaged by length, instead of truncating it.",
    };

    /// <summary>The model options of a command; --model-dir replaces --model, so naming both is a usage error.</summary>
    public static EncoderOptions Encoder(ParseResult parse, Option<string> model, Option<string?> weights, Option<string?> vocabulary, Option<int?> threads,
        Option<string?> modelDirectory, Option<string?>? precision = null)
    {
        string? directory = parse.GetValue(modelDirectory);
        if (directory is not null && parse.GetResult(model) is { Implicit: false })
        {
            throw new CliUsageException("--model-dir names the model itself: it does not go with --model");
        }

        return new EncoderOptions(parse.GetValue(model)!, parse.GetValue(weights), parse.GetValue(vocabulary), parse.GetValue(threads), directory,
            ParsePrecision(parse, precision));
    }

    public static PoolingMode? ParsePooling(string? value) => value switch
    {
        null => null,
        "mean" => PoolingMode.Mean,
        "cls" => PoolingMode.Cls,
        _ => throw new CliUsageException($"--pooling must be mean or cls, not '{value}'"),
    };

    /// <summary>--labels A,B,…: one distinct name per output of the model's classifier; the model's own when not given.</summary>
    public static IReadOnlyList<string> ParseLabels(string? given, ModelDescriptor descriptor)
    {
        if (given is null)
        {
            return descriptor.Labels;
        }

        string[] names = given.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != descriptor.Labels.Count || names.Any(n => n.Length == 0) || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new CliUsageException(
                $"--labels must name {descriptor.Labels.Count} distinct labels, one per output of '{ModelCatalog.CliName(descriptor)}'s classifier, not '{given}'");
        }

        return names;
    }

    private static IEnumerable<string> PretrainedNames() => ModelCatalog.Pretrained.Select(p => p.Name);
}
