using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Weights;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// A folder of training checkpoints, one sub-folder per saved step (<c>checkpoint-000001000</c>), keeping the last
/// <see cref="KeepLast"/>. Each holds <c>model.safetensors</c> (HuggingFace names, loadable by HF tools),
/// <c>optimizer.exp_avg.safetensors</c> and <c>optimizer.exp_avg_sq.safetensors</c> (AdamW's m and v under the same
/// names, torch's state names) and <c>trainer_state.json</c> with the position and each file's length and SHA-256,
/// itself covered by <c>trainer_state.json.sha256</c> (<see cref="CheckpointIntegrity"/>).
/// A checkpoint is written whole into a hidden temporary folder and only then renamed into place, so a crash or
/// an error mid-write leaves the previous checkpoints as they were and never a half-written one under a real name.
/// (.NET cannot fsync a directory, so after a power cut the rename itself may be lost; the files it names are
/// flushed before it.)
/// </summary>
internal sealed class CheckpointStore
{
    public const string ModelFile = "model.safetensors";
    public const string FirstMomentFile = "optimizer.exp_avg.safetensors";
    public const string SecondMomentFile = "optimizer.exp_avg_sq.safetensors";

    /// <summary>
    /// The <c>__metadata__</c> key that marks the optimiser's files as what they are (its value: <c>exp_avg</c> or
    /// <c>exp_avg_sq</c>): they hold the model's tensor names and shapes, so a renamed copy would otherwise pass for weights.
    /// </summary>
    public const string OptimizerStateKey = "bertgen_optimizer_state";
    public const string StateFile = "trainer_state.json";

    private const string Prefix = "checkpoint-";

    /// <summary>How a checkpoint folder's name starts; the step follows.</summary>
    internal const string FolderPrefix = Prefix;

    /// <summary>The tensor files of a checkpoint, each recorded with its length and SHA-256 in the state file.</summary>
    internal static readonly string[] TensorFiles = [ModelFile, FirstMomentFile, SecondMomentFile];
    private const string TemporaryPrefix = ".checkpoint-";
    private readonly Action<string>? _fileWritten;

    /// <param name="root">The folder holding the checkpoints; created on first save.</param>
    /// <param name="keepLast">How many of the newest checkpoints to keep (at least 1).</param>
    /// <param name="fileWritten">Called with each file's path once it is complete, before the checkpoint is
    /// committed: for a progress display, and for tests that interrupt a write.</param>
    public CheckpointStore(string root, int keepLast, Action<string>? fileWritten = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (keepLast < 1)
        {
            throw new CheckpointException($"keeping {keepLast} checkpoints would delete the one just written; keep at least 1");
        }

        Root = Path.GetFullPath(root);
        KeepLast = keepLast;
        _fileWritten = fileWritten;
    }

    public string Root { get; }

    /// <summary>
    /// More <c>__metadata__</c> written into every checkpoint's <c>model.safetensors</c> beside <c>format</c>: what a
    /// reader of the weights needs besides the tensors, such as the label names a classifier was trained with
    /// (<see cref="CheckpointLabels"/>). It travels with the weights file, wherever that is copied. Settable: a resumed
    /// run keeps the labels its checkpoint recorded.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ModelMetadata { get; set; }

    public int KeepLast { get; }

    /// <summary>The folder a checkpoint of <paramref name="step"/> is stored in.</summary>
    public string PathOf(long step) => Path.Combine(Root, Prefix + step.ToString("D9", CultureInfo.InvariantCulture));

    /// <summary>Completed checkpoints, oldest first, as (step, folder).</summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        var found = new List<(long, string)>();
        if (!Directory.Exists(Root))
        {
            return found;
        }

        foreach (string directory in Directory.EnumerateDirectories(Root, Prefix + "*"))
        {
            string name = Path.GetFileName(directory);
            if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                found.Add((step, directory));
            }
        }

        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>The newest completed checkpoint's folder, or null when there is none.</summary>
    public string? Latest()
    {
        IReadOnlyList<(long Step, string Path)> all = List();
        return all.Count == 0 ? null : all[^1].Path;
    }

    /// <summary>
    /// Writes the model's parameters, the optimiser's m and v, and <paramref name="state"/> (its
    /// <see cref="TrainerState.Files"/> are filled in here) as the checkpoint of <see cref="TrainerState.Step"/>,
    /// replacing one of the same step, then keeps it and the <see cref="KeepLast"/> − 1 newest before it (any after it,
    /// left by a run this one branched away from, are deleted). Returns its folder.
    /// </summary>
    public string Save(IBertModel model, AdamW optimizer, TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Save(model, optimizer.FirstMoment, optimizer.SecondMoment, state);
    }

    /// <summary>As <see cref="Save(IBertModel, AdamW, TrainerState)"/>, with AdamW's m and v given as whole buffers
    /// laid out like the parameters (gathered from the processes of a ZeRO-1 run).</summary>
    internal string Save(IBertModel model, AlignedBuffer firstMoment, AlignedBuffer secondMoment, TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(Root);
        RemoveAbandonedTemporaries();

        string final = PathOf(state.Step);
        string temporary = Path.Combine(Root, TemporaryPrefix + state.Step.ToString("D9", CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            var files = new List<CheckpointFile>(3);
            WriteTensors(temporary, ModelFile, model.ParameterTable, model.Parameters.AsSpan(), files, ModelMetadata);
            WriteTensors(temporary, FirstMomentFile, model.ParameterTable, firstMoment.AsSpan(), files, new Dictionary<string, string> { [OptimizerStateKey] = "exp_avg" });
            WriteTensors(temporary, SecondMomentFile, model.ParameterTable, secondMoment.AsSpan(), files, new Dictionary<string, string> { [OptimizerStateKey] = "exp_avg_sq" });

            string statePath = Path.Combine(temporary, StateFile);
            byte[] stateBytes = TrainerStateJson.Write(state with { Files = files });
            using (var stream = new FileStream(statePath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(stateBytes);
                stream.Flush(flushToDisk: true);
            }

            CheckpointIntegrity.WriteStateChecksum(temporary, stateBytes);

            _fileWritten?.Invoke(statePath);
            Commit(temporary, final);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk is the likely one; the file system's message named a hidden temporary file inside a hidden folder.
            DeleteQuietly(temporary);
            throw new CheckpointException($"cannot write checkpoint {MessageText.QuotePath(final)}: {FileSystemErrors.Reason(e, final)}", e);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }

        Prune(state.Step);
        return final;
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="path"/> into <paramref name="model"/>'s parameters and
    /// <paramref name="optimizer"/>'s moments and step count, after checking that it was written for this model
    /// and that every file is whole. Call <see cref="IBertModel.PrepareWeights"/> afterwards.
    /// </summary>
    /// <exception cref="CheckpointException">A file is missing or damaged, or the checkpoint is another model's.</exception>
    public static TrainerState Load(string path, IBertModel model, AdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        TrainerState state = Load(path, model, optimizer.FirstMoment, optimizer.SecondMoment);
        optimizer.RestoreStepCount(state.OptimizerStepCount);
        return state;
    }

    /// <summary>As <see cref="Load(string, IBertModel, AdamW)"/>, into whole m and v buffers laid out like the
    /// parameters (scattered to the processes of a ZeRO-1 run afterwards); the step count is the caller's to restore.</summary>
    internal static TrainerState Load(string path, IBertModel model, AlignedBuffer firstMoment, AlignedBuffer secondMoment)
    {
        ArgumentNullException.ThrowIfNull(model);
        TrainerState state = ReadState(path);
        RequireCompatible(path, state, model);

        // Verify every file before loading any, so a damaged checkpoint leaves the model and optimiser untouched.
        foreach (string name in TensorFiles)
        {
            CheckpointIntegrity.VerifyFile(path, state, name);
        }

        try
        {
            ParameterLoader.LoadSafetensors(Path.Combine(path, ModelFile), model.ParameterTable, model.Parameters.AsSpan());
            ParameterLoader.LoadOptimizerState(Path.Combine(path, FirstMomentFile), model.ParameterTable, firstMoment.AsSpan());
            ParameterLoader.LoadOptimizerState(Path.Combine(path, SecondMomentFile), model.ParameterTable, secondMoment.AsSpan());
        }
        catch (WeightFileException e)
        {
            throw new CheckpointException($"checkpoint '{path}' does not fit the model: {e.Message}", e);
        }

        return state;
    }

    /// <summary>Throws <see cref="CheckpointException"/> unless <paramref name="state"/> was saved from a model like <paramref name="model"/>.</summary>
    public static void RequireCompatible(string path, TrainerState state, IBertModel model)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(model);
        long parameterCount = ParameterCount(model);
        if (state.ModelName != model.Name || state.ParameterCount != parameterCount)
        {
            throw new CheckpointException($"checkpoint '{path}' is for model '{state.ModelName}' with {state.ParameterCount} parameters, not '{model.Name}' with {parameterCount}");
        }
    }

    /// <summary>Reads only <c>trainer_state.json</c> of the checkpoint in <paramref name="path"/>.</summary>
    public static TrainerState ReadState(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path))
        {
            // A checkpoint is a folder: its model.safetensors (what a program loads weights from) "did not exist".
            throw new CheckpointException(File.Exists(path)
                ? $"checkpoint '{path}' is a file, not a checkpoint folder; give the folder that holds it"
                : $"checkpoint '{path}' does not exist");
        }

        string statePath = Path.Combine(path, StateFile);
        if (!File.Exists(statePath))
        {
            // The run's folder (a trainer's CheckpointDirectory) given for one of the checkpoints in it.
            throw new CheckpointException(Directory.EnumerateDirectories(path, Prefix + "*").Any()
                ? $"checkpoint '{path}' is a folder of checkpoints, not one: give one of the checkpoint-* folders in it, or resume the newest with ResumeFromLatest and it as the CheckpointDirectory"
                : $"checkpoint '{path}' has no {StateFile}");
        }

        // The state file's own checksum first (an edited step is damage, not a state), then the values' sense.
        byte[] bytes = File.ReadAllBytes(statePath);
        CheckpointIntegrity.VerifyState(path, bytes);
        TrainerState state = TrainerStateJson.Read(bytes, statePath);
        TrainerStateChecks.Require(path, state);
        return state;
    }

    /// <summary>Σ of the lengths of a model's parameter tensors: what a checkpoint's parameter count must equal.</summary>
    public static long ParameterCount(IBertModel model)
    {
        long count = 0;
        foreach (ParameterInfo parameter in model.ParameterTable)
        {
            count += parameter.Length;
        }

        return count;
    }

    private void WriteTensors(string folder, string name, IReadOnlyList<ParameterInfo> table, ReadOnlySpan<float> buffer, List<CheckpointFile> files, IReadOnlyDictionary<string, string>? metadata)
    {
        string path = Path.Combine(folder, name);
        ParameterSaver.SaveSafetensors(path, table, buffer, metadata);
        using (FileStream stream = File.OpenRead(path))
        {
            files.Add(new CheckpointFile(name, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream))));
        }

        _fileWritten?.Invoke(path);
    }

    // Renames are atomic within one file system. Replacing an existing checkpoint of the same step moves the old
    // one aside first and back if the new one cannot take its place, so one complete checkpoint of that step
    // exists under its real name except for the instant between the two renames.
    private static void Commit(string temporary, string final)
    {
        if (!Directory.Exists(final))
        {
            Directory.Move(temporary, final);
            return;
        }

        string old = Path.Combine(Path.GetDirectoryName(final)!, TemporaryPrefix + Path.GetFileName(final) + "." + Guid.NewGuid().ToString("N") + ".old");
        Directory.Move(final, old);
        try
        {
            Directory.Move(temporary, final);
        }
        catch
        {
            Directory.Move(old, final);
            throw;
        }

        DeleteQuietly(old);
    }

    // Keeps the checkpoint just written and the newest KeepLast − 1 before it. Checkpoints after it belong to a
    // run this one branched away from (it resumed from an older checkpoint): they go too, or Latest would resume
    // the abandoned branch instead of this run.
    private void Prune(long written)
    {
        IReadOnlyList<(long Step, string Path)> all = List();
        int kept = 0;
        for (int i = all.Count - 1; i >= 0; i--)
        {
            bool keep = all[i].Step <= written && kept < KeepLast;
            kept += keep ? 1 : 0;
            if (!keep)
            {
                Directory.Delete(all[i].Path, recursive: true);
            }
        }
    }

    // Left by a process that died while writing: never complete, never read.
    private void RemoveAbandonedTemporaries()
    {
        foreach (string directory in Directory.EnumerateDirectories(Root, TemporaryPrefix + "*"))
        {
            DeleteQuietly(directory);
        }
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder is hidden, ignored by List and removed by the next save.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
