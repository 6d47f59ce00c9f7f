using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;

namespace BertGen.Cli;

/// <summary>
/// Finds the <c>model.safetensors</c> a <c>--checkpoint</c> or <c>--init</c> names: the file itself, a checkpoint
/// folder holding one, or a run's folder (<c>runs/pretrain-bert-tiny</c>), whose newest <c>checkpoint-*</c> is taken.
/// </summary>
internal static class CheckpointWeights
{
    public static string Resolve(string path, string option)
    {
        if (File.Exists(path))
        {
            if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliUsageException($"{option} '{path}' is a file but not a .safetensors file; give a checkpoint folder or its {CheckpointStore.ModelFile}");
            }

            return path;
        }

        if (!Directory.Exists(path))
        {
            throw new CliFailureException($"{option} '{path}' does not exist");
        }

        string direct = Path.Combine(path, CheckpointStore.ModelFile);
        if (File.Exists(direct))
        {
            return direct;
        }

        string? latest = new CheckpointStore(path, keepLast: 1).Latest();
        if (latest is null)
        {
            throw new CliFailureException($"{option} '{path}' holds neither {CheckpointStore.ModelFile} nor checkpoint-* folders");
        }

        string weights = Path.Combine(latest, CheckpointStore.ModelFile);
        if (!File.Exists(weights))
        {
            throw new CliFailureException($"checkpoint '{latest}' has no {CheckpointStore.ModelFile}");
        }

        return weights;
    }

    /// <summary>
    /// The label names a fine-tuning run recorded in <paramref name="weights"/> (<c>finetune --labels neg,pos</c>), or
    /// null for a file that records none (written before labels were recorded, or not by <c>finetune</c>).
    /// </summary>
    public static IReadOnlyList<string>? RecordedLabels(string weights, ModelDescriptor model)
    {
        IReadOnlyList<string>? labels = CheckpointLabels.Read(weights);
        if (labels is not null && labels.Count != model.Labels.Count)
        {
            throw new CliFailureException(
                $"checkpoint '{weights}' was fine-tuned with {labels.Count} labels ({string.Join(", ", labels)}), but '{ModelCatalog.CliName(model)}' has {model.Labels.Count} outputs: pass the --model it was fine-tuned as");
        }

        return labels;
    }

    /// <summary>Refuses to start a fresh run over another run's checkpoints, whose step numbers and metrics would interleave with it.</summary>
    public static void RequireFreshOrResume(string directory, bool resume)
    {
        if (resume)
        {
            return;
        }

        var existing = new CheckpointStore(directory, keepLast: 1).List();
        if (existing.Count > 0)
        {
            throw new CliUsageException(
                $"'{directory}' already holds checkpoints (newest: step {existing.Max(c => c.Step)}); pass --resume to continue that run, or another --checkpoints folder");
        }
    }
}
