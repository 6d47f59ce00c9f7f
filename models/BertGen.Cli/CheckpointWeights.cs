using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Weights;

namespace BertGen.Cli;

/// <summary>
/// Finds the <c>model.safetensors</c> a <c>--checkpoint</c> or <c>--init</c> names: the file itself, a checkpoint
/// folder holding one, or a run's folder (<c>runs/pretrain-bert-tiny</c>), whose newest <c>checkpoint-*</c> is taken.
/// Weights from a checkpoint are proven whole first (the SHA-256 <c>--resume</c> checks), so a flipped bit is an error,
/// not a silently different model; a damaged newest checkpoint names the intact one before it.
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

            RequireNotOptimizerState(path, option);
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && Path.GetFileName(path) == CheckpointStore.ModelFile && IsCheckpoint(folder) && WeightsDamage(folder) is string damage)
            {
                throw new CliFailureException($"{option}: {damage}");
            }

            return path;
        }

        if (!Directory.Exists(path))
        {
            throw new CliFailureException($"{option} '{path}' does not exist");
        }

        string direct = Path.Combine(path, CheckpointStore.ModelFile);
        if (IsCheckpoint(path))
        {
            return WeightsDamage(path) is string damage ? throw new CliFailureException($"{option}: {damage}") : direct;
        }

        if (File.Exists(direct))
        {
            return direct;
        }

        // The store lists full paths; messages show them as every CLI message shows a path.
        IReadOnlyList<(long Step, string Path)> all = new CheckpointStore(path, keepLast: 1).List().Select(c => (c.Step, ShownPath.Of(c.Path))).ToList();
        if (all.Count == 0)
        {
            throw new CliFailureException($"{option} '{path}' holds neither {CheckpointStore.ModelFile} nor checkpoint-* folders");
        }

        // The newest checkpoint whose weights are whole; when that is not the newest, say so and name it.
        string? newestDamage = WeightsDamage(all[^1].Path);
        if (newestDamage is null)
        {
            return Path.Combine(all[^1].Path, CheckpointStore.ModelFile);
        }

        for (int i = all.Count - 2; i >= 0; i--)
        {
            if (WeightsDamage(all[i].Path) is null)
            {
                throw new CliFailureException($"the newest checkpoint in '{path}' (step {all[^1].Step}) is damaged: {newestDamage}; the older '{all[i].Path}' (step {all[i].Step}) is intact: give it with {option}");
            }
        }

        throw new CliFailureException($"no checkpoint in '{path}' is intact; the newest (step {all[^1].Step}): {newestDamage}");
    }

    /// <summary>
    /// Refuses a checkpoint's AdamW state given as weights: <c>optimizer.exp_avg.safetensors</c> and
    /// <c>optimizer.exp_avg_sq.safetensors</c> hold the model's tensor names and shapes, so they loaded without a word and
    /// every answer was noise (tab completion offers them beside <c>model.safetensors</c>). Known by their names, and by the
    /// mark checkpoints write into them (<see cref="CheckpointStore.OptimizerStateKey"/>) under any other name.
    /// </summary>
    public static void RequireNotOptimizerState(string path, string option)
    {
        if (OptimizerMoments(path) is string moments)
        {
            throw new CliUsageException(
                $"{option} '{path}' is a checkpoint's optimizer state (AdamW's {moments} moments), not its weights; give the checkpoint folder or its {CheckpointStore.ModelFile}");
        }
    }

    /// <summary>"first" or "second" when <paramref name="path"/> is a checkpoint's AdamW moments (by its name or its mark), else null.</summary>
    public static string? OptimizerMoments(string path)
    {
        string name = Path.GetFileName(path);
        string? moment = name == CheckpointStore.FirstMomentFile ? "exp_avg" : name == CheckpointStore.SecondMomentFile ? "exp_avg_sq" : OptimizerStateMark(path);
        return moment is null ? null : moment == "exp_avg" ? "first" : "second";
    }

    // The optimizer-state mark in a safetensors file's metadata, or null (also for a file that does not open: loading it
    // names what is wrong).
    private static string? OptimizerStateMark(string path)
    {
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using SafetensorsReader reader = SafetensorsReader.Open(path);
            return reader.Metadata.TryGetValue(CheckpointStore.OptimizerStateKey, out string? moment) ? moment : null;
        }
        catch (Exception e) when (e is WeightFileException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A folder <c>CheckpointStore</c> wrote (its name, its state file or the state's checksum say so): its weights must prove whole.</summary>
    private static bool IsCheckpoint(string folder) =>
        CheckpointIntegrity.StepOfName(folder) is not null
        || File.Exists(Path.Combine(folder, CheckpointStore.StateFile))
        || File.Exists(Path.Combine(folder, CheckpointIntegrity.StateChecksumFile));

    /// <summary>
    /// Why the checkpoint's <c>model.safetensors</c> cannot be trusted (its state's checksum, its recorded length and
    /// SHA-256, as <c>--resume</c> checks them), or null. Inference needs only the weights, so the optimiser's files are not read.
    /// </summary>
    private static string? WeightsDamage(string folder)
    {
        try
        {
            TrainerState state = CheckpointStore.ReadState(folder);
            CheckpointIntegrity.VerifyFile(folder, state, CheckpointStore.ModelFile);
            return null;
        }
        catch (CheckpointException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The label names a fine-tuning run recorded in <paramref name="weights"/> (<c>finetune --labels neg,pos</c>), or
    /// null for a file that records none (written before labels were recorded, or not by <c>finetune</c>).
    /// </summary>
    public static IReadOnlyList<string>? RecordedLabels(string weights, ModelDescriptor model)
    {
        IReadOnlyList<string>? labels;
        try
        {
            labels = CheckpointLabels.Read(weights);
        }
        catch (WeightFileException e)
        {
            throw WeightsFileErrors.Named(e, "checkpoint", weights);
        }

        if (labels is not null && labels.Count != model.Labels.Count)
        {
            throw new CliFailureException(
                $"checkpoint '{weights}' was fine-tuned with {labels.Count} labels ({string.Join(", ", labels)}), but '{ModelCatalog.CliName(model)}' has {model.Labels.Count} outputs: pass the --model it was fine-tuned as");
        }

        return labels;
    }

    /// <summary>
    /// The compiled model to load <paramref name="weights"/> into: <paramref name="chosen"/> (the command's --model), which
    /// must be the model the checkpoint records having been trained as, if it records one; without --model, the recorded
    /// model, else <paramref name="fallback"/>. Either must have <paramref name="head"/>.
    /// </summary>
    public static ModelDescriptor ModelFor(ModelDescriptor? chosen, string weights, string fallback, string head)
    {
        string? recorded = RecordedModel(weights);
        if (chosen is null)
        {
            return ModelCatalog.RequireCompiledWithHead(recorded ?? fallback, head, training: false);
        }

        if (recorded is not null && !string.Equals(recorded, chosen.Name, StringComparison.Ordinal))
        {
            string named = ModelCatalog.FindCompiled(recorded) is { } compiled ? ModelCatalog.CliName(compiled) : recorded;
            throw new CliUsageException($"checkpoint '{ShownPath.Of(weights)}' was trained as '{named}', not '{ModelCatalog.CliName(chosen)}': leave out --model, or pass --model {named}");
        }

        return chosen;
    }

    /// <summary>The model type a checkpoint folder's state records (<c>BertTinyClassifier</c>), or null for a bare weights file.</summary>
    private static string? RecordedModel(string weights)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(weights));
        if (folder is null || !IsCheckpoint(folder))
        {
            return null;
        }

        try
        {
            return CheckpointStore.ReadState(folder).ModelName;
        }
        catch (CheckpointException)
        {
            return null; // Resolve has already refused a checkpoint whose state does not hold together.
        }
    }

    /// <summary>Refuses to start a fresh run over another run's checkpoints, whose step numbers and metrics would interleave with it.</summary>
    public static void RequireFreshOrResume(string directory, bool resume)
    {
        // A checkpoint's own folder given as the run's: --resume found nothing in it and a fresh run wrote its checkpoints
        // inside the old one.
        if (File.Exists(Path.Combine(directory, CheckpointStore.StateFile)) || File.Exists(Path.Combine(directory, CheckpointIntegrity.StateChecksumFile)))
        {
            string parent = Path.GetDirectoryName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)) ?? directory;
            throw new CliUsageException(
                $"--checkpoints '{ShownPath.Of(directory)}' is a checkpoint, not a run's folder: give the folder that holds it ('{ShownPath.Of(parent)}'){(resume ? ", and --resume continues from its newest checkpoint" : "")}");
        }

        if (resume)
        {
            return;
        }

        var existing = new CheckpointStore(directory, keepLast: 1).List();
        if (existing.Count > 0)
        {
            throw new CliUsageException(
                $"'{ShownPath.Of(directory)}' already holds checkpoints (newest: step {existing.Max(c => c.Step)}); pass --resume to continue that run, or another --checkpoints folder");
        }
    }
}
