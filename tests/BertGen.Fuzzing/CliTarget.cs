using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using BertGen.Cli;
using BertGen.Runtime.Checkpoints;

namespace BertGen.Fuzzing;

/// <summary>
/// A representative sample of the damage the in-process targets cover, run through the whole <c>bertgen</c> command
/// line with the real models: a bert-tiny checkpoint damaged under <c>fill-mask</c>, the bundled 30,522-token
/// vocabulary damaged under <c>embed</c> (all-MiniLM-L6-v2), the checkpoint's weights damaged under
/// <c>embed --model bert-tiny --weights</c>, a gzip corpus under <c>pretrain</c> and a label file under
/// <c>finetune</c>. In-process (<see cref="BertGenCli.Run"/> on captured streams) by default, or as real processes of
/// the built <c>bertgen.dll</c>. A refusal must be exit 1 or 2 with exactly one <c>bertgen: error:</c> line and nothing
/// on stdout; an acceptance must print exactly what the undamaged input printed.
/// </summary>
public sealed class CliTarget : IFuzzTarget, IDisposable
{
    private const string MaskedText = "and god said let there be [MASK].";
    private const string EmbeddedText = "This is an example sentence";

    private static readonly string[] Scenarios = ["fill-mask checkpoint", "embed vocabulary", "embed weights", "pretrain corpus", "finetune labels"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-cli-" + Guid.NewGuid().ToString("N"));
    private readonly bool _asProcess;
    private readonly string _checkpoint;
    private readonly string _corpus;
    private readonly string _labels;
    private readonly string _vocabulary;
    private readonly Dictionary<string, string> _undamaged = [];
    private int _run;

    /// <param name="asProcess">Run the built bertgen.dll as a process for every case instead of in-process.</param>
    public CliTarget(bool asProcess = false)
    {
        _asProcess = asProcess;
        Directory.CreateDirectory(_folder);
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        _vocabulary = Path.Combine(data, "bert-base-uncased-vocab.txt");

        // A small slice of the bundled texts, and one short bert-tiny pretraining run for a real checkpoint.
        string[] books = ReadGzip(Path.Combine(data, "kjv-sentences.txt.gz")).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        _corpus = Write("corpus.txt.gz", Gzip(Encoding.UTF8.GetBytes(string.Join("\n\n", books.Take(10).Select(b => string.Join('\n', b.Split('\n').Take(20)))) + "\n")));
        _labels = Write("train.tsv", Encoding.UTF8.GetBytes(string.Join("\n", ReadGzip(Path.Combine(data, "kjv-testament-train.tsv.gz")).Split('\n').Take(40)) + "\n"));
        string run = Path.Combine(_folder, "pretrained");
        CliRun pretrain = Invoke(["pretrain", "--corpus", _corpus, "--steps", "1", "--batch", "8", "--eval-batches", "1", "--checkpoints", run, "--quiet"]);
        if (pretrain.ExitCode != 0)
        {
            throw new InvalidOperationException($"the undamaged pretraining run failed: {pretrain.Error}");
        }

        _checkpoint = new CheckpointStore(run, keepLast: 1).Latest()!;
        foreach (string scenario in Scenarios.Take(3))
        {
            CliRun undamaged = Invoke(Arguments(scenario, Undamaged(scenario), Path.Combine(_folder, "unused")));
            _undamaged[scenario] = undamaged.ExitCode == 0 ? undamaged.Output : throw new InvalidOperationException($"the undamaged {scenario} run failed: {undamaged.Error}");
        }
    }

    public string Family => _asProcess ? "cli (process)" : "cli";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            string scenario = Scenarios[i % Scenarios.Length];
            byte[] file = scenario == "fill-mask checkpoint" ? [] : File.ReadAllBytes(Undamaged(scenario));
            (string mutation, byte[] bytes, FuzzExpectation expected, string part) = scenario switch
            {
                "fill-mask checkpoint" => CheckpointDamage(random),
                "embed vocabulary" => With(VocabularyDamage(file, random, _undamaged[scenario]), scenario),
                "embed weights" => random.Next(2) == 0
                    ? Refused(ByteMutations.Truncate(file, random, 0, file.Length), scenario)
                    : Harmless(ByteMutations.Any(file, random, 8, 8 + (int)BitConverter.ToUInt64(file, 0)), _undamaged[scenario], scenario),
                "pretrain corpus" => Refused(random.Next(2) == 0 ? ByteMutations.Truncate(file, random, 0, file.Length) : ByteMutations.Append(file, random), scenario),
                _ => Refused(random.Next(2) == 0
                    ? ($"cut mid-line at byte {file.Length - 3}", file[..^3])
                    : ("byte 0xFF in line 2", [.. file[..(Array.IndexOf(file, (byte)'\n') + 2)], 0xFF, .. file[(Array.IndexOf(file, (byte)'\n') + 2)..]]), scenario),
            };
            yield return new FuzzCase(Family, $"{scenario}: {mutation}", bytes, expected, part);
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string[] part = fuzzCase.Part!.Split('/');
        string scenario = part[0];
        string caseFolder = Path.Combine(_folder, "case-" + Interlocked.Increment(ref _run));
        string input;
        if (scenario == "fill-mask checkpoint")
        {
            // The damaged file in a copy of the checkpoint folder, under the same name (the name carries the step).
            input = Path.Combine(caseFolder, Path.GetFileName(_checkpoint));
            Directory.CreateDirectory(input);
            foreach (string file in Directory.GetFiles(_checkpoint))
            {
                File.Copy(file, Path.Combine(input, Path.GetFileName(file)));
            }

            File.WriteAllBytes(Path.Combine(input, part[1]), fuzzCase.Bytes);
        }
        else
        {
            Directory.CreateDirectory(caseFolder);
            input = Path.Combine(caseFolder, Path.GetFileName(Undamaged(scenario)));
            File.WriteAllBytes(input, fuzzCase.Bytes);
        }

        try
        {
            CliRun run = Invoke(Arguments(scenario, input, Path.Combine(caseFolder, "run")));
            return run.ExitCode == 0 ? FuzzOutcome.Accepted(run.Output) : FuzzOutcome.Failed(run);
        }
        finally
        {
            Directory.Delete(caseFolder, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Undamaged(string scenario) => scenario switch
    {
        "fill-mask checkpoint" => _checkpoint,
        "embed vocabulary" => _vocabulary,
        "embed weights" => Path.Combine(_checkpoint, CheckpointStore.ModelFile),
        "pretrain corpus" => _corpus,
        _ => _labels,
    };

    private string[] Arguments(string scenario, string input, string runFolder) => scenario switch
    {
        "fill-mask checkpoint" => ["fill-mask", "-c", input, "-k", "3", "--format", "json", MaskedText],
        "embed vocabulary" => ["embed", "--vocab", input, EmbeddedText],
        "embed weights" => ["embed", "--model", "bert-tiny", "--weights", input, "--quiet", EmbeddedText],
        "pretrain corpus" => ["pretrain", "--corpus", input, "--steps", "1", "--batch", "8", "--eval-batches", "1", "--checkpoints", runFolder, "--quiet"],
        _ => ["finetune", "--model", "bert-tiny-classifier", "--init", "none", "--train", input, "--eval", _labels, "--steps", "1", "--batch", "16", "--checkpoints", runFolder, "--quiet"],
    };

    /// <summary>One file of the checkpoint damaged; every byte fill-mask reads is covered by a SHA-256.</summary>
    private (string, byte[], FuzzExpectation, string) CheckpointDamage(FuzzRandom random)
    {
        string part = random.Pick([CheckpointStore.ModelFile, CheckpointStore.StateFile, CheckpointIntegrity.StateChecksumFile]);
        (string mutation, byte[] bytes) = ByteMutations.Any(File.ReadAllBytes(Path.Combine(_checkpoint, part)), random);
        return ($"{part}: {mutation}", bytes, FuzzExpectation.RejectOrSame(_undamaged["fill-mask checkpoint"]), "fill-mask checkpoint/" + part);
    }

    /// <summary>Vocabulary damage whose effect is known without a tokenizer: a count that no longer fits, bad bytes, or nothing.</summary>
    private static (string, byte[], FuzzExpectation) VocabularyDamage(byte[] vocabulary, FuzzRandom random, string undamaged)
    {
        int line = 1000 + random.Next(20000);
        int start = 0;
        for (int n = 0; n < line; n++)
        {
            start = Array.IndexOf(vocabulary, (byte)'\n', start) + 1;
        }

        int end = Array.IndexOf(vocabulary, (byte)'\n', start);
        return random.Next(6) switch
        {
            0 => ($"a lone CR inside line {line + 1}", [.. vocabulary[..(start + 1)], (byte)'\r', .. vocabulary[(start + 1)..]], FuzzExpectation.Reject),
            1 => ($"line {line + 1} deleted", [.. vocabulary[..start], .. vocabulary[(end + 1)..]], FuzzExpectation.Reject),
            2 => ($"line {line + 1} replaced by line 1001", [.. vocabulary[..start], .. vocabulary[StartOf(vocabulary, 1000)..(Array.IndexOf(vocabulary, (byte)'\n', StartOf(vocabulary, 1000)) + 1)], .. vocabulary[(end + 1)..]], FuzzExpectation.Reject),
            3 => ($"byte 0xC0 in line {line + 1}", [.. vocabulary[..start], 0xC0, .. vocabulary[start..]], FuzzExpectation.Reject),
            4 => ("CRLF line endings", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(vocabulary).Replace("\n", "\r\n", StringComparison.Ordinal)), FuzzExpectation.Accept(undamaged)),
            _ => ("byte-order mark added", [0xEF, 0xBB, 0xBF, .. vocabulary], FuzzExpectation.Accept(undamaged)),
        };
    }

    private static int StartOf(byte[] text, int line)
    {
        int start = 0;
        for (int n = 0; n < line; n++)
        {
            start = Array.IndexOf(text, (byte)'\n', start) + 1;
        }

        return start;
    }

    private static (string, byte[], FuzzExpectation, string) Refused((string Mutation, byte[] Bytes) damaged, string scenario) =>
        (damaged.Mutation, damaged.Bytes, FuzzExpectation.Reject, scenario);

    private static (string, byte[], FuzzExpectation, string) Harmless((string Mutation, byte[] Bytes) damaged, string answer, string scenario) =>
        (damaged.Mutation, damaged.Bytes, FuzzExpectation.RejectOrSame(answer), scenario);

    private static (string, byte[], FuzzExpectation, string) With((string Mutation, byte[] Bytes, FuzzExpectation Expected) damaged, string scenario) =>
        (damaged.Mutation, damaged.Bytes, damaged.Expected, scenario);

    private CliRun Invoke(string[] args) => _asProcess ? InvokeProcess(args) : InvokeInProcess(args);

    /// <summary>One <c>bertgen</c> run in-process on captured streams.</summary>
    internal static CliRun InvokeInProcess(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(output, error, () => new MemoryStream(), InputIsRedirected: false, ErrorIsTerminal: false, OutputIsTerminal: false);
        int code = BertGenCli.Run(args, console);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    private static CliRun InvokeProcess(string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bertgen.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        System.Threading.Tasks.Task<string> output = process.StandardOutput.ReadToEndAsync();
        System.Threading.Tasks.Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new CliRun(process.ExitCode, output.Result, error.Result);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string ReadGzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
