using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ScottPlot;

namespace BertGen.Cli.Training;

/// <summary>
/// The loss curve of a run, drawn from its <c>metrics.csv</c> (all of it, so a resumed run's plot shows the whole
/// run): training loss per step and the held-out loss on the left axis, held-out accuracy on the right.
/// A step logged twice (a resumed run repeats the steps after its checkpoint; the job evaluates again at the end)
/// keeps its last row.
/// </summary>
internal static class LossPlot
{
    public const int Width = 1000;
    public const int Height = 560;

    /// <param name="metricsPath">The <c>CsvMetricsSink</c> file.</param>
    /// <param name="pngPath">Where the PNG goes.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="heldOutLoss">Eval column plotted as the held-out loss (<c>mlm_loss</c>, <c>task_loss</c>).</param>
    /// <param name="heldOutAccuracy">Eval column plotted as the held-out accuracy (<c>mlm_accuracy</c>, <c>task_accuracy</c>).</param>
    /// <param name="what">How the legend names them (<c>MLM</c>, <c>task</c>).</param>
    /// <param name="trainingLoss">How the legend names the training rows' <c>loss</c> (the optimised loss).</param>
    public static void Write(string metricsPath, string pngPath, string title, string heldOutLoss, string heldOutAccuracy, string what, string trainingLoss)
    {
        MetricsTable table = MetricsTable.Read(metricsPath);
        SortedDictionary<long, double> training = table.Series("train", "loss");
        SortedDictionary<long, double> evalLoss = table.Series("eval", heldOutLoss);
        SortedDictionary<long, double> evalAccuracy = table.Series("eval", heldOutAccuracy);

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        if (training.Count > 0)
        {
            // Each step's loss is one noisy batch: drawn faintly, with its mean over a twentieth of the run (centred, so
            // the curve does not lag the steps) on top.
            double[] steps = training.Keys.Select(k => (double)k).ToArray();
            double[] losses = training.Values.ToArray();
            var raw = plot.Add.Scatter(steps, losses);
            raw.LegendText = trainingLoss + " (each step)";
            raw.MarkerSize = training.Count > 50 ? 0 : 4;
            raw.LineWidth = 1;
            raw.Color = raw.Color.WithAlpha(0.35);
            if (training.Count >= 20)
            {
                var mean = plot.Add.Scatter(steps, RunningMean(losses, Math.Max(2, training.Count / 20)));
                mean.LegendText = trainingLoss + " (running mean)";
                mean.MarkerSize = 0;
                mean.LineWidth = 2;
                mean.Color = raw.Color.WithAlpha(1.0);
            }
        }

        // Held-out figures are a few points far apart: markers only, so no line cuts across the training curve.
        if (evalLoss.Count > 0)
        {
            var points = plot.Add.Scatter(evalLoss.Keys.Select(k => (double)k).ToArray(), evalLoss.Values.ToArray());
            points.LegendText = $"held-out {what} loss";
            points.MarkerSize = 9;
            points.LineWidth = 0;
        }

        if (evalAccuracy.Count > 0)
        {
            var points = plot.Add.Scatter(evalAccuracy.Keys.Select(k => (double)k).ToArray(), evalAccuracy.Values.ToArray());
            points.LegendText = $"held-out {what} accuracy (right axis)";
            points.MarkerSize = 9;
            points.MarkerShape = MarkerShape.FilledDiamond;
            points.LineWidth = 0;
            points.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy";

            // The axis spans the accuracies (padded to tenths), not 0–1: an MLM accuracy of 0–10% would be a flat line at the bottom.
            (double low, double high) = AccuracyRange(evalAccuracy.Values);
            double margin = (high - low) * 0.03;
            plot.Axes.SetLimitsY(low - margin, high + margin, plot.Axes.Right);
            plot.Axes.Right.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = value => (100 * value).ToString("0.#", CultureInfo.InvariantCulture) + "%",
            };
        }

        // Below the plot, never over the last points.
        plot.ShowLegend(Edge.Bottom);

        // Whole or not at all: a disk that fills at the end of a run leaves no half a plot (the checkpoints are intact).
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        OutputFile.Write(pngPath, stream => stream.Write(png));
    }

    /// <summary>The mean of the values within <paramref name="window"/> / 2 places of each (fewer at the ends).</summary>
    internal static double[] RunningMean(IReadOnlyList<double> values, int window)
    {
        var prefix = new double[values.Count + 1];
        for (int i = 0; i < values.Count; i++)
        {
            prefix[i + 1] = prefix[i] + values[i];
        }

        var means = new double[values.Count];
        int half = window / 2;
        for (int i = 0; i < values.Count; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(values.Count, i + half + 1);
            means[i] = (prefix[to] - prefix[from]) / (to - from);
        }

        return means;
    }

    /// <summary>The accuracies' range widened to whole tenths, within [0, 1] and at least a tenth wide.</summary>
    internal static (double Low, double High) AccuracyRange(IEnumerable<double> accuracies)
    {
        double min = accuracies.Min(), max = accuracies.Max();
        double low = Math.Max(0, Math.Floor((min * 10) - 1e-9) / 10);
        double high = Math.Min(1, Math.Ceiling((max * 10) + 1e-9) / 10);
        return high - low >= 0.1 ? (low, high) : (Math.Max(0, high - 0.1), Math.Max(0.1, high));
    }

    /// <summary>The rows of a metrics CSV by kind and column name.</summary>
    private sealed class MetricsTable
    {
        private readonly Dictionary<string, int> _columns;
        private readonly List<string[]> _rows;

        private MetricsTable(Dictionary<string, int> columns, List<string[]> rows)
        {
            _columns = columns;
            _rows = rows;
        }

        public static MetricsTable Read(string path)
        {
            string[] lines = File.ReadAllLines(path);
            if (lines.Length == 0)
            {
                throw new CliFailureException($"metrics file '{path}' is empty");
            }

            var columns = lines[0].Split(',').Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
            foreach (string required in new[] { "kind", "step" })
            {
                if (!columns.ContainsKey(required))
                {
                    throw new CliFailureException($"metrics file '{path}' has no '{required}' column");
                }
            }

            return new MetricsTable(columns, lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList());
        }

        /// <summary>(step, value) of the rows of <paramref name="kind"/> with a finite <paramref name="column"/>; the last row of a step wins.</summary>
        public SortedDictionary<long, double> Series(string kind, string column)
        {
            var series = new SortedDictionary<long, double>();
            if (!_columns.TryGetValue(column, out int at))
            {
                return series;
            }

            int kindAt = _columns["kind"];
            int stepAt = _columns["step"];
            foreach (string[] row in _rows)
            {
                if (row.Length > Math.Max(at, stepAt) && row[kindAt] == kind
                    && long.TryParse(row[stepAt], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step)
                    && double.TryParse(row[at], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
                {
                    series[step] = value;
                }
            }

            return series;
        }
    }
}
