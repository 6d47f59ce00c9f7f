using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// <c>--precision int8</c> on embed, similarity and classify, and <c>bertgen quantize</c>'s int8 weights file: int8 answers
/// stay close to fp32's, the file gives exactly the answers of quantising at load, and every misuse is one line.
/// </summary>
public sealed class PrecisionOptionTests
{
    private static readonly string[] Texts = ["This is an example sentence", "A man is eating pasta.", "The sky is blue."];

    [Fact]
    public void Int8_embeddings_are_close_to_fp32_and_the_quantized_file_gives_the_same_bits_as_quantising_at_load()
    {
        using var folder = new TemporaryFolder();
        string file = folder.File("minilm.int8.safetensors");
        CliResult quantize = Cli.Run("quantize", "--output", file);
        Assert.True(quantize.ExitCode == 0, quantize.Error);
        Assert.Contains("wrote the int8 weights of all-MiniLM-L6-v2", quantize.Error);

        List<(string Text, float[] Embedding)> fp32 = Embeddings.Parse(Cli.Run(["embed", .. Texts]));
        CliResult atLoad = Cli.Run(["embed", "--precision", "int8", .. Texts]);
        CliResult fromFile = Cli.Run(["embed", "--precision", "int8", "--weights", file, .. Texts]);
        Assert.True(atLoad.ExitCode == 0 && fromFile.ExitCode == 0, atLoad.Error + fromFile.Error);

        // Same int8 weights, same kernels: the file must reproduce quantising at load exactly (the JSON text included).
        Assert.Equal(atLoad.Output, fromFile.Output);

        // Int8 against fp32: the 1,000-verse test of the forward bounds the cosine at ≥ 0.99; here a few texts through the CLI.
        List<(string Text, float[] Embedding)> int8 = Embeddings.Parse(atLoad);
        for (int i = 0; i < Texts.Length; i++)
        {
            double cosine = Embeddings.Cosine(fp32[i].Embedding, int8[i].Embedding);
            Assert.True(cosine >= 0.99 && cosine < 1.0, $"'{Texts[i]}': int8 vs fp32 cosine {cosine}");
        }
    }

    [Fact]
    public void Int8_similarity_ranks_like_fp32()
    {
        CliResult fp32 = Cli.Run(["similarity", "--format", "json", .. Texts]);
        CliResult int8 = Cli.Run(["similarity", "--format", "json", "--precision", "int8", .. Texts]);
        Assert.True(fp32.ExitCode == 0 && int8.ExitCode == 0, fp32.Error + int8.Error);
        double[] a = Numbers(fp32.Output), b = Numbers(int8.Output);
        Assert.Equal(a.Length, b.Length);
        Assert.True(a.Zip(b).All(p => System.Math.Abs(p.First - p.Second) < 0.02), $"fp32 {fp32.Output} vs int8 {int8.Output}");
    }

    [Theory]
    [InlineData("embed --precision int4 x", "--precision must be one of fp32, int8, not 'int4'")]
    [InlineData("embed --precision INT8 x", "--precision must be one of fp32, int8, not 'INT8'")]
    [InlineData("embed --model bert-tiny --weights none.safetensors --precision int8 x", "model 'bert-tiny' is compiled in fp32 only, not int8")]
    [InlineData("quantize --model bert-tiny --weights none.safetensors --output out.safetensors", "model 'bert-tiny' is compiled in fp32 only, not int8")]
    [InlineData("quantize --output out.bin", "--output 'out.bin' must end in .safetensors")]
    public void Misuse_is_one_line(string arguments, string expected)
    {
        string line = Cli.Run(arguments.Split(' ')).AssertOneLineError(2);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void An_int8_file_implies_int8_is_refused_in_fp32_and_as_a_source_to_quantize()
    {
        using var folder = new TemporaryFolder();
        string file = folder.File("minilm.int8.safetensors");
        Assert.Equal(0, Cli.Run("quantize", "-o", file).ExitCode);
        Assert.Contains("holds int8 weights: it runs in int8 only", Cli.Run("embed", "--precision", "fp32", "--weights", file, "x").AssertOneLineError(2));

        // Through a symbolic link (how a HuggingFace hub cache holds files): the file's length, not the link's.
        string link = folder.File("linked.safetensors");
        File.CreateSymbolicLink(link, file);
        CliResult linked = Cli.Run("embed", "--weights", link, "x");
        Assert.True(linked.ExitCode == 0, linked.Error);

        // Without --precision an int8 file means int8: the same answer as asking for it.
        CliResult implied = Cli.Run("embed", "--weights", file, "x");
        Assert.True(implied.ExitCode == 0, implied.Error);
        Assert.Equal(Cli.Run("embed", "--precision", "int8", "--weights", file, "x").Output, implied.Output);
        Assert.Contains("is already quantised to int8", Cli.Run("quantize", "--weights", file, "-o", folder.File("again.safetensors")).AssertOneLineError(2));
    }

    [Fact]
    public void An_encoder_takes_the_encoder_of_a_classifiers_int8_file()
    {
        // What finetune then quantize write: an encoder under bert.-prefixed names, the pooler and a classifier head,
        // every linear int8. MiniLM (no heads) leaves the head out, as it does for the fp32 checkpoint. The encoder is
        // a seeded one, not the package's, so an embed that ignored the file would not match.
        using var folder = new TemporaryFolder();
        string checkpoint = folder.File("classifier.safetensors"), int8File = folder.File("classifier.int8.safetensors");
        using (var model = new BertGen.Models.MiniLmL6Classifier())
        {
            model.InitializeParameters(seed: 7);
            BertGen.Runtime.Weights.ParameterSaver.SaveSafetensors(checkpoint, BertGen.Models.MiniLmL6Classifier.ParameterTable, model.Parameters.AsSpan());
        }

        CliResult quantize = Cli.Run("quantize", "--model", "minilm-l6-classifier", "--weights", checkpoint, "-o", int8File);
        Assert.True(quantize.ExitCode == 0, quantize.Error);

        // The same encoder weights quantised the same way: the fp32 checkpoint's encoder quantised at load, to the byte.
        CliResult fromInt8File = Cli.Run(["embed", "--weights", int8File, .. Texts]);
        CliResult quantisedAtLoad = Cli.Run(["embed", "--precision", "int8", "--weights", checkpoint, .. Texts]);
        Assert.True(fromInt8File.ExitCode == 0 && quantisedAtLoad.ExitCode == 0, fromInt8File.Error + quantisedAtLoad.Error);
        Assert.Equal(quantisedAtLoad.Output, fromInt8File.Output);
        Assert.NotEqual(Cli.Run(["embed", "--precision", "int8", .. Texts]).Output, fromInt8File.Output);

        // The classifier itself still reads its head from the file.
        CliResult classified = Cli.Run("classify", "--checkpoint", int8File, "Jesus wept.");
        Assert.True(classified.ExitCode == 0, classified.Error);
    }

    [Fact]
    public void A_damaged_int8_weights_file_is_one_line_naming_the_damage()
    {
        using var folder = new TemporaryFolder();
        string file = folder.File("minilm.int8.safetensors");
        Assert.Equal(0, Cli.Run("quantize", "-o", file).ExitCode);
        byte[] bytes = File.ReadAllBytes(file);

        // Cut short: the word embeddings, first in the file, end past its end.
        string truncated = folder.File("truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains("the file is truncated", Cli.Run("embed", "--precision", "int8", "--weights", truncated, "x").AssertOneLineError(1));

        // A NaN in a word-embedding row: read in place from the file, so scanned there, not by the copying loader.
        ulong headerLength = System.BitConverter.ToUInt64(bytes, 0);
        using (var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)))
        {
            long start = header.RootElement.GetProperty("embeddings.word_embeddings.weight").GetProperty("data_offsets")[0].GetInt64();
            long at = 8 + (long)headerLength + start + (4L * ((384 * 1000) + 7));
            System.BitConverter.GetBytes(float.NaN).CopyTo(bytes, at);
        }

        string poisoned = folder.File("nan.safetensors");
        File.WriteAllBytes(poisoned, bytes);
        Assert.Contains("'embeddings.word_embeddings.weight' holds NaN at [1000, 7]", Cli.Run("embed", "--precision", "int8", "--weights", poisoned, "x").AssertOneLineError(1));
        Assert.Contains("does not exist", Cli.Run("quantize", "-o", Path.Combine(folder.Path, "no-such-folder", "x.safetensors")).AssertOneLineError(1));
    }

    [Fact]
    public void A_read_only_output_file_is_refused_and_kept()
    {
        // The int8 file is renamed over the target when whole, which replaced a read-only file silently (root or not).
        using var folder = new TemporaryFolder();
        string kept = folder.File("kept.safetensors");
        File.WriteAllText(kept, "keep me");
        File.SetAttributes(kept, FileAttributes.ReadOnly);

        Assert.Equal($"bertgen: error: cannot write '{kept}': the file there is read-only; make it writable to replace it, or choose another file",
            Cli.Run("quantize", "-o", kept).AssertOneLineError(1));
        Assert.Equal("keep me", File.ReadAllText(kept));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Another_models_int8_file_is_named_in_the_error_and_is_no_start_for_training()
    {
        // bert-tiny's weights as an int8 file, hand-quantised (bert-tiny compiles no int8, so quantize cannot write it).
        // Its tensor shapes are found wrong while loading, when only the tensor used to be named: which file was it?
        using var folder = new TemporaryFolder();
        string file = folder.File("bert-tiny.int8.safetensors");
        using (var model = new BertGen.Models.BertTiny())
        {
            model.InitializeParameters(seed: 3);
            string[] linear = [.. BertGen.Models.BertTiny.ParameterTable.Where(p => p.Shape.Length == 2 && !p.Name.Contains("embeddings", StringComparison.Ordinal)).Select(p => p.Name)];
            BertGen.Runtime.Weights.QuantizedWeightsFile.Save(file, BertGen.Models.BertTiny.ParameterTable, model.Parameters.AsSpan(), linear);
        }

        Assert.Contains($"weights file '{file}': int8 tensor 'encoder.layer.0.attention.self.query.weight' has shape [128, 128]",
            Cli.Run("embed", "--weights", file, "x").AssertOneLineError(1));
        Assert.Contains($"checkpoint '{file}' does not fit model 'minilm-l6-classifier'", Cli.Run("classify", "-c", file, "x").AssertOneLineError(1));
        // Given by a detour through "..": shown as every message shows a path (ShownPath), not as typed.
        string detour = Path.Combine(folder.Path, "..", Path.GetFileName(folder.Path), Path.GetFileName(file));
        Assert.Contains($"--init '{file}' holds int8 weights", Cli.Run("finetune", "--init", detour, "--checkpoints", folder.File("run")).AssertOneLineError(2));
        Assert.False(Directory.Exists(folder.File("run")));

        // Cut short, as a checkpoint: the classifier reads its recorded labels first, and says which file is damaged.
        string truncated = folder.File("truncated.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(truncated, bytes[..^1]);
        Assert.Contains($"checkpoint '{truncated}': tensor ", Cli.Run("classify", "-c", truncated, "x").AssertOneLineError(1));
    }

    [Fact]
    public void Quantize_refuses_to_write_over_the_weights_it_reads()
    {
        // Written beside and renamed over the target, the fp32 weights would be replaced by their int8 copy. Refused before
        // any weights are read, so a stand-in file does (only the path matters), as does a link that ends at it.
        using var folder = new TemporaryFolder();
        string weights = folder.File("model.safetensors"), link = folder.File("link.safetensors");
        BertGen.Runtime.Weights.ParameterSaver.SaveSafetensors(weights, [new BertGen.Runtime.ParameterInfo("x", 0, [1], BertGen.Runtime.ParameterKind.Bias)], [1f]);
        File.CreateSymbolicLink(link, weights);
        byte[] before = File.ReadAllBytes(weights);

        Assert.Contains("is the weights file being read; writing it would replace that file",
            Cli.Run("quantize", "--model", "minilm-l6", "--weights", weights, "-o", weights).AssertOneLineError(2));
        Assert.Contains($"is the weights file being read ('{link}')", Cli.Run("quantize", "--model", "minilm-l6", "--weights", link, "-o", weights).AssertOneLineError(2));
        Assert.Equal(before, File.ReadAllBytes(weights));
    }

    [Fact]
    public void An_interrupted_quantize_leaves_the_folder_as_it_was()
    {
        // Ctrl-C while writing: the file there before stays, and the hidden temporary file it was written through is gone.
        using var folder = new TemporaryFolder();
        string target = folder.File("minilm.int8.safetensors");
        File.WriteAllText(target, "the file there before");
        string line = Cli.RunInterrupted("quantize", "-o", target).AssertOneLineError(130);
        Assert.Equal($"bertgen: error: interrupted: '{target}' was not written; the file there before is as it was", line);
        Assert.Equal([target], Directory.GetFileSystemEntries(folder.Path));
        Assert.Equal("the file there before", File.ReadAllText(target));
    }

    private static double[] Numbers(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var values = new List<double>();
        void Walk(System.Text.Json.JsonElement e)
        {
            switch (e.ValueKind)
            {
                case System.Text.Json.JsonValueKind.Number: values.Add(e.GetDouble()); break;
                case System.Text.Json.JsonValueKind.Array: foreach (var x in e.EnumerateArray()) { Walk(x); } break;
                case System.Text.Json.JsonValueKind.Object: foreach (var p in e.EnumerateObject()) { Walk(p.Value); } break;
            }
        }

        Walk(document.RootElement);
        return values.ToArray();
    }
}
