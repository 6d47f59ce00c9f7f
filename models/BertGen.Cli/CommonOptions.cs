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

    public static PoolingMode? ParsePooling(string? value) => value switch
    {
        null => null,
        "mean" => PoolingMode.Mean,
        "cls" => PoolingMode.Cls,
        _ => throw new CliUsageException($"--pooling must be mean or cls, not '{value}'"),
    };

    private static IEnumerable<string> PretrainedNames() => ModelCatalog.Pretrained.Select(p => p.Name);
}
