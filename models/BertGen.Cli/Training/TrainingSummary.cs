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
        console.Output.WriteLine($"checkpoints  {ShownPath.Of(checkpoints)}");
        console.Output.WriteLine($"metrics      {ShownPath.Of(outcome.MetricsPath)}");
        console.Output.WriteLine($"loss plot    {ShownPath.Of(outcome.PlotPath)}");
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
}
