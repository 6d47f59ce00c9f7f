using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// <c>trainer_state.json</c>: written with <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/>
/// (no reflection, so trimming and AOT keep working). 64-bit integers are written as numbers; the reader insists
/// on every field so a truncated or hand-edited file is reported instead of resuming from a default.
/// </summary>
internal static class TrainerStateJson
{
    public const string Format = "bertgen-trainer-state";
    public const int Version = 1;

    public static byte[] Write(TrainerState state)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("version", Version);
            writer.WriteString("model", state.ModelName);
            writer.WriteNumber("parameterCount", state.ParameterCount);
            writer.WriteNumber("step", state.Step);
            writer.WriteNumber("epoch", state.Epoch);
            writer.WriteNumber("runSeed", state.RunSeed);
            writer.WriteNumber("learningRate", state.LearningRate);
            writer.WriteString("optimizerFlavor", state.OptimizerFlavor.ToString());
            writer.WriteNumber("optimizerStepCount", state.OptimizerStepCount);
            if (state.Schedule is LinearWarmupDecaySchedule schedule)
            {
                writer.WriteStartObject("schedule");
                writer.WriteNumber("baseLearningRate", schedule.BaseLearningRate);
                writer.WriteNumber("warmupSteps", schedule.WarmupSteps);
                writer.WriteNumber("totalSteps", schedule.TotalSteps);
                writer.WriteString("decay", schedule.Decay.ToString());
                writer.WriteEndObject();
            }

            writer.WriteNumber("worldSize", state.WorldSize);
            writer.WriteNumber("accumulationSteps", state.AccumulationSteps);
            writer.WriteNumber("microBatchSize", state.MicroBatchSize);
            writer.WriteNumber("sequenceLength", state.SequenceLength);
            writer.WriteBase64String("dataState", state.DataState);
            writer.WriteStartArray("files");
            foreach (CheckpointFile file in state.Files)
            {
                writer.WriteStartObject();
                writer.WriteString("name", file.Name);
                writer.WriteNumber("bytes", file.Bytes);
                writer.WriteString("sha256", file.Sha256);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    public static TrainerState Read(ReadOnlyMemory<byte> json, string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            string format = Required(root, "format", path).GetString() ?? string.Empty;
            int version = Required(root, "version", path).GetInt32();
            if (format != Format || version != Version)
            {
                throw new CheckpointException($"'{path}' is '{format}' version {version}, not {Format} version {Version}");
            }

            string flavorText = Required(root, "optimizerFlavor", path).GetString() ?? string.Empty;
            if (!Enum.TryParse(flavorText, out AdamWFlavor flavor) || !Enum.IsDefined(flavor))
            {
                throw new CheckpointException($"'{path}' names an unknown optimiser flavour '{flavorText}'");
            }

            var files = new List<CheckpointFile>();
            foreach (JsonElement file in Required(root, "files", path).EnumerateArray())
            {
                files.Add(new CheckpointFile(
                    Required(file, "name", path).GetString() ?? string.Empty,
                    Required(file, "bytes", path).GetInt64(),
                    Required(file, "sha256", path).GetString() ?? string.Empty));
            }

            return new TrainerState
            {
                ModelName = Required(root, "model", path).GetString() ?? string.Empty,
                ParameterCount = Required(root, "parameterCount", path).GetInt64(),
                Step = Required(root, "step", path).GetInt64(),
                Epoch = Required(root, "epoch", path).GetInt32(),
                RunSeed = Required(root, "runSeed", path).GetUInt64(),
                LearningRate = Required(root, "learningRate", path).GetDouble(),
                OptimizerFlavor = flavor,
                OptimizerStepCount = Required(root, "optimizerStepCount", path).GetInt64(),
                Schedule = root.TryGetProperty("schedule", out JsonElement schedule) ? ReadSchedule(schedule, path) : null,
                DataState = Required(root, "dataState", path).GetBytesFromBase64(),
                WorldSize = Optional(root, "worldSize", 1),
                AccumulationSteps = Optional(root, "accumulationSteps", 1),
                MicroBatchSize = Optional(root, "microBatchSize", 0),
                SequenceLength = Optional(root, "sequenceLength", 0),
                Files = files,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new CheckpointException($"'{path}' is not a valid trainer state: {JsonErrorText.Describe(e)}", e);
        }
    }

    // Optional: checkpoints written before the schedule was recorded have none, and resume as they always did.
    private static LinearWarmupDecaySchedule ReadSchedule(JsonElement schedule, string path)
    {
        string decayText = Required(schedule, "decay", path).GetString() ?? string.Empty;
        if (!Enum.TryParse(decayText, out LearningRateDecay decay) || !Enum.IsDefined(decay))
        {
            throw new CheckpointException($"'{path}' names an unknown learning-rate decay '{decayText}'");
        }

        try
        {
            return new LinearWarmupDecaySchedule(
                Required(schedule, "baseLearningRate", path).GetDouble(),
                Required(schedule, "warmupSteps", path).GetInt64(),
                Required(schedule, "totalSteps", path).GetInt64(),
                decay);
        }
        catch (OptimizationException e)
        {
            throw new CheckpointException($"'{path}' has an invalid schedule: {e.Message}", e);
        }
    }

    // Fields added after version 1 (the data-parallel shape of the run): a checkpoint without them is a single process's.
    private static int Optional(JsonElement root, string name, int absent) =>
        root.TryGetProperty(name, out JsonElement value) ? value.GetInt32() : absent;

    private static JsonElement Required(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new CheckpointException($"'{path}' has no '{name}'");
}
