using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary><c>bertgen inspect</c> prints what the generator planned; these figures are fixed by the specs.</summary>
public sealed class InspectCommandTests
{
    [Fact]
    public void BertBaseHasTheReferenceParameterCount()
    {
        CliResult result = Cli.Run("inspect", "bert-base", "--format", "json");
        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement model = json.RootElement;

        // BERT-base with pretraining heads (REFERENCE.md §1): 110,106,428.
        Assert.Equal(110_106_428L, model.GetProperty("parameters").GetInt64());
        Assert.Equal(12, model.GetProperty("layers").GetInt32());
        Assert.Equal(768, model.GetProperty("hidden_size").GetInt32());
        Assert.Equal(["pretraining"], model.GetProperty("heads").EnumerateArray().Select(h => h.GetString()));
        Assert.True(model.GetProperty("parameter_buffer_bytes").GetInt64() >= 110_106_428L * 4);

        JsonElement[] shapes = model.GetProperty("shapes").EnumerateArray().ToArray();
        Assert.Equal([(1, 128), (8, 128), (1, 512)], shapes.Select(s => (s.GetProperty("batch").GetInt32(), s.GetProperty("sequence").GetInt32())));

        // About 22 GFLOP per sequence for the encoder, plus the MLM head over all 128 positions (2·128·768·30522 ≈ 6 GFLOP).
        double gflop = shapes[0].GetProperty("forward_flops").GetInt64() / 1e9;
        Assert.InRange(gflop, 22.0, 30.0);

        // Batch 8 is eight sequences' work, and needs a larger arena.
        Assert.Equal(8 * shapes[0].GetProperty("forward_flops").GetInt64(), shapes[1].GetProperty("forward_flops").GetInt64(), 8 * shapes[0].GetProperty("forward_flops").GetInt64() / 1000);
        Assert.True(shapes[1].GetProperty("arena_bytes").GetInt64() > shapes[0].GetProperty("arena_bytes").GetInt64());
    }

    [Fact]
    public void TableShowsTheSameFigures()
    {
        CliResult result = Cli.Run("inspect", "bert-base");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("110,106,428", result.Output, StringComparison.Ordinal);
        Assert.Contains("L12 H768 A12 I3072", result.Output, StringComparison.Ordinal);

        // Captured output is for scripts and diffs: the key–value lines carry no padding to the grid's width.
        Assert.Contains("parameters        110,106,428\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain(result.Output.ReplaceLineEndings("\n").Split('\n'), line => line.EndsWith(' '));
        Assert.Contains("schedule          none planned (every op is split over the pool)\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void TableNamesTheShapesWithAPerThreadSchedule()
    {
        CliResult result = Cli.Run("inspect", "minilm-l6");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            "schedule          8×128 on a pool of 2 threads (4 sequences each), per thread; other pools and shapes op by op\n",
            result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void NoArgumentListsEveryCompiledModel()
    {
        CliResult table = Cli.Run("inspect");
        Assert.Equal(0, table.ExitCode);
        foreach (string name in new[] { "bert-tiny", "bert-mini", "bert-small", "bert-base", "minilm-l6", "arctic-xs", "bert-tiny-classifier", "minilm-l6-classifier" })
        {
            Assert.Contains(name, table.Output, StringComparison.Ordinal);
        }

        using JsonDocument json = JsonDocument.Parse(Cli.Run("inspect", "--format", "json").Output);
        Assert.Equal(["bert-tiny", "bert-mini", "bert-small", "bert-base", "minilm-l6", "bert-tiny-classifier", "minilm-l6-classifier"], json.RootElement.EnumerateArray().Select(m => m.GetProperty("model").GetString()));

        // Small BERTs (Turc et al.): L2/H128 and L4/H256, with heads A = H/64.
        JsonElement tiny = json.RootElement[0];
        Assert.Equal((2, 128, 2), (tiny.GetProperty("layers").GetInt32(), tiny.GetProperty("hidden_size").GetInt32(), tiny.GetProperty("attention_heads").GetInt32()));
    }

    [Fact]
    public void SpecPathAndPretrainedNameResolveToTheCompiledModel()
    {
        using JsonDocument bySpec = JsonDocument.Parse(Cli.Run("inspect", ShippedSpec("minilm-l6.bert.json"), "--format", "json", "--buffers").Output);
        using JsonDocument byName = JsonDocument.Parse(Cli.Run("inspect", "minilm", "--format", "json", "--buffers").Output);
        Assert.Equal(bySpec.RootElement.GetRawText(), byName.RootElement.GetRawText());

        JsonElement model = bySpec.RootElement;
        Assert.Equal(22_713_216L, model.GetProperty("parameters").GetInt64());
        JsonElement[] shapes = model.GetProperty("shapes").EnumerateArray().ToArray();
        Assert.Equal([16, 32, 64, 128, 128, 256, 512], shapes.Select(s => s.GetProperty("sequence").GetInt32()));
        foreach (JsonElement shape in shapes)
        {
            long arenaFloats = shape.GetProperty("arena_bytes").GetInt64() / 4;
            JsonElement[] buffers = shape.GetProperty("buffers").EnumerateArray().ToArray();
            Assert.NotEmpty(buffers);

            // Every planned buffer lies inside the arena.
            Assert.All(buffers, b => Assert.True(b.GetProperty("offset").GetInt64() + b.GetProperty("length").GetInt64() <= arenaFloats));
        }

        // The spec plans 2 threads: the 8×128 shape has the per-thread schedule, the batch-1 shapes cannot.
        Assert.Equal([0, 0, 0, 0, 2, 0, 0], shapes.Select(s => s.GetProperty("planned_threads").GetInt32()));

        // Longer sequences cost more.
        Assert.True(shapes[3].GetProperty("forward_flops").GetInt64() > shapes[0].GetProperty("forward_flops").GetInt64() * 7);
    }

    [Fact]
    public void ASpecFileIsTheCompiledModelOnlyWhenItIsThatModelsSpec()
    {
        // Was: any file named bert-tiny.bert.json — a user's own with 12 layers, or none at all — showed the compiled
        // bert-tiny's plan as its own (and pretrain --model trained bert-tiny).
        using var folder = new TemporaryFolder();
        string shipped = File.ReadAllText(ShippedSpec("bert-tiny.bert.json"));
        string edited = folder.File("bert-tiny.bert.json");
        File.WriteAllText(edited, shipped.Replace("\"num_hidden_layers\": 2,", "\"num_hidden_layers\": 12,", StringComparison.Ordinal));
        Assert.NotEqual(shipped, File.ReadAllText(edited));
        Assert.Equal(
            $"bertgen: error: spec file '{edited}' is not the bert-tiny.bert.json compiled into bertgen; bertgen runs and inspects its compiled models only: "
            + "name one ('bert-tiny'), or add your spec to a project to compile it",
            Cli.Run("inspect", edited).AssertOneLineError(2));
        Cli.Run("pretrain", "--model", edited, "--steps", "1", "--checkpoints", folder.File("run")).AssertOneLineError(2);
        Assert.False(Directory.Exists(folder.File("run")));

        string missing = folder.File("bert-base.bert.json");
        Assert.Equal($"bertgen: error: spec file '{missing}' does not exist (to use the compiled model, name it: 'bert-base')", Cli.Run("inspect", missing).AssertOneLineError(2));
        Directory.CreateDirectory(missing);
        Assert.Equal($"bertgen: error: spec '{missing}' is a folder, not a spec file", Cli.Run("inspect", missing).AssertOneLineError(2));

        // The shipped spec laid out otherwise (indented by tabs, on one line) is still that spec, and a bare file name
        // not in the working folder names the shipped spec as before.
        File.WriteAllText(edited, shipped.Replace("\n  ", "\n\t", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));
        string byName = Cli.Run("inspect", "bert-tiny", "--format", "json").Output;
        Assert.Equal(byName, Cli.Run("inspect", edited, "--format", "json").Output);
        Assert.Equal(byName, Cli.Run("inspect", "bert-tiny.bert.json", "--format", "json").Output);
    }

    /// <summary>A spec file that is a named pipe was asked its length first: "internal error (NotSupportedException)".</summary>
    [Fact]
    public async System.Threading.Tasks.Task ASpecFileThroughANamedPipeIsReadAsItsText()
    {
        using var folder = new TemporaryFolder();
        string fifo = folder.File("bert-tiny.bert.json");
        Assert.Equal(0, UnixProcess.MakeFifo(fifo));
        byte[] shipped = File.ReadAllBytes(ShippedSpec("bert-tiny.bert.json"));
        System.Threading.Tasks.Task writer = System.Threading.Tasks.Task.Run(() => File.WriteAllBytes(fifo, shipped));

        CliResult result = Cli.Run("inspect", fifo, "--format", "json");

        await writer.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Cli.Run("inspect", "bert-tiny", "--format", "json").Output, result.Output);
    }

    /// <summary>A spec in the repository's models/specs, found from the test's own folder.</summary>
    private static string ShippedSpec(string name)
    {
        string? folder = AppContext.BaseDirectory;
        while (folder is not null && !File.Exists(Path.Combine(folder, "BertGen.sln")))
        {
            folder = Path.GetDirectoryName(folder);
        }

        return Path.Combine(folder ?? throw new InvalidOperationException("BertGen.sln not found above " + AppContext.BaseDirectory), "models", "specs", name);
    }

    [Fact]
    public void OpsListEachForwardOperation()
    {
        CliResult result = Cli.Run("inspect", "bert-tiny", "--ops");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("forward of 1×128:", result.Output, StringComparison.Ordinal);
    }
}
