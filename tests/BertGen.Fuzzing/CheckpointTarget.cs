using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;

namespace BertGen.Fuzzing;

/// <summary>
/// Damaged checkpoint folders through <see cref="CheckpointStore.Load"/>, which <c>--resume</c> uses: any of the five
/// files (weights, the two AdamW moments, <c>trainer_state.json</c>, its checksum) damaged, cut, extended or missing,
/// which must be refused or be harmless (every byte is covered by a SHA-256); and <c>trainer_state.json</c> edits
/// written with a matching checksum, as a careful hand would, whose values make no sense (a step that is not the
/// folder's, a restarted optimiser count, a negative learning rate, another model) and must be refused anyway.
/// The undamaged answer is computed from the values the checkpoint was written with, not by loading it.
/// </summary>
public sealed class CheckpointTarget : IFuzzTarget, IDisposable
{
    private const long Step = 4;

    /// <summary>The part name of a state edit written with a matching checksum.</summary>
    private const string Resealed = CheckpointStore.StateFile + " resealed";
    private static readonly string[] Parts =
        [CheckpointStore.ModelFile, CheckpointStore.FirstMomentFile, CheckpointStore.SecondMomentFile, CheckpointStore.StateFile, CheckpointIntegrity.StateChecksumFile];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, byte[]> _seed = [];
    private readonly string _answer;

    public CheckpointTarget()
    {
        var store = new CheckpointStore(Path.Combine(_folder, "seed"), keepLast: 1);
        using var model = new FuzzCheckpointModel();
        using var optimizer = new AdamW(model.ParameterTable, model.Parameters.Length, AdamWSettings.Torch);
        float[] parameters = FuzzWeights.Values(21);
        float[] first = FuzzWeights.Values(22);
        float[] second = FuzzWeights.Values(23).Select(Math.Abs).ToArray();
        parameters.CopyTo(model.Parameters.AsSpan());
        first.CopyTo(optimizer.FirstMoment.AsSpan());
        second.CopyTo(optimizer.SecondMoment.AsSpan());
        var state = new TrainerState
        {
            ModelName = model.Name,
            ParameterCount = CheckpointStore.ParameterCount(model),
            Step = Step,
            Epoch = 1,
            RunSeed = 12345,
            LearningRate = 2.5e-4,
            OptimizerFlavor = AdamWFlavor.Torch,
            OptimizerStepCount = Step,
            DataState = [1, 2, 3, 4, 5],
        };
        string written = store.Save(model, optimizer, state);
        foreach (string part in Parts)
        {
            _seed[part] = File.ReadAllBytes(Path.Combine(written, part));
        }

        _answer = Answer(parameters, first, second, state);
    }

    public string Family => "checkpoint";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            if (random.Next(4) == 0)
            {
                (string mutation, string json, bool harmless) = StateEdit(random);
                byte[] state = Encoding.UTF8.GetBytes(json);
                yield return new FuzzCase(Family, $"{mutation} (checksum rewritten to match)", state,
                    harmless ? FuzzExpectation.Accept(_answer) : FuzzExpectation.Reject, Resealed);
                continue;
            }

            string part = random.Pick(Parts);
            byte[] bytes = _seed[part];
            (string what, byte[]? damaged) = random.Next(10) switch
            {
                < 7 => ByteMutations.Any(bytes, random),
                7 or 8 => ByteMutations.Append(bytes, random),
                _ => ("deleted", null),
            };
            yield return new FuzzCase(Family, $"{part}: {what}", damaged ?? [], damaged is null ? FuzzExpectation.Reject : FuzzExpectation.RejectOrSame(_answer), damaged is null ? "-" + part : part);
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string path = Path.Combine(_folder, "run", "checkpoint-" + Step.ToString("D9", System.Globalization.CultureInfo.InvariantCulture));
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        string part = fuzzCase.Part!;
        foreach ((string name, byte[] bytes) in _seed)
        {
            if (part != "-" + name)
            {
                File.WriteAllBytes(Path.Combine(path, name), name == part ? fuzzCase.Bytes : bytes);
            }
        }

        if (part == Resealed)
        {
            File.WriteAllBytes(Path.Combine(path, CheckpointStore.StateFile), fuzzCase.Bytes);
            File.WriteAllText(Path.Combine(path, CheckpointIntegrity.StateChecksumFile), $"{Convert.ToHexStringLower(SHA256.HashData(fuzzCase.Bytes))}  {CheckpointStore.StateFile}\n");
        }

        using var model = new FuzzCheckpointModel();
        using var optimizer = new AdamW(model.ParameterTable, model.Parameters.Length, AdamWSettings.Torch);
        try
        {
            TrainerState state = CheckpointStore.Load(path, model, optimizer);
            return FuzzOutcome.Accepted(Answer(model.Parameters.AsSpan().ToArray(), optimizer.FirstMoment.AsSpan().ToArray(), optimizer.SecondMoment.AsSpan().ToArray(), state));
        }
        catch (Exception e)
        {
            return FuzzOutcome.Rejected(e);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Answer(float[] parameters, float[] first, float[] second, TrainerState state) =>
        $"{Digest.Of(parameters)} {Digest.Of(first)} {Digest.Of(second)} step {state.Step} epoch {state.Epoch} seed {state.RunSeed} lr {state.LearningRate:R} "
        + $"{state.OptimizerFlavor} {state.OptimizerStepCount} data {Convert.ToHexString(state.DataState)} model {state.ModelName} {state.ParameterCount}";

    /// <summary>trainer_state.json rewritten by hand: values that make no sense (refused), or a form that changes nothing (accepted).</summary>
    private (string Mutation, string Json, bool Harmless) StateEdit(FuzzRandom random)
    {
        string json = Encoding.UTF8.GetString(_seed[CheckpointStore.StateFile]);
        (string Find, string Replace, bool Harmless)[] edits =
        [
            ("\"step\": 4,", "\"step\": 5,", false),
            ("\"optimizerStepCount\": 4,", "\"optimizerStepCount\": 0,", false),
            ("\"optimizerStepCount\": 4,", "\"optimizerStepCount\": 3,", false),
            ("\"step\": 4,", "\"step\": -1,", false),
            ("\"step\": 4,", "\"step\": 4611686018427387904,", false),
            ("\"step\": 4,", "\"step\": \"4\",", false),
            ("\"step\": 4,", "\"step\": 4.5,", false),
            ("\"step\": 4,", "\"step\": 1e400,", false),
            ("\"epoch\": 1,", "\"epoch\": -3,", false),
            ("\"worldSize\": 1,", "\"worldSize\": 0,", false),
            ("\"accumulationSteps\": 1,", "\"accumulationSteps\": -2,", false),
            ("\"sequenceLength\": 0,", "\"sequenceLength\": -64,", false),
            ("\"learningRate\": 0.00025,", "\"learningRate\": -0.00025,", false),
            ("\"learningRate\": 0.00025,", "\"learningRate\": 1e400,", false),
            ("\"learningRate\": 0.00025,", "\"learningRate\": \"NaN\",", false),
            ("\"model\": \"FuzzCheckpointModel\",", "\"model\": \"BertBase\",", false),
            ("\"parameterCount\": ", "\"parameterCount\": 1", false),
            ("\"optimizerFlavor\": \"Torch\",", "\"optimizerFlavor\": \"Adagrad\",", false),
            ("\"dataState\": \"", "\"dataState\": \"!!", false),
            ("\"format\": \"bertgen-trainer-state\",", "\"format\": \"other\",", false),
            ("\"version\": 1,", "\"version\": 2,", false),
            ("\"name\": \"model.safetensors\",", "\"name\": \"other.safetensors\",", false),
            ("\"sha256\": \"", "\"sha256\": \"0", false),
            ("\"files\": [", "\"files\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],", false),
            ("{", "{\n  \"comment\": \"\\u001b[2J an unknown field\",", true),
            ("\n", "", true),
        ];
        (string find, string replace, bool harmless) = random.Pick(edits);
        int at = json.IndexOf(find, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"the undamaged trainer_state.json has no '{find}'");
        }

        return ($"trainer_state.json: {find.Trim()} → {replace.Trim()}", json[..at] + replace + json[(at + find.Length)..], harmless);
    }
}
