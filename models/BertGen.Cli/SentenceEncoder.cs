using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Cli.HuggingFace;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;
using BertGen.Text;

namespace BertGen.Cli;

/// <summary>What a command asked for: a model name and, optionally, its own weights and vocabulary.</summary>
/// <param name="Model">A pretrained name (<c>minilm</c>, <c>arctic-xs</c>) or a compiled model's name.</param>
/// <param name="WeightsPath">A <c>.safetensors</c> or HuggingFace <c>.onnx</c> file; required for models without pretrained weights.</param>
/// <param name="VocabularyPath">A WordPiece vocabulary, one token per line; defaults to the package's (uncased BERT).</param>
/// <param name="Threads">Compute threads; null for one per core.</param>
/// <param name="ModelDirectory">A HuggingFace model folder instead of <paramref name="Model"/>, weights and vocabulary.</param>
internal sealed record EncoderOptions(string Model, string? WeightsPath, string? VocabularyPath, int? Threads, string? ModelDirectory = null, ComputePrecision? Precision = null);

/// <summary>
/// A compiled model with real weights and its tokenizer, ready to embed sentences. Opening resolves the
/// names and reads the vocabulary (fast); <see cref="LoadWeights"/> does the slow part, so it can run under
/// a progress display.
/// </summary>
internal sealed class SentenceEncoder : IDisposable
{
    private readonly ModelDescriptor _architecture;
    private readonly PretrainedChoice? _pretrained;
    private readonly string? _weightsPath;
    private readonly int? _threads;
    private readonly ComputePrecision _precision;
    private readonly bool _int8File;
    private ComputePool? _pool;
    private IBertModel? _model;

    private SentenceEncoder(ModelDescriptor architecture, PretrainedChoice? pretrained, string? weightsPath, EncoderOptions options, bool int8File,
        BertWordPieceTokenizer tokenizer, PoolingMode defaultPooling, string description, string id, (int Tokens, string Reason)? modelLimit,
        IReadOnlyList<string> labels)
    {
        _architecture = architecture;
        _pretrained = pretrained;
        _weightsPath = weightsPath;
        _threads = options.Threads;
        _precision = options.Precision ?? ComputePrecision.Fp32;
        _int8File = int8File;
        Tokenizer = tokenizer;
        DefaultPooling = defaultPooling;
        Description = description;
        Id = id;
        Labels = labels;
        int compiled = architecture.Shapes.Max(s => s.Sequence);
        (MaxTokens, TruncationReason) = modelLimit is (int limit, string reason) && limit <= compiled
            ? (limit, reason)
            : (compiled, "the largest compiled sequence");
    }

    /// <summary>What the model is called in answers (<c>/info</c>): the pretrained model's name, the folder's or the weights file's.</summary>
    public string Id { get; }

    /// <summary>The classifier's label names in output order (a model without a sequence classifier has the spec's defaults, unused).</summary>
    public IReadOnlyList<string> Labels { get; }

    public BertWordPieceTokenizer Tokenizer { get; }

    /// <summary>The pooling the model was trained with (mean for compiled models without pretrained weights).</summary>
    public PoolingMode DefaultPooling { get; }

    /// <summary>e.g. <c>all-MiniLM-L6-v2 on MiniLmL6</c>.</summary>
    public string Description { get; }

    /// <summary>The longest input, special tokens included: the model's own limit, within the largest compiled sequence.</summary>
    public int MaxTokens { get; }

    /// <summary>Why <see cref="MaxTokens"/> is the limit, for the truncation warning.</summary>
    public string TruncationReason { get; }

    /// <summary>The weights file read (<c>--weights</c>, <c>--checkpoint</c> or the folder's), or null for a pretrained package.</summary>
    public string? WeightsPath => _weightsPath;

    /// <summary>The compiled model the weights go into.</summary>
    public ModelDescriptor Architecture => _architecture;

    /// <summary>What the forward passes compute in (<c>--precision</c>).</summary>
    public ComputePrecision Precision => _precision;

    /// <summary>The loaded model; valid after <see cref="LoadWeights"/>.</summary>
    public IBertModel Model => _model ?? throw new InvalidOperationException("LoadWeights has not run.");

    public static SentenceEncoder Open(EncoderOptions options)
    {
        if (options.Threads is int threads && (threads < 1 || threads > 1024))
        {
            throw new CliUsageException($"--threads must be between 1 and 1024, not {threads}");
        }

        if (options.ModelDirectory is not null)
        {
            return OpenFolder(options);
        }

        PretrainedChoice? pretrained = ModelCatalog.FindPretrained(options.Model);
        ModelDescriptor architecture = pretrained?.Architecture
            ?? ModelCatalog.FindCompiled(options.Model)
            ?? throw new CliUsageException(Directory.Exists(options.Model)
                ? $"--model '{options.Model}' is a folder, not a model's name; a HuggingFace model folder is given with --model-dir"
                : $"unknown model '{options.Model}'; choose one of: {ModelCatalog.AllNames}");
        (ComputePrecision precision, bool int8File) = ComputePrecision.For(options.Precision, options.WeightsPath, architecture);
        options = options with { Precision = precision };
        if (pretrained is null && options.WeightsPath is null)
        {
            throw new CliUsageException(
                $"model '{ModelCatalog.CliName(architecture)}' has no pretrained weights; pass --weights FILE (.safetensors or .onnx), or use --model {string.Join(" or ", ModelCatalog.Pretrained.Select(p => p.Name))}");
        }

        if (options.WeightsPath is not null)
        {
            string extension = Path.GetExtension(options.WeightsPath);
            if (!extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliUsageException($"weights file '{options.WeightsPath}' must end in .safetensors or .onnx");
            }

            if (InputFiles.Problem(options.WeightsPath, "weights") is string problem)
            {
                throw new CliFailureException(problem);
            }

            CheckpointWeights.RequireNotOptimizerState(options.WeightsPath, "--weights");
        }

        BertVocabulary vocabulary = options.VocabularyPath is not null
            ? BertVocabulary.Load(options.VocabularyPath)
            : PackageVocabulary(pretrained?.Package ?? PretrainedModel.MiniLmL6V2);
        if (vocabulary.Count != architecture.VocabSize)
        {
            throw new CliFailureException(
                $"vocabulary '{options.VocabularyPath ?? "(package)"}' has {vocabulary.Count} tokens but model '{ModelCatalog.CliName(architecture)}' has a vocabulary of {architecture.VocabSize}");
        }

        string source = options.WeightsPath is not null ? $"'{ShownPath.Of(options.WeightsPath)}'" : pretrained!.Package.Name;
        return new SentenceEncoder(architecture, pretrained, options.WeightsPath, options, int8File,
            TokenizerFor(vocabulary, pretrained), pretrained?.Pooling ?? PoolingMode.Mean,
            $"{source} on {architecture.Name}",
            options.WeightsPath is not null ? Path.GetFileNameWithoutExtension(options.WeightsPath) : pretrained!.Package.Name,
            pretrained is null ? null : (pretrained.MaxTokens, $"{pretrained.Package.Name}'s limit, as sentence-transformers truncates it"),
            architecture.Labels);
    }

    /// <summary>
    /// A pretrained package's model is a HuggingFace model, whose fast tokenizer (what sentence-transformers runs) finds
    /// <c>[SEP]</c>, <c>[MASK]</c>, … written in a text (<see cref="AddedToken.BertSpecialTokens"/>, as its
    /// <c>tokenizer.json</c> lists them), reads a word of more than 100 characters as <c>[UNK]</c> (its
    /// <c>max_input_chars_per_word</c>) and leaves U+2B820–U+2B91F inside words (its CJK ranges); a compiled model's own
    /// weights keep Google's tokenisation, in which they are ordinary text, words of up to 200 characters are split and
    /// those ideographs spaced out.
    /// </summary>
    private static BertWordPieceTokenizer TokenizerFor(BertVocabulary vocabulary, PretrainedChoice? pretrained) => pretrained is null
        ? BertWordPieceTokenizer.Create(vocabulary)
        : BertWordPieceTokenizer.Create(
            vocabulary, BertNormalization.FromHuggingFace(lowercase: true, stripAccents: null, handleChineseCharacters: true, cleanText: true),
            HuggingFaceTokenizerFile.DefaultMaxInputCharsPerWord, AddedToken.BertSpecialTokens);

    /// <summary>A HuggingFace folder on the compiled model that has its architecture (or a usage error naming the difference).</summary>
    private static SentenceEncoder OpenFolder(EncoderOptions options)
    {
        if (options.WeightsPath is not null || options.VocabularyPath is not null)
        {
            throw new CliUsageException("--model-dir brings its own weights and tokenizer: it does not go with --weights or --vocab");
        }

        ModelFolder folder = ModelFolder.Open(options.ModelDirectory!);
        ModelDescriptor architecture = CompiledModelMatch.Find(folder.Config, options.ModelDirectory!);
        (ComputePrecision precision, bool int8File) = ComputePrecision.For(options.Precision, folder.WeightsPath, architecture);
        return new SentenceEncoder(architecture, null, folder.WeightsPath, options with { Precision = precision }, int8File,
            folder.Tokenizer, folder.Pooling ?? PoolingMode.Mean,
            $"'{folder.Directory}' on {architecture.Name}", folder.Name, (folder.MaxTokens, $"the model folder's limit"), folder.Config.Labels);
    }

    /// <summary>
    /// Allocates the model, fills its parameters from the weights and packs them for the kernels (inference-only) in
    /// <see cref="Precision"/>. An int8 weights file goes straight into the int8 kernels' layout.
    /// </summary>
    public void LoadWeights(StageTimings timings)
    {
        if (_model is not null)
        {
            return;
        }

        IBertModel model = LoadParameters(timings);
        if (!model.IsInferenceOnly)
        {
            // Embedding only runs forward passes: keep the linear weights once, in the kernels' layout for the precision.
            model.PrepareWeightsForInference(_precision.Runtime);
            timings.Mark(_precision == ComputePrecision.Int8 ? "quantise weights to int8" : "pack weights for the kernels");
        }

        _model = model;
    }

    /// <summary>
    /// Allocates the model and fills its fp32 parameters from the weights, unprepared (for <c>quantize</c>, which writes
    /// them out); an int8 weights file cannot be read back to fp32, so it is refused here.
    /// </summary>
    public IBertModel LoadFp32Parameters(StageTimings timings)
    {
        if (_int8File)
        {
            throw new CliUsageException($"weights file '{ShownPath.Of(_weightsPath!)}' is already quantised to int8; give the fp32 weights it was made from");
        }

        return LoadParameters(timings);
    }

    // The int8 weights file comes prepared (inference-only in int8); everything else leaves the model's fp32 parameters filled.
    private IBertModel LoadParameters(StageTimings timings)
    {
        _pool ??= _threads is int threads ? new ComputePool(threads) : null;
        IBertModel model = _architecture.Create(_pool);
        timings.Mark("allocate model");
        try
        {
            Span<float> buffer = model.Parameters.AsSpan();
            if (_int8File && _weightsPath is not null)
            {
                ParameterLoader.LoadInt8(model, _weightsPath);
                timings.Mark("load int8 weights file");
            }
            else if (_weightsPath is not null)
            {
                if (Path.GetExtension(_weightsPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase))
                {
                    ParameterLoader.LoadOnnx(_weightsPath, model.ParameterTable, buffer);
                    timings.Mark("load ONNX file");
                }
                else
                {
                    LoadSafetensors(_weightsPath, model, buffer);
                    timings.Mark("load safetensors file");
                }
            }
            else
            {
                LoadPackage(_pretrained!.Package, model.ParameterTable, buffer, timings);
            }
        }
        catch (WeightFileException e) when (_weightsPath is not null)
        {
            model.Dispose();
            throw WeightsFileErrors.Named(e, "weights file", _weightsPath);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    public void Dispose()
    {
        _model?.Dispose();
        _pool?.Dispose();
    }

    /// <summary>
    /// A safetensors file into the buffer. A sentence-transformers export may leave out the pooler of an encoder-only model
    /// (nothing a sentence embedding uses reads it): its parameters then stay zero.
    /// </summary>
    private static void LoadSafetensors(string path, IBertModel model, Span<float> buffer)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        bool hasPooler = reader.Tensors.Any(t => IsPooler(t.Name));
        IReadOnlyList<ParameterInfo> expected = hasPooler ? model.ParameterTable : model.ParameterTable.Where(p => !IsPooler(p.Name)).ToList();
        ParameterLoader.Load(reader.Tensors, expected, buffer);
    }

    private static bool IsPooler(string name) => HuggingFaceNames.Canonical(name).StartsWith("pooler.", StringComparison.Ordinal);

    private static BertVocabulary PackageVocabulary(PretrainedModel package)
    {
        using PretrainedPackage opened = PretrainedPackage.Open(package);
        return BertVocabulary.Parse(opened.ReadVocabularyText(), $"{package.Name} vocabulary");
    }

    /// <summary>
    /// A package's ONNX export into the parameter buffer. An export without a pooler (arctic-embed-xs) leaves
    /// the pooler's parameters zero: it is read by nothing a sentence embedding uses.
    /// </summary>
    private static void LoadPackage(PretrainedModel package, IReadOnlyList<ParameterInfo> table, Span<float> buffer, StageTimings timings)
    {
        // The ONNX bytes stay in the mapped DLL (no 90 MB copy); the tensors point into it until the load is done.
        using PretrainedPackage opened = PretrainedPackage.Open(package);
        ReadOnlyMemory<byte> onnx = opened.ViewModelOnnx();
        timings.Mark("read package");
        IReadOnlyList<WeightTensor> tensors = OnnxBertImporter.Import(OnnxReader.Read(onnx));
        timings.Mark("parse and import ONNX");
        IReadOnlyList<ParameterInfo> expected = package.PoolerOutputName is null ? table.Where(p => !IsPooler(p.Name)).ToList() : table;
        ParameterLoader.Load(tensors, expected, buffer);
        timings.Mark("copy parameters");
    }
}
