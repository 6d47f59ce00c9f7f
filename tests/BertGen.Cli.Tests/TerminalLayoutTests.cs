using System;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using BertGen.Cli.Training;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// What a person sees: the live status line at any terminal width, the ETA while evaluations run, tables on an
/// 80-column terminal and in a file.
/// </summary>
public sealed partial class TerminalLayoutTests
{
    private static readonly (string, int)[] TrainingParts =
    [
        ("40%", 1), ("loss 3.1234", 2), ("MLM accuracy 12.3%", 3), ("9,999 tokens/s", 4), ("ETA 00:01:23", 0), ("elapsed 00:00:55", 5),
    ];

    /// <summary>
    /// A table wider than the terminal (or than the 400 columns a file's table once had) keeps every cell whole: on the
    /// terminal Spectre cropped the no-wrap figures (0.516 shown as 0.5) and folded the texts one character a line, in a
    /// file a table of 60 texts came out one character a line. Both now give the Markdown table, one line per row.
    /// </summary>
    [Fact]
    public void ATableWiderThanItsRoomKeepsEveryCellWhole()
    {
        string[] texts = [.. Enumerable.Range(0, 60).Select(i => $"text number {i} about {(i % 2 == 0 ? "food" : "horses")}")];
        string[] csvRow = Cli.Run(["similarity", "--quiet", "--format", "csv", .. texts]).OutputLines[1].Split(',');
        string[] expected = [.. csvRow[1..].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))];

        foreach (CliResult result in new[] { Cli.Run(["similarity", "--quiet", .. texts]), Cli.RunOnTerminal(120, ["similarity", "--quiet", .. texts]) })
        {
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Equal(texts.Length + 2, result.OutputLines.Length);
            string[] cells = [.. result.OutputLines[2].Split('|', StringSplitOptions.TrimEntries)[1..^1]];
            Assert.Equal(["1", texts[0]], cells[..2]);
            Assert.Equal(expected, cells[2..]);
        }

        // A table that fits is still drawn with the terminal's borders.
        Assert.StartsWith("╭", Cli.RunOnTerminal(120, ["similarity", "--quiet", .. texts[..3]]).OutputLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void StatusLineNeverReachesTheLastColumnAndDropsTheLeastImportantPartsFirst()
    {
        for (int width = CliConsole.MinimumWidth; width <= 200; width++)
        {
            string line = LiveStatusLine.Layout(width, "step 120/300", 0.4, TrainingParts);
            Assert.True(line.Length <= width - 1, $"{line.Length} columns at width {width}: {line}");
            Assert.StartsWith("step 120/300", line, StringComparison.Ordinal);

            // The ETA goes last; whatever is shown is whole, never cut mid-figure.
            Assert.Contains("ETA 00:01:23", line, StringComparison.Ordinal);
            Assert.DoesNotContain("…", line, StringComparison.Ordinal);
        }

        string eighty = LiveStatusLine.Layout(80, "step 120/300", 0.4, TrainingParts);
        Assert.Equal("step 120/300 ━━━━────── · 40% · loss 3.1234 · MLM accuracy 12.3% · ETA 00:01:23", eighty);
        string wide = LiveStatusLine.Layout(160, "step 120/300", 0.4, TrainingParts);
        Assert.Equal("step 120/300 ━━━━━━━━━━━━────────────────── · 40% · loss 3.1234 · MLM accuracy 12.3% · 9,999 tokens/s · ETA 00:01:23 · elapsed 00:00:55", wide);
    }

    [Fact]
    public void EtaLeavesEvaluationsOutOfTheStepRateAndCountsTheOnesToCome()
    {
        long second = Stopwatch.Frequency;
        var eta = new TrainingEta(totalSteps: 300, evaluateEvery: 100);

        // The evaluation before training takes 10 s, then steps take 1 s each.
        eta.OnEvaluationProgress(0, 10, 0);
        eta.OnEvaluationProgress(10, 10, 10 * second);
        for (int step = 1; step <= 100; step++)
        {
            eta.OnTrainingStep(1.0);
        }

        // At step 100: 200 steps and the evaluations at 100 (starting now), 200 and 300.
        Assert.Equal(3, eta.EvaluationsAfter(99));
        Assert.Equal(2, eta.EvaluationsAfter(100));
        long start = 110 * second;
        eta.OnEvaluationProgress(0, 10, start);
        TimeSpan atStart = eta.Remaining(100, (0, 10), start)!.Value;
        Assert.Equal(200 + (2 * 10) + 10, atStart.TotalSeconds, 6);

        // Half-way through that evaluation, 5 s later, 5 s less is left: it does not climb while nothing trains.
        TimeSpan halfWay = eta.Remaining(100, (5, 10), start + (5 * second))!.Value;
        Assert.Equal(atStart.TotalSeconds - 5, halfWay.TotalSeconds, 6);

        // An interval that does not land on the end adds the final evaluation.
        Assert.Equal(3, new TrainingEta(250, 100).EvaluationsAfter(0));
        Assert.Equal(1, new TrainingEta(250, 0).EvaluationsAfter(10));
        Assert.Null(new TrainingEta(10, 0).Remaining(0, null, 0));
    }

    [Fact]
    public void InspectFitsAnEightyColumnTerminalWithoutSplittingANumber()
    {
        CliResult result = Cli.RunOnTerminal(80, "inspect", "bert-base");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.All(Visible(result.Output), l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Contains("228,686,648,320", result.Output, StringComparison.Ordinal);
        Assert.Contains("559,431,917,568", result.Output, StringComparison.Ordinal);
        Assert.Contains("╭", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TablesInAFileAreMarkdownWithoutBoxDrawing()
    {
        CliResult result = Cli.Run("inspect", "bert-base");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain(result.Output, c => c is >= '\u2500' and <= '\u257F');
        Assert.DoesNotContain('\u001b', result.Output);
        string header = Assert.Single(result.OutputLines, l => l.StartsWith("| batch", StringComparison.Ordinal) && l.Contains("arena", StringComparison.Ordinal));
        Assert.Equal(7, header.Count(c => c == '|'));
        Assert.Contains(result.OutputLines, l => l.Contains("| 228,686,648,320 |", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { 0.0, 0.081, 0.094, 0.097 }, 0.0, 0.1)]   // pretraining's MLM accuracy: not a flat line at the bottom of 0–100%
    [InlineData(new[] { 0.788, 0.826, 0.89 }, 0.7, 0.9)]         // fine-tuning
    [InlineData(new[] { 0.8, 0.9 }, 0.7, 1.0)]                    // on a tenth: padded, so no point sits on the border
    [InlineData(new[] { 0.5 }, 0.4, 0.6)]
    [InlineData(new[] { 1.0 }, 0.9, 1.0)]
    public void PlotAccuracyAxisSpansTheAccuraciesInTenths(double[] accuracies, double low, double high)
    {
        (double Low, double High) range = LossPlot.AccuracyRange(accuracies);
        Assert.Equal(low, range.Low, 12);
        Assert.Equal(high, range.High, 12);
    }

    [Fact]
    public void PlotRunningMeanIsCentredAndShortensAtTheEnds()
    {
        Assert.Equal(new[] { 1.5, 2, 3, 4, 4.5 }, LossPlot.RunningMean([1, 2, 3, 4, 5], window: 3));
        Assert.Equal(new[] { 2.0, 2, 2 }, LossPlot.RunningMean([2, 2, 2], window: 10));
    }

    /// <summary>The text a terminal shows: colour codes removed.</summary>
    [Fact]
    public void RunFilesAreShownAsTheUserTypesThem()
    {
        // Under the working directory: relative, as in `--checkpoints runs/pretrain-bert-tiny` and the README.
        string inside = System.IO.Path.Combine(Environment.CurrentDirectory, "runs", "pretrain-bert-tiny");
        Assert.Equal(System.IO.Path.Combine("runs", "pretrain-bert-tiny"), ShownPath.Of(inside));
        Assert.Equal(System.IO.Path.Combine("runs", "pretrain-bert-tiny", "metrics.csv"), ShownPath.Of(System.IO.Path.Combine(inside, "metrics.csv")));

        // Elsewhere (the parent, a sibling, another root): absolute, never a path climbing out with "..".
        string parent = System.IO.Path.GetDirectoryName(Environment.CurrentDirectory)!;
        string sibling = System.IO.Path.Combine(parent, "elsewhere", "run");
        Assert.Equal(sibling, ShownPath.Of(sibling));
        Assert.Equal(parent, ShownPath.Of(parent));
    }

    internal static string[] Visible(string output) => Colour().Replace(output, "").Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Colour();
}
