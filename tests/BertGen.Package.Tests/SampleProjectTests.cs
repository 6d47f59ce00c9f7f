using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace BertGen.Package.Tests;

/// <summary>
/// samples/TrainFromCode as a package user builds it: only the packages, no project references, no repository
/// build files. It trains its own spec with the runtime's trainer and must visibly learn.
/// </summary>
public sealed partial class SampleProjectTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-package-tests-" + Guid.NewGuid().ToString("N"));

    public SampleProjectTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheSampleBuildsFromThePackagesAndTrainsItsSpec()
    {
        // A version no real feed has, so nothing but these packages can satisfy the sample's references.
        string version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12];
        string feed = Path.Combine(_folder, "feed");
        string configuration = typeof(SampleProjectTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        foreach (string project in new[] { "runtime/BertGen.Runtime", "runtime/BertGen.Text", "runtime/BertGen.Training" })
        {
            Dotnet(Root, "pack", Path.Combine(Root, project), "-c", configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        }

        Assert.Equal(
            ["BertGen." + version + ".nupkg", "BertGen.Text." + version + ".nupkg", "BertGen.Training." + version + ".nupkg"],
            Directory.GetFiles(feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The sample's own files in a folder of its own, with the feed as a package source. Its packages go to a
        // folder of this test's (the shared NuGet cache serves everything else), so no test version lingers there.
        string sample = Path.Combine(_folder, "sample");
        Directory.CreateDirectory(sample);
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "samples", "TrainFromCode")).Where(f => Path.GetExtension(f) is ".cs" or ".csproj" or ".json"))
        {
            File.Copy(file, Path.Combine(sample, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(sample, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(_folder, "packages")}" /></config>
              <packageSources><add key="bertgen-test-feed" value="{feed}" /></packageSources>
              <fallbackPackageFolders><add key="shared" value="{SharedPackageFolder()}" /></fallbackPackageFolders>
            </configuration>
            """);
        Dotnet(sample, "build", "-c", "Release", "-p:BertGenVersion=" + version);

        // A balanced slice of the bundled OT/NT task (always answering one label scores 50%), 100 steps.
        WriteSlice("kjv-testament-train.tsv.gz", Path.Combine(sample, "train.tsv"), perLabel: 800);
        WriteSlice("kjv-testament-dev.tsv.gz", Path.Combine(sample, "dev.tsv"), perLabel: 100);
        string output = Dotnet(sample, Path.Combine("bin", "Release", "net10.0", "TrainFromCode.dll"), "train.tsv", "dev.tsv", "100", "And Jesus said unto his disciples");

        Match result = HeldOut().Match(output);
        Assert.True(result.Success, output);
        double before = double.Parse(result.Groups["before"].Value, CultureInfo.InvariantCulture);
        double after = double.Parse(result.Groups["after"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(50.0, before);
        Assert.True(after >= 75.0, $"held-out accuracy {before}% -> {after}%: the sample did not learn");
        Assert.Contains("NT\tAnd Jesus said unto his disciples", output, StringComparison.Ordinal);
        string weights = Path.Combine(sample, "checkpoints", "checkpoint-000000100", "model.safetensors");
        Assert.True(File.Exists(weights));

        // TrainerOptions.LabelNames: the weights file's header names the classes as HuggingFace's id2label, which
        // bertgen classify -c reads.
        using (var file = File.OpenRead(weights))
        {
            var length = new byte[8];
            file.ReadExactly(length);
            var header = new byte[BitConverter.ToInt64(length)];
            file.ReadExactly(header);
            using var json = System.Text.Json.JsonDocument.Parse(header);
            Assert.Equal("""{"0":"OT","1":"NT"}""", json.RootElement.GetProperty("__metadata__").GetProperty("id2label").GetString());
        }

        // A spec added is compiled, and a spec deleted is gone from the next build: deleting one changes no file's time,
        // and the build skipped the compiler, keeping the deleted spec's model class.
        string extra = Path.Combine(sample, "extra.bert.json"), assembly = Path.Combine(sample, "bin", "Release", "net10.0", "TrainFromCode.dll");
        File.WriteAllText(extra, """
            { "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
              "bertgen": { "type_name": "ExtraSpecModel", "namespace": "Extra", "shapes": [{ "batch": 1, "sequence": 16 }] } }
            """);
        Dotnet(sample, "build", "-c", "Release", "-p:BertGenVersion=" + version);
        Assert.True(Names(assembly, "ExtraSpecModel"));
        File.Delete(extra);
        Dotnet(sample, "build", "-c", "Release", "-p:BertGenVersion=" + version);
        Assert.False(Names(assembly, "ExtraSpecModel"));
    }

    // Whether the assembly's metadata holds the name (its #Strings heap is UTF-8).
    private static bool Names(string assembly, string name) => File.ReadAllBytes(assembly).AsSpan().IndexOf(Encoding.UTF8.GetBytes(name)) >= 0;

    [GeneratedRegex(@"held-out accuracy (?<before>[0-9.]+)% -> (?<after>[0-9.]+)% after 100 steps")]
    private static partial Regex HeldOut();

    /// <summary>Runs the dotnet host in <paramref name="directory"/>; returns standard output, failing the test on a non-zero exit.</summary>
    private static string Dotnet(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings would point a nested build at this repository's SDK resolution.
        foreach (string variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        var error = new StringBuilder();
        process.ErrorDataReceived += (_, e) => error.AppendLine(e.Data);
        process.BeginErrorReadLine();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}\n{error}");
        return output;
    }

    /// <summary>The NuGet package folder this machine restores into: NUGET_PACKAGES, else ~/.nuget/packages.</summary>
    private static string SharedPackageFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The first <paramref name="perLabel"/> OT and NT examples of a bundled task file, interleaved.</summary>
    private static void WriteSlice(string bundled, string path, int perLabel)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Root, "models", "corpus", bundled)), CompressionMode.Decompress);
        string[] lines = new StreamReader(gzip, Encoding.UTF8).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> ot = lines.Where(l => l.StartsWith("OT\t", StringComparison.Ordinal)).Take(perLabel);
        IEnumerable<string> nt = lines.Where(l => l.StartsWith("NT\t", StringComparison.Ordinal)).Take(perLabel);
        File.WriteAllLines(path, ot.Zip(nt, (a, b) => new[] { a, b }).SelectMany(p => p));
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "BertGen.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("BertGen.sln not found above " + AppContext.BaseDirectory);
    }
}
