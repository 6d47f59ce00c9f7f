using System;
using System.Globalization;
using System.IO;

namespace BertGen.Cli.Training;

/// <summary>The lines after a training run's table: where its files are.</summary>
internal static class TrainingSummary
{
    public static void WriteFiles(CliConsole console, TrainingRunOutcome outcome)
    {
        string checkpoints = Path.GetDirectoryName(outcome.MetricsPath)!;
        console.Output.WriteLine($"steps        {Count(outcome.Result.Steps)}");
        console.Output.WriteLine($"checkpoints  {Shown(checkpoints)}");
        console.Output.WriteLine($"metrics      {Shown(outcome.MetricsPath)}");
        console.Output.WriteLine($"loss plot    {Shown(outcome.PlotPath)}");
    }

    /// <summary>
    /// A file of the run as the user can type it back: relative to the working directory when it lies under it
    /// (<c>runs/pretrain-bert-tiny</c>, the form the options take), else absolute.
    /// </summary>
    public static string Shown(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
}
