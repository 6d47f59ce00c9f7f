using System;
using System.Buffers;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen inspect</c>: what the generator decided for a compiled model — architecture, parameter count,
/// forward FLOPs and memory plan per compiled shape — read from its generated <see cref="ModelDescriptor"/>
/// without allocating the model. With no argument, the list of compiled models.
/// </summary>
internal sealed class InspectCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var model = new Argument<string?>("model")
        {
            Description = $"A compiled model ({ModelCatalog.CompiledNames}), its spec file, or a pretrained name; omit to list them all.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var format = new Option<string>("--format")
        {
            Description = "table (for people) or json (for scripts).",
            DefaultValueFactory = _ => "table",
            HelpName = "table|json",
        };
        format.AcceptOnlyFromAmong("table", "json");
        var buffers = new Option<bool>("--buffers") { Description = "Also list every activation buffer of each shape's arena plan." };
        var ops = new Option<bool>("--ops") { Description = "Also list each shape's forward operations in order." };

        var command = new Command("inspect", "Shapes, parameter count, FLOPs per forward and memory plan of a compiled model; lists the compiled models without an argument.")
        {
            model, format, buffers, ops,
        };
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(model);
            bool json = parse.GetValue(format) == "json";
            if (name is null)
            {
                if (json)
                {
                    WriteJson(context.Console, w =>
                    {
                        w.WriteStartArray();
                        foreach (ModelDescriptor descriptor in ModelCatalog.Compiled)
                        {
                            WriteModel(w, descriptor, withBuffers: false, withOps: false);
                        }

                        w.WriteEndArray();
                    });
                }
                else
                {
                    WriteList(context.Console);
                }

                return ExitCodes.Success;
            }

            ModelDescriptor found = ModelCatalog.RequireCompiled(name);
            if (json)
            {
                WriteJson(context.Console, w => WriteModel(w, found, parse.GetValue(buffers), parse.GetValue(ops)));
            }
            else
            {
                WriteDetails(context.Console, found, parse.GetValue(buffers), parse.GetValue(ops));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteList(CliConsole console)
    {
        var table = new Table()
            .AddColumn("model").AddColumn("type").AddColumn(TableOutput.Number("layers")).AddColumn(TableOutput.Number("hidden")).AddColumn(TableOutput.Number("heads"))
            .AddColumn(TableOutput.Number("parameters")).AddColumn("task heads").AddColumn("training").AddColumn("shapes (batch×sequence)");
        foreach (ModelDescriptor d in ModelCatalog.Compiled)
        {
            table.AddRow(
                ModelCatalog.CliName(d), d.Name, Int(d.Layers), Int(d.HiddenSize), Int(d.AttentionHeads), Int(d.ParameterCount),
                d.Heads.Count == 0 ? "none" : string.Join(", ", d.Heads), d.SupportsTraining ? "yes" : "no",
                string.Join(" ", d.Shapes.Select(s => $"{s.Batch}×{s.Sequence}")));
        }

        TableOutput.Write(console, table);
        TableOutput.Create(console).WriteLine("Pretrained: " + string.Join("; ", ModelCatalog.Pretrained.Select(p => $"{p.Name} = {p.Package.Name} on {ModelCatalog.CliName(p.Architecture)}, {p.Pooling.ToString().ToLowerInvariant()} pooling")));
    }

    private static void WriteDetails(CliConsole console, ModelDescriptor d, bool withBuffers, bool withOps)
    {
        IAnsiConsole output = TableOutput.Create(console);
        var summary = new Grid().AddColumn().AddColumn();
        summary.AddRow("model", $"{ModelCatalog.CliName(d)} ({d.Name}, from {d.SpecFile})");
        summary.AddRow("architecture", $"L{d.Layers} H{d.HiddenSize} A{d.AttentionHeads} I{d.IntermediateSize}, {d.Activation}, vocab {Int(d.VocabSize)}, {Int(d.MaxPositions)} positions, {d.TypeVocabSize} token types");
        summary.AddRow("task heads", d.Heads.Count == 0 ? "none" : string.Join(", ", d.Heads));
        summary.AddRow("training", d.SupportsTraining ? "yes: a training step (forward with saved activations, backward) is compiled" : "no (inference only)");
        summary.AddRow("parameters", Int(d.ParameterCount));
        summary.AddRow("parameter buffer", $"{Bytes(d.ParameterBufferLength)} ({Int(d.ParameterBufferLength)} floats)");
        summary.AddRow("packed weights", $"{Bytes(d.PackedWeightLength)} ({Int(d.PackedWeightLength)} floats)");
        summary.AddRow("schedule", d.Shapes.Any(s => s.PlannedThreads > 0)
            ? string.Join(", ", d.Shapes.Where(s => s.PlannedThreads > 0).Select(s => $"{s.Batch}×{s.Sequence} on a pool of {s.PlannedThreads} threads ({s.Batch / s.PlannedThreads} sequences each)")) +
                ", per thread; other pools and shapes op by op"
            : "none planned (every op is split over the pool)");
        summary.AddRow("precisions", string.Join(", ", d.Precisions.Select(p => ComputePrecision.Of(p).Name)) +
            (d.Int8WeightBytes > 0 ? $" (int8 weights: {Bytes(d.Int8WeightBytes / sizeof(float))}; an int8 pass has fp32's arena plus its quantised input rows)" : string.Empty));
        TableOutput.Write(console, summary);
        output.WriteLine();

        // Forward and training step in two tables: one of nine columns does not fit an 80-column terminal.
        Table forward = ShapeTable("forward pass", "arena");
        foreach (ShapeDescriptor s in d.Shapes)
        {
            AddShape(forward, s, s.ForwardFlops, s.ArenaLength, d.ParameterBufferLength + d.PackedWeightLength + s.ArenaLength);
        }

        TableOutput.Write(console, forward);
        if (d.SupportsTraining)
        {
            Table training = ShapeTable("training step", "activations");
            foreach (ShapeDescriptor s in d.Shapes)
            {
                // Parameters, gradients and AdamW's two moments share the parameter layout.
                AddShape(training, s, s.TrainingStepFlops, s.TrainingArenaLength, (4 * d.ParameterBufferLength) + d.PackedWeightLength + s.TrainingArenaLength);
            }

            TableOutput.Write(console, training);
        }

        foreach (ShapeDescriptor s in d.Shapes)
        {
            if (withBuffers)
            {
                output.WriteLine();
                output.WriteLine($"arena of {s.Batch}×{s.Sequence}: {Bytes(s.ArenaLength)}");
                var table = new Table().AddColumn("buffer").AddColumn("shape")
                    .AddColumn(TableOutput.Number("offset (floats)")).AddColumn(TableOutput.Number("length (floats)"))
                    .AddColumn(TableOutput.Number("size"));
                foreach (ArenaBuffer b in s.Buffers)
                {
                    table.AddRow(Markup.Escape(b.Name), Markup.Escape(b.Shape), Int(b.Offset), Int(b.Length), Bytes(b.Length));
                }

                TableOutput.Write(console, table);
            }

            if (withOps)
            {
                output.WriteLine();
                output.WriteLine($"forward of {s.Batch}×{s.Sequence}: {s.ForwardOps.Count} operations");
                for (int i = 0; i < s.ForwardOps.Count; i++)
                {
                    output.WriteLine($"  {i + 1,4}  {s.ForwardOps[i]}");
                }
            }
        }
    }

    private static void WriteModel(Utf8JsonWriter w, ModelDescriptor d, bool withBuffers, bool withOps)
    {
        w.WriteStartObject();
        w.WriteString("model", ModelCatalog.CliName(d));
        w.WriteString("type", d.Name);
        w.WriteString("spec", d.SpecFile);
        w.WriteNumber("layers", d.Layers);
        w.WriteNumber("hidden_size", d.HiddenSize);
        w.WriteNumber("attention_heads", d.AttentionHeads);
        w.WriteNumber("intermediate_size", d.IntermediateSize);
        w.WriteString("activation", d.Activation);
        w.WriteNumber("vocab_size", d.VocabSize);
        w.WriteNumber("max_positions", d.MaxPositions);
        w.WriteNumber("type_vocab_size", d.TypeVocabSize);
        w.WriteStartArray("heads");
        foreach (string head in d.Heads)
        {
            w.WriteStringValue(head);
        }

        w.WriteEndArray();
        w.WriteBoolean("training", d.SupportsTraining);
        w.WriteNumber("parameters", d.ParameterCount);
        w.WriteNumber("parameter_buffer_bytes", d.ParameterBufferLength * sizeof(float));
        w.WriteNumber("packed_weight_bytes", d.PackedWeightLength * sizeof(float));
        w.WriteStartArray("precisions");
        foreach (Precision precision in d.Precisions)
        {
            w.WriteStringValue(ComputePrecision.Of(precision).Name);
        }

        w.WriteEndArray();
        w.WriteNumber("int8_weight_bytes", d.Int8WeightBytes);
        w.WriteStartArray("shapes");
        foreach (ShapeDescriptor s in d.Shapes)
        {
            w.WriteStartObject();
            w.WriteNumber("batch", s.Batch);
            w.WriteNumber("sequence", s.Sequence);
            w.WriteNumber("forward_flops", s.ForwardFlops);
            w.WriteNumber("arena_bytes", s.ArenaLength * sizeof(float));
            w.WriteNumber("planned_threads", s.PlannedThreads);
            if (d.SupportsTraining)
            {
                w.WriteNumber("training_step_flops", s.TrainingStepFlops);
                w.WriteNumber("training_arena_bytes", s.TrainingArenaLength * sizeof(float));
            }
            if (withBuffers)
            {
                w.WriteStartArray("buffers");
                foreach (ArenaBuffer b in s.Buffers)
                {
                    w.WriteStartObject();
                    w.WriteString("name", b.Name);
                    w.WriteString("shape", b.Shape);
                    w.WriteNumber("offset", b.Offset);
                    w.WriteNumber("length", b.Length);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (withOps)
            {
                w.WriteStartArray("forward_ops");
                foreach (string op in s.ForwardOps)
                {
                    w.WriteStringValue(op);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteJson(CliConsole console, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        console.Output.WriteLine(CliConsole.Utf8.GetString(buffer.WrittenSpan));
    }

    private static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static Table ShapeTable(string title, string arena) => new Table { Title = new TableTitle(title) }
        .AddColumn(TableOutput.Number("batch")).AddColumn(TableOutput.Number("sequence"))
        .AddColumn(TableOutput.Number("FLOPs")).AddColumn(TableOutput.Number("GFLOP"))
        .AddColumn(TableOutput.Number(arena)).AddColumn(TableOutput.Number("total memory"));

    /// <summary>A shape's row: its FLOPs, its arena and the whole memory it needs (all lengths in floats).</summary>
    private static void AddShape(Table table, ShapeDescriptor shape, long flops, long arena, long total) =>
        table.AddRow(Int(shape.Batch), Int(shape.Sequence), Int(flops), Gflop(flops), Bytes(arena), Bytes(total));

    private static string Gflop(long flops) => (flops / 1e9).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>A float count as bytes in binary units.</summary>
    private static string Bytes(long floats)
    {
        double bytes = floats * (double)sizeof(float);
        return bytes switch
        {
            >= 1 << 30 => $"{(bytes / (1 << 30)).ToString("F2", CultureInfo.InvariantCulture)} GiB",
            >= 1 << 20 => $"{(bytes / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture)} MiB",
            >= 1 << 10 => $"{(bytes / (1 << 10)).ToString("F1", CultureInfo.InvariantCulture)} KiB",
            _ => $"{bytes.ToString("F0", CultureInfo.InvariantCulture)} B",
        };
    }
}
