using System;
using System.IO;

namespace BertGen.Runtime;

/// <summary>
/// Why the file system refused a write, as a clause for a message that names what was being written itself. .NET's own
/// message ends with the path it was at (<c>No space left on device : '/runs/x/.checkpoint-….tmp/.model.safetensors.….tmp'</c>),
/// which for a file written whole through a temporary one (<see cref="AtomicFile"/>, a checkpoint's folder) is a hidden
/// name the user never gave; dropping the whole message ("the file system refused it") hid that the disk was full.
/// </summary>
internal static class FileSystemErrors
{
    /// <summary>The reason for a refused write: <c>no space left on device</c>, <c>read-only file system</c>, <c>permission denied</c>, ….</summary>
    /// <param name="error">What the write threw.</param>
    /// <param name="target">What was being written, as the user named it: a file on its way that is not a folder is named.</param>
    public static string Reason(Exception error, string target) => error switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or IOException when FileOnPath(target) is string file => $"{MessageText.QuotePath(file)} is a file, not a folder",
        DirectoryNotFoundException => "a folder on its path does not exist",
        PathTooLongException => "the path is too long",
        _ => Clause(error.Message),
    };

    /// <summary>
    /// The folder of <paramref name="path"/> as the user named it (<c>runs</c> of <c>runs/metrics.csv</c>), or
    /// <paramref name="fullFolder"/>, its full form, for a bare file name.
    /// </summary>
    public static string FolderAsNamed(string path, string fullFolder) =>
        Path.GetDirectoryName(path) is { Length: > 0 } given ? given : fullFolder;

    /// <summary>The nearest folder above <paramref name="path"/> that exists as a file instead, or null.</summary>
    private static string? FileOnPath(string path)
    {
        for (string? folder = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                return folder;
            }

            if (Directory.Exists(folder))
            {
                return null;
            }
        }

        return null;
    }

    // "No space left on device : '/path'" → "no space left on device".
    private static string Clause(string message)
    {
        int at = message.IndexOf(" : '", StringComparison.Ordinal);
        string reason = (at >= 0 ? message[..at] : message).Trim().TrimEnd('.');
        return reason.Length > 1 && char.IsUpper(reason[0]) && !char.IsUpper(reason[1]) ? char.ToLowerInvariant(reason[0]) + reason[1..] : reason;
    }
}
