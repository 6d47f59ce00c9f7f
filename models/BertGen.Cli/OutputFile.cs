using System;
using System.IO;
using BertGen.Runtime;

namespace BertGen.Cli;

/// <summary>
/// A file a command writes by name (<c>quantize -o</c>'s int8 weights, <c>spec -o</c>'s spec), checked before any work:
/// a folder, a missing folder to put it in, or a read-only file is a one-line refusal. A read-only file says "keep me",
/// and nothing else would stop its replacement: the writers rename a whole temporary file over the target, which the
/// file system allows whatever the target's own mode, and root may write any file.
/// </summary>
internal static class OutputFile
{
    private const UnixFileMode AnyWrite = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>A file the command creates or replaces, in a folder that must exist already.</summary>
    public static void RequireWritable(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            string shown = ShownPath.Of(path);
            throw new CliFailureException(File.Exists(folder)
                ? $"cannot write '{shown}': '{ShownPath.Of(folder)}' is a file, not a folder"
                : $"cannot write '{shown}': folder '{ShownPath.Of(folder)}' does not exist");
        }

        RequireReplaceable(path);
    }

    /// <summary>
    /// A file the command writes when its work is done (a training run's metrics and loss plot, in a folder it creates):
    /// what is there already must be a file it may replace, found before the work rather than after it.
    /// </summary>
    public static void RequireReplaceable(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliFailureException($"cannot write '{ShownPath.Of(path)}': it is a folder");
        }

        if (File.Exists(path) && IsReadOnly(path))
        {
            throw new CliFailureException($"cannot write '{ShownPath.Of(path)}': the file there is read-only; make it writable to replace it, or choose another file");
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> whole or not at all (<see cref="AtomicFile"/>); the file system's refusal names the
    /// target, not the hidden temporary file the refusal was about.
    /// </summary>
    public static void Write(string path, Action<FileStream> write)
    {
        try
        {
            AtomicFile.Write(path, write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(path, e);
        }
    }

    /// <summary>The one sentence for a write the file system refused (a full disk, a folder without write permission).</summary>
    public static CliFailureException CannotWrite(string path, Exception e) =>
        new($"cannot write '{ShownPath.Of(path)}': {FileSystemErrors.Reason(e, path)}", e);

    // Its mode grants no one write access (chmod a-w), whoever runs this: root's own access check would pass it.
    private static bool IsReadOnly(string path) => OperatingSystem.IsWindows()
        ? (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0
        : (File.GetUnixFileMode(path) & AnyWrite) == 0;
}
