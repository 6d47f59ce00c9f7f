using System.IO;

namespace BertGen.Runtime;

/// <summary>
/// The one wording for a named input file that cannot be read as a file, shared by every reader (each throws it as
/// its own exception type): a folder given where a file belongs is not "missing", and saying so is the whole fix.
/// </summary>
internal static class InputFiles
{
    /// <summary>Why <paramref name="path"/> cannot be opened as a <paramref name="what"/> file, or null when it can be tried.</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="what">What the file is for, e.g. <c>vocabulary</c>, <c>safetensors</c>.</param>
    public static string? Problem(string path, string what)
    {
        if (File.Exists(path))
        {
            return null;
        }

        return Directory.Exists(path)
            ? $"{what} file {MessageText.QuotePath(path)} is a folder, not a file"
            : $"{what} file {MessageText.QuotePath(path)} does not exist";
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
