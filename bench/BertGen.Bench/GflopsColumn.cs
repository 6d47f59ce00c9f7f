using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BertGen.Bench;

/// <summary>
/// Summary columns turning a GEMM benchmark's median time into GFLOP/s and % of this machine's FMA peak
/// (<see cref="MachinePeak"/>); the benchmark class supplies the flop count and thread count per case.
/// </summary>
public sealed class GflopsColumn : IColumn
{
    private readonly bool _percentOfPeak;

    private GflopsColumn(bool percentOfPeak) => _percentOfPeak = percentOfPeak;

    /// <summary>The GFLOP/s column.</summary>
    public static GflopsColumn Gflops { get; } = new(false);

    /// <summary>The % of peak column.</summary>
    public static GflopsColumn PercentOfPeak { get; } = new(true);

    /// <inheritdoc/>
    public string Id => _percentOfPeak ? "BertGen.PercentOfPeak" : "BertGen.Gflops";

    /// <inheritdoc/>
    public string ColumnName => _percentOfPeak ? "% of peak" : "GFLOP/s";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => _percentOfPeak ? 1 : 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => _percentOfPeak
        ? $"GFLOP/s over the Vector512 FMA peak of REFERENCE.md §8 ({MachinePeak.OneCoreGflops} on 1 thread, {MachinePeak.TwoCoreGflops} on 2)"
        : "2·M·N·K over the median time";

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics
            || benchmarkCase.Parameters["Shape"] is not GemmShape shape)
        {
            return "-";
        }

        int threads = benchmarkCase.Parameters["Threads"] is int t ? t : 1;
        double gflops = shape.Flops / statistics.Median; // flop per ns = GFLOP/s
        double value = _percentOfPeak ? 100 * gflops / MachinePeak.For(threads) : gflops;
        return value.ToString("F1", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}
