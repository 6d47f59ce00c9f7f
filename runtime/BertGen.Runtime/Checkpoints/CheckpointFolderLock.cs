using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// One writer per checkpoint folder, held for a whole run: two runs on one folder deleted each other's temporary
/// checkpoint folders and interleaved their metrics rows until both died. The lock is <see cref="LockFile"/> opened
/// with <see cref="FileShare.None"/>, which .NET takes as an exclusive advisory lock (<c>flock</c> on Unix, a
/// sharing mode on Windows); the operating system drops it when the process ends however it ends, so a killed run
/// never leaves a stale lock. The file itself stays (deleting it would let a third run lock a fresh file while a
/// second still holds the old one); it records who held it last, for people.
/// </summary>
internal sealed class CheckpointFolderLock : IDisposable
{
    /// <summary>The lock file's name inside the folder (hidden: checkpoint listings ignore it).</summary>
    public const string LockFile = ".bertgen.lock";

    // The folders this process holds, by full path. A trainer built inside a run that holds its folder (the CLI's, which
    // locks it before it resumes or truncates anything) shares that run's lock: a second open of the file by this process
    // would be refused by the operating system as another run's.
    private static readonly Dictionary<string, CheckpointFolderLock> HeldHere = new(StringComparer.Ordinal);

    private readonly FileStream _stream;
    private readonly string _key;
    private bool _trainerInside;

    private CheckpointFolderLock(FileStream stream, string folder)
    {
        _stream = stream;
        _key = KeyOf(folder);
        Folder = folder;
    }

    /// <summary>The folder this lock holds.</summary>
    public string Folder { get; }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and locks it for this process, or throws
    /// <see cref="CheckpointException"/> at once when another run holds it (no waiting).
    /// </summary>
    /// <param name="folder">The folder to lock.</param>
    /// <param name="shownAs">The folder as messages name it (the CLI passes the path as the user typed it, where
    /// <paramref name="folder"/> is absolute); <paramref name="folder"/> itself when null.</param>
    public static CheckpointFolderLock Acquire(string folder, string? shownAs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string shown = MessageText.QuotePath(shownAs ?? folder);
        if (File.Exists(folder))
        {
            throw new CheckpointException($"checkpoint folder {shown} is a file, not a folder");
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"cannot create checkpoint folder {shown}: {FileSystemErrors.Reason(e, folder)}", e);
        }

        string path = Path.Combine(folder, LockFile);
        if (Directory.Exists(path))
        {
            // Opening it as the lock file failed as "access denied", which it is not.
            throw new CheckpointException($"checkpoint folder {shown} holds a folder named {LockFile} where a run keeps its lock file; remove it or choose another folder");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw InUse(shown);
        }

        try
        {
            string holder = string.Create(CultureInfo.InvariantCulture,
                $"bertgen training run: process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes(holder));
            stream.Flush();
            var held = new CheckpointFolderLock(stream, folder);
            lock (HeldHere)
            {
                HeldHere[held._key] = held;
            }

            return held;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The lock a <see cref="Training.Trainer"/> holds for its run: this process's lock on <paramref name="folder"/> when a
    /// run holds it already and no other trainer is inside it, else the folder's own, so two trainers on one folder, in one
    /// process or two, are refused as two runs are.
    /// </summary>
    /// <exception cref="CheckpointException">Another trainer or run holds the folder, or it cannot be made.</exception>
    public static IDisposable ForTrainer(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        // One decision under the table's lock, the folder's own lock taken inside it: another trainer of this process must
        // not find the folder held with no trainer inside in between, and share it.
        lock (HeldHere)
        {
            if (HeldHere.TryGetValue(KeyOf(folder), out CheckpointFolderLock? held))
            {
                if (held._trainerInside)
                {
                    throw InUse(MessageText.QuotePath(folder));
                }

                held._trainerInside = true;
                return new TrainerInside(held);
            }

            CheckpointFolderLock own = Acquire(folder);
            own._trainerInside = true;
            return own;
        }
    }

    // One folder, one key: however it was written (relative, with a trailing separator).
    private static string KeyOf(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    private static CheckpointException InUse(string shown) =>
        new($"checkpoint folder {shown} is in use by another training run (it holds {LockFile}); wait for that run to end or choose another folder");

    /// <summary>Releases the lock (the file stays; see the type's remarks).</summary>
    public void Dispose()
    {
        // The file closed before the entry goes: a trainer of this process that then finds no entry can lock the file.
        lock (HeldHere)
        {
            _stream.Dispose();
            if (HeldHere.TryGetValue(_key, out CheckpointFolderLock? held) && ReferenceEquals(held, this))
            {
                HeldHere.Remove(_key);
            }
        }
    }

    // A trainer's share of a run's lock: leaving, it lets the run build another trainer (a run's evaluation, a retry).
    private sealed class TrainerInside(CheckpointFolderLock held) : IDisposable
    {
        private bool _left;

        public void Dispose()
        {
            lock (HeldHere)
            {
                if (!_left)
                {
                    _left = true;
                    held._trainerInside = false;
                }
            }
        }
    }
}
