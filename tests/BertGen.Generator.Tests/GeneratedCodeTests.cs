using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>The generated code of every shipped spec compiles cleanly, loads and does what it says.</summary>
public sealed class GeneratedCodeTests
{
    private static readonly Lazy<Assembly> AllShippedModels = new(() =>
    {
        AdditionalText[] specs = Directory.GetFiles(RepoPaths.Specs, "*.bert.json").Select(p => GeneratorHarness.SpecFile(Path.GetFileName(p))).ToArray();
        (Compilation output, GeneratorRunResult result) = GeneratorHarness.Run(specs);
        Assert.Empty(result.Diagnostics);
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "Generated code has warnings or errors:\n" + string.Join("\n", problems.Take(20)));
        using var stream = new MemoryStream();
        EmitResult emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return Assembly.Load(stream.ToArray());
    });

    [Fact]
    public void EveryShippedSpecCompilesWithoutWarnings() => Assert.NotNull(AllShippedModels.Value);

    // Independent figures: REFERENCE.md §1 (BERT-base with pretraining heads: 110,106,428) and
    // all-MiniLM-L6-v2's published size (22,713,216), neither computed by BertGen.
    [Theory]
    [InlineData("BertBase", 110_106_428L)]
    [InlineData("MiniLmL6", 22_713_216L)]
    public void ParameterCountMatchesPublishedFigure(string typeName, long expected)
    {
        Type model = ModelType(typeName);
        Assert.Equal(expected, (long)model.GetField("ParameterCount")!.GetRawConstantValue()!);
        var table = (System.Collections.Generic.IReadOnlyList<BertGen.Runtime.ParameterInfo>)model.GetProperty("ParameterTable")!.GetValue(null)!;
        Assert.Equal(expected, table.Sum(p => p.Length));
    }

    [Fact]
    public void ParameterTableIsAlignedDisjointAndInsideTheBuffer()
    {
        foreach (string typeName in new[] { "BertTiny", "BertMini", "BertSmall", "BertBase", "MiniLmL6" })
        {
            Type model = ModelType(typeName);
            var table = (System.Collections.Generic.IReadOnlyList<BertGen.Runtime.ParameterInfo>)model.GetProperty("ParameterTable")!.GetValue(null)!;
            long bufferLength = (long)model.GetField("ParameterBufferLength")!.GetRawConstantValue()!;
            long end = 0;
            foreach (BertGen.Runtime.ParameterInfo p in table.OrderBy(p => p.Offset))
            {
                Assert.Equal(0, p.Offset % 16);
                Assert.True(p.Offset >= end, $"{typeName}: {p.Name} overlaps the tensor before it");
                end = p.Offset + p.Length;
            }

            Assert.True(end <= bufferLength);
            Assert.Equal(table.Count, table.Select(p => p.Name).Distinct().Count());
        }
    }

    [Fact]
    public void HeadsUseHuggingFaceNames()
    {
        var names = ((System.Collections.Generic.IReadOnlyList<BertGen.Runtime.ParameterInfo>)ModelType("BertTiny").GetProperty("ParameterTable")!.GetValue(null)!)
            .Select(p => p.Name).ToArray();
        Assert.Equal("bert.embeddings.word_embeddings.weight", names[0]);
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("bert.pooler.dense.weight", names);
        Assert.Contains("cls.predictions.transform.LayerNorm.bias", names);
        Assert.Contains("cls.predictions.bias", names);
        Assert.Contains("cls.seq_relationship.weight", names);
        Assert.DoesNotContain("cls.predictions.decoder.weight", names); // tied to the word embeddings

        var bare = ((System.Collections.Generic.IReadOnlyList<BertGen.Runtime.ParameterInfo>)ModelType("MiniLmL6").GetProperty("ParameterTable")!.GetValue(null)!)
            .Select(p => p.Name).ToArray();
        Assert.Equal("embeddings.word_embeddings.weight", bare[0]);
        Assert.Equal("pooler.dense.bias", bare[^1]);
    }

    [Fact]
    public void InitializationFollowsHuggingFace()
    {
        Type type = ModelType("BertTiny");
        using var model = (IDisposable)Activator.CreateInstance(type, new object?[] { null })!;
        type.GetMethod("InitializeParameters")!.Invoke(model, new object[] { 7UL });
        var buffer = (BertGen.Runtime.Memory.AlignedBuffer)type.GetProperty("Parameters")!.GetValue(model)!;
        var table = (System.Collections.Generic.IReadOnlyList<BertGen.Runtime.ParameterInfo>)type.GetProperty("ParameterTable")!.GetValue(null)!;
        float[] Get(string name)
        {
            BertGen.Runtime.ParameterInfo info = BertGen.Runtime.ParameterInfo.Find(table, name);
            return buffer.Slice(info.Offset, (int)info.Length).ToArray();
        }

        float[] embedding = Get("bert.embeddings.word_embeddings.weight");
        double mean = embedding.Average(x => (double)x);
        double std = Math.Sqrt(embedding.Average(x => (x - mean) * (x - mean)));
        // 3.9M samples: the standard error of the std estimate is ~0.02/sqrt(2n) ≈ 7e-6, so 1e-4 is loose.
        Assert.InRange(std, 0.02 - 1e-4, 0.02 + 1e-4);
        Assert.InRange(mean, -1e-4, 1e-4);
        Assert.All(Get("bert.encoder.layer.0.attention.output.LayerNorm.weight"), x => Assert.Equal(1f, x));
        Assert.All(Get("bert.encoder.layer.0.attention.output.LayerNorm.bias"), x => Assert.Equal(0f, x));
        Assert.All(Get("cls.predictions.bias"), x => Assert.Equal(0f, x));
        Assert.All(embedding.AsSpan(0, 128).ToArray(), x => Assert.Equal(0f, x)); // pad_token_id 0: HF zeroes its row
        Assert.Contains(embedding.AsSpan(128, 128).ToArray(), x => x != 0f);
    }

    [Fact]
    public void DescriptorsSayWhatATrainingBatchNeedsAndNothingForAModelThatDoesNotTrain()
    {
        var tiny = (BertGen.Runtime.Inference.ModelDescriptor)ModelType("BertTiny").GetProperty("Descriptor")!.GetValue(null)!;
        Assert.Equal(BertGen.Runtime.Training.TrainingObjective.Pretraining, tiny.Objective);
        Assert.Equal(20, tiny.MaxPredictionsPerSequence); // bert-tiny.bert.json
        var miniLm = (BertGen.Runtime.Inference.ModelDescriptor)ModelType("MiniLmL6").GetProperty("Descriptor")!.GetValue(null)!;
        Assert.Null(miniLm.Objective);
        Assert.Equal(1e-12f, miniLm.LayerNormEpsilon); // all-MiniLM-L6-v2's config
        Assert.Equal(2, miniLm.LabelCount); // HF's default
        Assert.Equal("single_label_classification", miniLm.ProblemType);
        Assert.False(miniLm.ProblemTypeGiven);
    }

    /// <summary>
    /// A one-label classifier is regression to train whether or not its config names problem_type, but HF's pipeline scores
    /// it by a sigmoid unless "regression" is named: the descriptor records which, null counting as not named, as in HF.
    /// </summary>
    [Theory]
    [InlineData("", false)]
    [InlineData("\"problem_type\": null, ", false)]
    [InlineData("\"problem_type\": \"regression\", ", true)]
    public void AOneLabelClassifiersDescriptorSaysWhetherItsConfigNamedItsProblemType(string problemType, bool given)
    {
        string json = SmallSpec.Text
            .Replace("\"bertgen\": {", "\"num_labels\": 1, " + problemType + "\"bertgen\": {", StringComparison.Ordinal)
            .Replace("\"heads\": [\"pretraining\"]", "\"heads\": [\"sequence_classification\"]", StringComparison.Ordinal);
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(SmallSpec.Path, json));
        Assert.Empty(result.Diagnostics);
        string shapes = result.GeneratedSources.Single(s => s.HintName.EndsWith(".Shapes.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("ProblemType = \"regression\",", shapes, StringComparison.Ordinal);
        Assert.Contains($"ProblemTypeGiven = {(given ? "true" : "false")},", shapes, StringComparison.Ordinal);
    }

    /// <summary>
    /// A disposed model fails as the runtime's own types do (Trainer, TextClassifier): ObjectDisposedException naming the
    /// model, not its internal AlignedBuffer, at every way in, a pass made before the Dispose included; and its Gradients
    /// do not allocate a buffer again.
    /// </summary>
    [Fact]
    public void ADisposedModelSaysItIsTheModelThatWasDisposed()
    {
        Type type = ModelType("MiniLmL6Classifier"); // fp32 and int8, training
        var model = (BertGen.Runtime.Training.ITrainableModel)Activator.CreateInstance(type, new object?[] { null })!;
        model.PrepareWeights();
        type.GetMethod("PrepareInt8Weights")!.Invoke(model, null);
        (int batch, int sequence) = model.ShapeVariants[0];
        BertGen.Runtime.Inference.IForwardPass fp32 = model.CreateForwardPass(batch, sequence);
        BertGen.Runtime.Inference.IForwardPass int8 = model.CreateForwardPass(batch, sequence, BertGen.Runtime.Inference.Precision.Int8);
        BertGen.Runtime.Training.ITrainingStep step = model.CreateTrainingStep(batch, sequence);
        int[] ids = new int[batch * sequence], mask = Enumerable.Repeat(1, batch * sequence).ToArray();
        var trainingBatch = new BertGen.Runtime.Training.TrainingBatch { InputIds = ids, AttentionMask = mask, TokenTypeIds = ids, ClassLabels = new int[batch] };
        model.Dispose();

        var uses = new (string What, Action Use)[]
        {
            ("fp32 Run", () => fp32.Run(ids, mask, ids)),
            ("int8 Run", () => int8.Run(ids, mask, ids)),
            ("training step Run", () => step.Run(trainingBatch, BertGen.Runtime.Training.StepMode.Train, 1)),
            ("Parameters", () => _ = model.Parameters),
            ("Gradients", () => _ = model.Gradients),
            ("PackedWeights", () => Unwrapped(() => type.GetProperty("PackedWeights")!.GetValue(model))),
            ("InitializeParameters", () => model.InitializeParameters(1)),
            ("PrepareWeights", () => model.PrepareWeights()),
            ("CreateForwardPass", () => model.CreateForwardPass(batch, sequence)),
            ("CreateForwardPass int8", () => model.CreateForwardPass(batch, sequence, BertGen.Runtime.Inference.Precision.Int8)),
            ("CreateTrainingStep", () => model.CreateTrainingStep(batch, sequence)),
        };
        foreach ((string what, Action use) in uses)
        {
            Exception? e = Record.Exception(use);
            Assert.True(e is ObjectDisposedException { ObjectName: var name } && name == type.FullName, $"{what}: {e?.GetType().Name}: {e?.Message}");
        }

        model.Dispose(); // twice is harmless
        fp32.Dispose();
        int8.Dispose();
        step.Dispose();
    }

    /// <summary>
    /// A disposed pass, its model alive, names the pass it was, not the arena it owned: a pass of every kind (fp32, int8,
    /// the per-thread schedule's, a training step), on every way in.
    /// </summary>
    [Fact]
    public void ADisposedPassSaysItIsThePassThatWasDisposed()
    {
        Type type = ModelType("MiniLmL6Classifier");
        using var model = (BertGen.Runtime.Training.ITrainableModel)Activator.CreateInstance(type, new object?[] { null })!;
        type.GetMethod("InitializeParameters")!.Invoke(model, new object[] { 1UL }); // a model of zeros refuses to run at all
        model.PrepareWeights();
        type.GetMethod("PrepareInt8Weights")!.Invoke(model, null);
        (int batch, int sequence) = model.ShapeVariants[0];
        int[] ids = new int[batch * sequence], mask = Enumerable.Repeat(1, batch * sequence).ToArray();
        var trainingBatch = new BertGen.Runtime.Training.TrainingBatch { InputIds = ids, AttentionMask = mask, TokenTypeIds = ids, ClassLabels = new int[batch] };
        BertGen.Runtime.Inference.IForwardPass fp32 = model.CreateForwardPass(batch, sequence);
        BertGen.Runtime.Inference.IForwardPass int8 = model.CreateForwardPass(batch, sequence, BertGen.Runtime.Inference.Precision.Int8);
        BertGen.Runtime.Training.ITrainingStep step = model.CreateTrainingStep(batch, sequence);
        fp32.Dispose();
        int8.Dispose();
        step.Dispose();

        var uses = new (object Pass, string What, Action Use)[]
        {
            (fp32, "fp32 Run", () => fp32.Run(ids, mask, ids)),
            (fp32, "fp32 SequenceLogits", () => _ = fp32.SequenceLogits.Length),
            (int8, "int8 Run", () => int8.Run(ids, mask, ids)),
            (step, "training step Run", () => step.Run(trainingBatch, BertGen.Runtime.Training.StepMode.Train, 1)),
        };
        foreach ((object pass, string what, Action use) in uses)
        {
            Exception? e = Record.Exception(use);
            Assert.True(e is ObjectDisposedException { ObjectName: var name } && name == pass.GetType().FullName, $"{what}: {e?.GetType().Name}: {e?.Message}");
        }

        using var alive = model.CreateForwardPass(batch, sequence); // the model still makes passes
        alive.Run(ids, mask, ids);
    }

    private static void Unwrapped(Action reflected)
    {
        try
        {
            reflected();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }

    private static Type ModelType(string name) =>
        AllShippedModels.Value.GetType("BertGen.Models." + name) ?? throw new InvalidOperationException(name + " was not generated");
}
