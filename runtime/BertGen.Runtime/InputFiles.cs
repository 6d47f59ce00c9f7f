using System;
using System.IO;

namespace BertGen.Runtime;

/// <summary>
/// The one wording for a named input file that cannot be read as a file, shared by every reader (each throws it as
/// its own exception type): a folder given where a file belongs is not "missing", and saying so is the whole fix.
/// </summary>
internal static class InputFiles
{
    /// <summary>
    /// <see cref="Problem"/> for a file read in place (mapped: weights, a package), which a pipe cannot stand for: a
    /// pipe's length is 0 and it maps nothing, and a link to one has no path to follow ("'/proc/self/fd/pipe:[…]' not found").
    /// </summary>
    public static string? InPlaceProblem(string path, string what) => Problem(path, what)
        ?? (ReadsOnce(path) ? $"{what} file {MessageText.QuotePath(path)} is a pipe, not a file: weights are read in place from a file; give one" : null);

    /// <summary>Why <paramref name="path"/> cannot be opened as a <paramref name="what"/> file, or null when it can be tried.</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="what">What the file is for, e.g. <c>vocabulary</c>, <c>safetensors</c>.</param>
    public static string? Problem(string path, string what)
    {
        if (File.Exists(path))
        {
            return BrokenLink(path, what);
        }

        return Directory.Exists(path)
            ? $"{what} file {MessageText.QuotePath(path)} is a folder, not a file"
            : $"{what} file {MessageText.QuotePath(path)} does not exist";
    }

    /// <summary>
    /// Why the symbolic link at <paramref name="path"/> leads to no file, or null (for a link that does, and for a plain
    /// file). File.Exists is true for a link whatever it points at, so a HuggingFace hub snapshot copied without
    /// <c>cp -L</c> (links to <c>../../blobs/…</c> that are not there) failed as "file 'config.json' not found" beside an
    /// <c>ls</c> that lists it, or named only the missing target.
    /// </summary>
    private static string? BrokenLink(string path, string what)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not string target)
        {
            return null;
        }

        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } || OpensThroughKernel(path)
                ? null
                : $"{what} file {MessageText.QuotePath(path)} is a symbolic link to {MessageText.QuotePath(target)}, which does not exist";
        }
        catch (IOException)
        {
            return $"{what} file {MessageText.QuotePath(path)} is a symbolic link in a loop of links";
        }
    }

    // Whether the kernel follows the link at `path` to something (stat(2) through the links). Read as text, the links of
    // /dev/fd and /proc/self/fd name no path: a shell's process substitution, `--corpus <(zcat a.gz b.gz)`, hands over
    // /dev/fd/63, whose link reads 'pipe:[4026]'; the pipe itself opens and reads like a file.
    private static bool OpensThroughKernel(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            File.GetUnixFileMode(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> reads once, front to back: a pipe (a shell's <c>&lt;(…)</c>, <c>/dev/stdin</c> fed by
    /// a pipe, a named FIFO), a socket or a terminal, rather than a file that can be read again. Asked of the opened
    /// stream, not of the link text: <c>/dev/stdin</c> links to <c>/proc/self/fd/0</c>, and a FIFO is no link at all (the
    /// second open of one waits for a writer that never comes). A FIFO's open waits for its writer, as any reader's would.
    /// False when it cannot be opened: its reader then says why.
    /// </summary>
    public static bool ReadsOnce(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            return !stream.CanSeek;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The size in bytes of the file <paramref name="path"/> names, following symbolic links to the file they end at
    /// (a HuggingFace hub cache's <c>snapshots/</c> folders hold links; <see cref="FileInfo.Length"/> of a link is the
    /// link's own length, not its file's).
    /// </summary>
    public static long Length(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : info.Length;
    }
}
