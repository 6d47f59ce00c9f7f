using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// Proves a checkpoint folder whole before anything reads it. <c>trainer_state.json</c> records each tensor file's
/// length and SHA-256, and is itself covered by <see cref="StateChecksumFile"/> (in <c>sha256sum</c> format, so
/// <c>sha256sum -c trainer_state.json.sha256</c> checks it by hand): an edited step, learning rate or step count is
/// damage like a flipped bit in the weights, not a state to resume from. The values are then checked for sense
/// (<see cref="TrainerStateChecks"/>), for a state that is whole but wrong.
/// </summary>
internal static class CheckpointIntegrity
{
    /// <summary>The SHA-256 of <c>trainer_state.json</c>, beside it.</summary>
    public const string StateChecksumFile = CheckpointStore.StateFile + ".sha256";

    // The tensor files this process has hashed and found whole, by full path, with what made them so.
    private static readonly Dictionary<string, ProvenFile> Proven = new(StringComparer.Ordinal);

    /// <summary>Bytes of tensor files this thread has hashed (tests: a file proven whole once is not read again).</summary>
    [ThreadStatic]
    internal static long BytesHashedOnThisThread;

    /// <summary>Writes <see cref="StateChecksumFile"/> for the state bytes just written into <paramref name="folder"/>.</summary>
    internal static void WriteStateChecksum(string folder, ReadOnlySpan<byte> state)
    {
        string line = $"{Convert.ToHexStringLower(SHA256.HashData(state))}  {CheckpointStore.StateFile}\n";
        using var stream = new FileStream(Path.Combine(folder, StateChecksumFile), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(Encoding.ASCII.GetBytes(line));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Throws <see cref="CheckpointException"/> unless <paramref name="state"/> (the bytes of the folder's state file) matches its checksum.</summary>
    internal static void VerifyState(string folder, ReadOnlySpan<byte> state)
    {
        string path = Path.Combine(folder, StateChecksumFile);
        if (!File.Exists(path))
        {
            throw new CheckpointException($"checkpoint '{folder}' has no {StateChecksumFile}: it was written by an older bertgen or is incomplete");
        }

        string recorded = File.ReadAllText(path, Encoding.ASCII);
        int space = recorded.IndexOf(' ', StringComparison.Ordinal);
        string expected = space == 64 ? recorded[..64] : string.Empty;
        if (expected != Convert.ToHexStringLower(SHA256.HashData(state)))
        {
            throw new CheckpointException($"checkpoint file '{Path.Combine(folder, CheckpointStore.StateFile)}' is corrupted: its SHA-256 differs from the one in {StateChecksumFile}");
        }
    }

    /// <summary>
    /// Throws <see cref="CheckpointException"/> unless the file <paramref name="name"/> in <paramref name="folder"/> has
    /// the length and SHA-256 that <paramref name="state"/> recorded for it.
    /// </summary>
    public static void VerifyFile(string folder, TrainerState state, string name)
    {
        ArgumentNullException.ThrowIfNull(state);
        CheckpointFile? recorded = null;
        foreach (CheckpointFile file in state.Files)
        {
            if (file.Name == name)
            {
                recorded = file;
            }
        }

        string path = Path.Combine(folder, name);
        if (recorded is null)
        {
            throw new CheckpointException($"checkpoint '{folder}' does not list {name} in its {CheckpointStore.StateFile}");
        }

        if (!File.Exists(path))
        {
            throw new CheckpointException($"checkpoint file '{path}' is missing");
        }

        using FileStream stream = File.OpenRead(path);
        if (stream.Length != recorded.Bytes)
        {
            throw new CheckpointException($"checkpoint file '{path}' is {stream.Length} bytes but was saved with {recorded.Bytes}: it is truncated or corrupted");
        }

        // A file this process proved whole, unchanged since (same length and last-write time) and recorded with the same
        // SHA-256, is not hashed again: --resume proves the newest checkpoint whole to choose it, then loads it.
        string fullPath = Path.GetFullPath(path);
        var proof = new ProvenFile(stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle), recorded.Sha256);
        lock (Proven)
        {
            if (Proven.TryGetValue(fullPath, out ProvenFile earlier) && earlier == proof)
            {
                return;
            }
        }

        BytesHashedOnThisThread += stream.Length;
        if (Convert.ToHexStringLower(SHA256.HashData(stream)) != recorded.Sha256)
        {
            throw new CheckpointException($"checkpoint file '{path}' is corrupted: its SHA-256 differs from the one saved with it");
        }

        lock (Proven)
        {
            Proven[fullPath] = proof;
        }
    }

    /// <summary>What is wrong with the checkpoint in <paramref name="folder"/> (state, checksums, every tensor file), or null when it is whole.</summary>
    public static string? FindDamage(string folder)
    {
        try
        {
            TrainerState state = CheckpointStore.ReadState(folder);
            foreach (string name in CheckpointStore.TensorFiles)
            {
                VerifyFile(folder, state, name);
            }

            return null;
        }
        catch (CheckpointException e)
        {
            return e.Message;
        }
        catch (IOException e)
        {
            return $"checkpoint '{folder}' cannot be read: {e.Message}";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"checkpoint '{folder}' cannot be read: {e.Message}";
        }
    }

    /// <summary>The step a checkpoint folder's name stands for (<c>checkpoint-000000300</c> → 300), or null for another name.</summary>
    public static long? StepOfName(string folder)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        return name.StartsWith(CheckpointStore.FolderPrefix, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(CheckpointStore.FolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? step
            : null;
    }

    private readonly record struct ProvenFile(long Length, DateTime LastWriteUtc, string Sha256);
}
