using System;
using System.IO;

namespace BertGen.Runtime;

/// <summary>
/// A file written whole or not at all: into a hidden temporary file beside the target (same folder, so the same file
/// system), flushed to disk, then renamed over the target. A full disk, a crash or a kill mid-write leaves the target as
/// it was and no temporary file behind (failures delete it); the rename replaces a link at the target, never the file it
/// points to. The safetensors writer, <c>bertgen quantize</c>, <c>bertgen spec</c>, a run's loss plot and a resumed run's metrics CSV cut
/// (<see cref="Training.CsvMetricsSink.TruncateAfter"/>) write through it.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>, which gets the temporary file's stream.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        RequireFolder(path, directory);
        string temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    // Asked before the temporary file is made, whose name the file system's refusal would carry instead of the target's
    // ("Could not find a part of the path '…/.model.safetensors.9adf….tmp'" for ParameterSaver.SaveSafetensors into a
    // folder not yet made).
    private static void RequireFolder(string path, string directory)
    {
        if (!Directory.Exists(directory))
        {
            directory = FileSystemErrors.FolderAsNamed(path, directory);
            throw new DirectoryNotFoundException(File.Exists(directory)
                ? $"cannot write {MessageText.QuotePath(path)}: {MessageText.QuotePath(directory)} is a file, not a folder"
                : $"cannot write {MessageText.QuotePath(path)}: folder {MessageText.QuotePath(directory)} does not exist");
        }
    }
}
