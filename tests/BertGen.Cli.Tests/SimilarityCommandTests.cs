using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace BertGen.Cli.Tests;

public sealed class SimilarityCommandTests
{
    private static readonly string[] Sentences =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A man is riding a horse.",
    ];

    [Fact]
    public void JsonMatrixIsSymmetricWithOnesOnTheDiagonalAndRanksRelatedPairsHigher()
    {
        CliResult result = Cli.Run(["similarity", "--format", "json", .. Sentences]);
        Assert.True(result.ExitCode == 0, result.Error);

        // One line, as the other commands' JSON output: a script reads it with one readline.
        using JsonDocument json = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal(Sentences, json.RootElement.GetProperty("texts").EnumerateArray().Select(e => e.GetString()));
        double[][] m = json.RootElement.GetProperty("similarity").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(Sentences.Length, m.Length);
        for (int i = 0; i < m.Length; i++)
        {
            Assert.Equal(Sentences.Length, m[i].Length);
            Assert.Equal(1.0, m[i][i], 12);
            for (int j = 0; j < m.Length; j++)
            {
                Assert.Equal(m[i][j], m[j][i], 12);
                Assert.InRange(m[i][j], -1.0, 1.0 + 1e-9);
            }
        }

        // Eating food ~ eating bread, far from carrying a baby.
        Assert.True(m[0][1] > 0.6, $"related pair {m[0][1]}");
        Assert.True(m[0][1] > m[0][2] + 0.3, $"related {m[0][1]} vs unrelated {m[0][2]}");
    }

    [Fact]
    public void CsvAndTableCarryTheSameValuesAsJson()
    {
        using JsonDocument json = JsonDocument.Parse(Cli.Run(["similarity", "--format", "json", .. Sentences]).Output);
        double related = json.RootElement.GetProperty("similarity")[0][1].GetDouble();

        CliResult csv = Cli.Run(["similarity", "--format", "csv", .. Sentences]);
        string[] lines = csv.OutputLines;
        Assert.Equal(Sentences.Length + 1, lines.Length);
        Assert.Equal("text," + string.Join(',', Sentences), lines[0]);
        string[] firstRow = lines[1].Split(',');
        Assert.Equal(Sentences[0], firstRow[0]);
        Assert.Equal("1.000000", firstRow[1]);
        Assert.Equal(related, double.Parse(firstRow[2], System.Globalization.CultureInfo.InvariantCulture), 6);

        CliResult table = Cli.Run(["similarity", .. Sentences]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(related.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), table.Output, StringComparison.Ordinal);
        Assert.Contains(Sentences[3], table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvQuotesTextsWithCommasAndQuotes()
    {
        CliResult csv = Cli.Run("similarity", "--format", "csv", "Hello, world", "She said \"hi\"");
        Assert.Equal("text,\"Hello, world\",\"She said \"\"hi\"\"\"", csv.OutputLines[0]);
    }

    /// <summary>
    /// More texts than a table can show are refused before any is embedded (20,000 made a table of 400 million cells that ran
    /// for minutes in gigabytes); CSV and JSON stream the same matrix a row at a time: one JSON line across many writes,
    /// exactly symmetric with exact ones on the diagonal, and the CSV's values the JSON's.
    /// </summary>
    [Fact]
    public void ManyTextsStreamAsCsvOrJsonAndAreRefusedAsATable()
    {
        string[] texts = [.. Enumerable.Range(0, 101).Select(i => $"{Sentences[i % Sentences.Length]} {i}")];
        string line = Cli.Run(["similarity", "--quiet", .. texts]).AssertOneLineError(2);
        Assert.Equal("bertgen: error: a table shows at most 100 texts side by side, and 101 were given; use --format csv or json, which write any number row by row", line);

        CliResult json = Cli.Run(["similarity", "--quiet", "--format", "json", .. texts]);
        Assert.True(json.ExitCode == 0, json.Error);
        using JsonDocument document = JsonDocument.Parse(Assert.Single(json.OutputLines));
        double[][] m = document.RootElement.GetProperty("similarity").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(texts.Length, m.Length);
        for (int i = 0; i < m.Length; i++)
        {
            Assert.Equal(texts.Length, m[i].Length);
            Assert.Equal(1.0, m[i][i]);
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(m[i][j], m[j][i]);
            }
        }

        CliResult csv = Cli.Run(["similarity", "--quiet", "--format", "csv", .. texts]);
        Assert.True(csv.ExitCode == 0, csv.Error);
        Assert.Equal(texts.Length + 1, csv.OutputLines.Length);
        string[] last = csv.OutputLines[^1].Split(',');
        Assert.Equal(texts[^1], last[0]);
        Assert.Equal(m[^1].Select(v => v.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)), last[1..]);
    }

    [Fact]
    public void OneTextIsAUsageError()
    {
        string line = Cli.Run("similarity", "just one").AssertOneLineError(2);
        Assert.Contains("at least two texts", line, StringComparison.Ordinal);
    }
}
