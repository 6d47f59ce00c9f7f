using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using BertGen.Runtime.Inference;

namespace BertGen.Cli.Training;

/// <summary>
/// What every process of an mpirun job must run alike: the command, the compiled model (the same bertgen build on every
/// machine) and every option but those naming each machine's own files and threads. Processes that differ (mpirun's
/// <c>-np 1 A : -np 1 B</c>, another build of bertgen on one machine) make collectives of other numbers and sizes: a
/// broadcast of another model's parameters overran its buffer (the job died of "double free or corruption"), other
/// batch sizes trained on overlapping examples without a word, pretrain beside finetune waited forever.
/// </summary>
internal static class JobAgreement
{
    /// <summary>
    /// Refuses, on every rank at once, a job whose processes do not all run what rank 0 runs, naming what differs. The
    /// first collective after <see cref="DataParallelLaunch.Join"/> but the options' checks (one
    /// <see cref="DataParallelLaunch.OnEveryRank"/> step in every command that joins), so that it is one in every such command.
    /// </summary>
    /// <param name="parse">This process's command line.</param>
    /// <param name="model">The compiled model it trains.</param>
    /// <param name="perMachine">Options each machine may set for itself: its copies of the data files, its threads, the
    /// folder (rank 0's is the run's).</param>
    /// <param name="lists">Options whose value is a comma-separated list, compared item by item (<c>OT, NT</c> is
    /// <c>OT,NT</c>).</param>
    public static void Require(ParseResult parse, ModelDescriptor model, IReadOnlyCollection<Option> perMachine, params IReadOnlyCollection<Option> lists)
    {
        if (DataParallelLaunch.Group is not { Size: > 1 })
        {
            return;
        }

        IReadOnlyList<(string Name, string Value)> own = Describe(parse, model, perMachine, lists);
        IReadOnlyList<(string Name, string Value)> rankZero = DataParallelLaunch.FromRankZero(() => own, Write, Read);
        DataParallelLaunch.OnEveryRank(() =>
        {
            string[] differences = Differences(own, rankZero, Flags(parse)).ToArray();
            return differences.Length == 0 ? 0 : throw new CliUsageException(
                $"runs {string.Join("; ", differences)}: every process of an mpirun job must run the same command with the same options on the same "
                + "compiled model (the same bertgen build on every machine); only data file paths, --checkpoints and --threads may differ");
        });
    }

    /// <summary>The command, the model and each option's value (given or default), but the per-machine ones.</summary>
    internal static IReadOnlyList<(string Name, string Value)> Describe(ParseResult parse, ModelDescriptor model, IReadOnlyCollection<Option> perMachine, IReadOnlyCollection<Option> lists)
    {
        var description = new List<(string, string)>
        {
            ("the command", parse.CommandResult.Command.Name),
            // The version with its commit (what --version prints): copies built from one commit on each machine agree,
            // another commit's training may make other collectives.
            ("bertgen", typeof(JobAgreement).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "(unversioned)"),
            ("the model", $"{ModelCatalog.CliName(model)} ({model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, {model.Layers} layers of {model.HiddenSize}, "
                + $"{model.AttentionHeads} heads, vocabulary {model.VocabSize}, heads {string.Join("+", model.Heads)}, shapes {string.Join(" ", model.Shapes.Select(s => $"{s.Batch}×{s.Sequence}"))})"),
        };
        // --model is the model's line: named with what it is in this build.
        foreach (Option option in parse.CommandResult.Command.Options.Where(o => !perMachine.Contains(o) && o.Name != "--model").OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            object? value = parse.GetResult(option)?.GetValueOrDefault<object?>();
            description.Add((option.Name, Text(value is string list && lists.Contains(option) ? list.Split(',', StringSplitOptions.TrimEntries) : value)));
        }

        return description;
    }

    // The options given without a value (--resume, --zero): said as given or not, not as True or False.
    private static HashSet<string> Flags(ParseResult parse) =>
        parse.CommandResult.Command.Options.OfType<Option<bool>>().Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> Differences(IReadOnlyList<(string Name, string Value)> own, IReadOnlyList<(string Name, string Value)> rankZero, IReadOnlySet<string> flags)
    {
        // Another command differs in everything else too: that is the one thing to say.
        if (own[0].Value != rankZero[0].Value)
        {
            yield return $"{own[0].Name} {own[0].Value} where rank 0 has {rankZero[0].Value}";
            yield break;
        }

        var root = rankZero.ToDictionary(d => d.Name, d => d.Value, StringComparer.Ordinal);
        foreach ((string name, string value) in own)
        {
            if (!root.TryGetValue(name, out string? theirs))
            {
                yield return $"{name} {value}, which rank 0's command has not";
            }
            else if (theirs != value && flags.Contains(name))
            {
                yield return value == bool.TrueString ? $"{name} where rank 0 runs without it" : $"without {name} where rank 0 has it";
            }
            else if (theirs != value)
            {
                yield return $"{name} {value} where rank 0 has {theirs}";
            }
        }

        foreach ((string name, string value) in rankZero.Where(d => !own.Any(o => o.Name == d.Name)))
        {
            yield return $"no {name}, which rank 0 has ({value})";
        }
    }

    private static string Text(object? value) => value switch
    {
        null => "(none)",
        string text => text,
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(Text)),
        _ => value.ToString() ?? "(none)",
    };

    private static void Write(BinaryWriter writer, IReadOnlyList<(string Name, string Value)> description)
    {
        writer.Write(description.Count);
        foreach ((string name, string value) in description)
        {
            writer.Write(name);
            writer.Write(value);
        }
    }

    private static IReadOnlyList<(string Name, string Value)> Read(BinaryReader reader)
    {
        var description = new (string, string)[reader.ReadInt32()];
        for (int i = 0; i < description.Length; i++)
        {
            description[i] = (reader.ReadString(), reader.ReadString());
        }

        return description;
    }
}
