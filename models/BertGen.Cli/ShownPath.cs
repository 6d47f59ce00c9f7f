using System;
using System.IO;

namespace BertGen.Cli;

/// <summary>
/// A file or folder as messages show it: relative to the working directory when it lies under it
/// (<c>runs/pretrain-bert-tiny</c>, the form the options take and the README shows), else absolute — never a path
/// climbing out with "..".
/// </summary>
internal static class ShownPath
{
    public static string Of(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
