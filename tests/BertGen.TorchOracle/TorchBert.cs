using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertGen.TorchOracle;

/// <summary>
/// HuggingFace BERT written out in libtorch tensor operations, so that autograd gives an independent reference
/// for BertGen's forward values and gradients. Every parameter is a leaf tensor requiring grad, keyed by its
/// HuggingFace name; dropout is off (the model is deterministic). Linear layers are spelled x·Wᵀ + b with W
/// stored <c>[out, in]</c>, LayerNorm and GELU are written from their formulas, and the MLM decoder is the word
/// embedding matrix itself, so its gradient collects both the lookup and the decoder contributions.
/// </summary>
public sealed class TorchBert : IDisposable
{
    private readonly TorchBertConfig _config;
    private readonly MaskedLmNormalisation _maskedLmNormalisation;
    private readonly string _prefix;
    private readonly Dictionary<string, Parameter> _parameters = new(StringComparer.Ordinal);
    private readonly List<string> _names = new();

    /// <param name="config">Architecture and head.</param>
    /// <param name="parameters">Every tensor of <see cref="BertParameterLayout.For"/>, by HuggingFace name. Older
    /// <c>LayerNorm.gamma/beta</c> names and an <c>embeddings.position_ids</c> buffer are accepted; a
    /// <c>cls.predictions.decoder.weight</c> or <c>.bias</c> is accepted only if equal to the tensor it is tied to.</param>
    /// <param name="dtype"><see cref="ScalarType.Float64"/> for gradient checks, <see cref="ScalarType.Float32"/> to mirror fp32 kernels.</param>
    /// <param name="maskedLmNormalisation">How weighted MLM cross-entropies are averaged.</param>
    public TorchBert(
        TorchBertConfig config,
        IReadOnlyDictionary<string, ParameterTensor> parameters,
        ScalarType dtype = ScalarType.Float64,
        MaskedLmNormalisation maskedLmNormalisation = MaskedLmNormalisation.OriginalBert)
    {
        config.Validate();
        if (dtype != ScalarType.Float64 && dtype != ScalarType.Float32)
        {
            throw new TorchOracleException($"dtype {dtype} is not Float32 or Float64");
        }

        _config = config;
        Dtype = dtype;
        _maskedLmNormalisation = maskedLmNormalisation;
        _prefix = BertParameterLayout.EncoderPrefix(config.Head);

        Dictionary<string, ParameterTensor> given = Canonicalise(parameters);
        foreach ((string name, int[] shape) in BertParameterLayout.For(config))
        {
            if (!given.Remove(name, out ParameterTensor? tensor))
            {
                throw new TorchOracleException($"parameter '{name}' is missing");
            }

            if (!tensor.HasShape(shape) || tensor.Values.Length != tensor.Length)
            {
                throw new TorchOracleException(
                    $"parameter '{name}' has shape {tensor.ShapeText} and {tensor.Values.Length} values, expected [{string.Join(", ", shape)}]");
            }

            using Tensor data = torch.tensor(tensor.Values, shape.Select(d => (long)d).ToArray(), dtype);
            _parameters.Add(name, new Parameter(data.clone(), requires_grad: true));
            _names.Add(name);
        }

        CheckTiedCopies(given);
        if (given.Count > 0)
        {
            throw new TorchOracleException($"parameter '{given.Keys.First()}' is not part of this configuration");
        }
    }

    public ScalarType Dtype { get; }

    public TorchBertConfig Config => _config;

    /// <summary>Parameter names in layout order.</summary>
    public IReadOnlyList<string> ParameterNames => _names;

    /// <summary>The leaf tensors, for optimisers that update them in place.</summary>
    public IEnumerable<(string Name, Parameter Tensor)> NamedParameters => _names.Select(n => (n, _parameters[n]));

    /// <summary>Reads one element (flattened row-major index) of a parameter.</summary>
    public double GetParameter(string name, long index)
    {
        Parameter p = Lookup(name, index);
        using DisposeScope scope = torch.NewDisposeScope();
        return ToDouble(p.detach().reshape(-1)[index]);
    }

    /// <summary>Overwrites one element of a parameter (for finite differences), outside autograd.</summary>
    public void SetParameter(string name, long index, double value)
    {
        Parameter p = Lookup(name, index);
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable noGrad = torch.no_grad();
        p.view(-1)[index].fill_(value);
    }

    /// <summary>All values of one parameter, row-major, in double.</summary>
    public double[] GetParameterValues(string name)
    {
        Parameter p = Lookup(name, 0);
        using DisposeScope scope = torch.NewDisposeScope();
        return p.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>Overwrites all values of one parameter (rounded to <see cref="Dtype"/>), outside autograd.</summary>
    public void SetParameterValues(string name, double[] values)
    {
        Parameter p = Lookup(name, 0);
        if (values.Length != p.numel())
        {
            throw new TorchOracleException($"{values.Length} values given for parameter '{name}' of {p.numel()} elements");
        }

        using IDisposable noGrad = torch.no_grad();
        using Tensor source = torch.tensor(values, p.shape, ScalarType.Float64);
        p.copy_(source);
    }

    /// <summary>The gradient left by the last <see cref="Run"/>, in double (zeros if the loss did not depend on it).</summary>
    public double[] GetGradient(string name)
    {
        Parameter p = Lookup(name, 0);
        using DisposeScope scope = torch.NewDisposeScope();
        Tensor? grad = p.grad;
        return grad is null ? new double[p.numel()] : grad.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>Current parameter values by name, converted to float.</summary>
    public IReadOnlyDictionary<string, float[]> Snapshot()
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string name in _names)
        {
            result.Add(name, ToFloats(_parameters[name]));
        }

        return result;
    }

    /// <summary>Forward pass, loss of the configured head, and (unless the head is None) backward to every parameter.</summary>
    public TorchBertResult Run(BertInputs inputs)
    {
        BertInputValidator.Validate(_config, inputs);
        using DisposeScope scope = torch.NewDisposeScope();
        foreach (Parameter p in _parameters.Values)
        {
            p.grad?.zero_();
        }

        int b = inputs.BatchSize;
        int s = inputs.SequenceLength;
        int h = _config.HiddenSize;
        HeadOutput head = Forward(inputs, out Tensor sequence, out Tensor pooled);

        // 3. Backward from the head's loss.
        var gradients = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (head.Loss is not null)
        {
            head.Loss.backward();
            foreach (string name in _names)
            {
                Tensor? grad = _parameters[name].grad;
                gradients.Add(name, grad is null ? new float[_parameters[name].numel()] : ToFloats(grad));
            }
        }

        return new TorchBertResult
        {
            Loss = head.Loss is null ? double.NaN : ToDouble(head.Loss),
            MaskedLmLoss = head.MaskedLmLoss is null ? null : ToDouble(head.MaskedLmLoss),
            NextSentenceLoss = head.NextSentenceLoss is null ? null : ToDouble(head.NextSentenceLoss),
            SequenceOutput = ToFloats(sequence.reshape(b, s, h)),
            PooledOutput = ToFloats(pooled),
            MaskedLmLogits = head.MaskedLmLogits is null ? null : ToFloats(head.MaskedLmLogits),
            NextSentenceLogits = head.NextSentenceLogits is null ? null : ToFloats(head.NextSentenceLogits),
            ClassifierLogits = head.ClassifierLogits is null ? null : ToFloats(head.ClassifierLogits),
            StartLogits = head.StartLogits is null ? null : ToFloats(head.StartLogits),
            EndLogits = head.EndLogits is null ? null : ToFloats(head.EndLogits),
            Gradients = gradients,
        };
    }

    /// <summary>
    /// Forward, loss and backward with the gradients left in the parameters' .grad, nothing copied out but
    /// the loss: the libtorch side of a training-step benchmark.
    /// </summary>
    public double ForwardBackward(BertInputs inputs)
    {
        BertInputValidator.Validate(_config, inputs);
        using DisposeScope scope = torch.NewDisposeScope();
        foreach (Parameter p in _parameters.Values)
        {
            p.grad?.zero_();
        }

        HeadOutput head = Forward(inputs, out _, out _);
        if (head.Loss is null)
        {
            throw new TorchOracleException("a model without a head has no loss to differentiate");
        }

        head.Loss.backward();
        return ToDouble(head.Loss);
    }

    // 1. Encoder: embeddings, L layers, pooler. 2. The configured head and its loss.
    private HeadOutput Forward(BertInputs inputs, out Tensor sequence, out Tensor pooled)
    {
        sequence = Encode(inputs);
        Tensor cls = sequence.select(1, 0);
        pooled = Linear(cls, "pooler.dense", _prefix).tanh();
        return _config.Head switch
        {
            BertHead.None => new HeadOutput(null),
            BertHead.Pretraining => Pretraining(inputs, sequence, pooled),
            BertHead.SequenceClassification => SequenceClassification(inputs, pooled),
            BertHead.TokenClassification => TokenClassification(inputs, sequence),
            BertHead.QuestionAnswering => QuestionAnswering(inputs, sequence),
            _ => throw new TorchOracleException($"unknown head {_config.Head}"),
        };
    }

    public void Dispose()
    {
        foreach (Parameter p in _parameters.Values)
        {
            p.Dispose();
        }

        _parameters.Clear();
    }

    // embeddings → LayerNorm → L × (self-attention, add & norm, FFN, add & norm). Returns [B, S, H].
    private Tensor Encode(BertInputs inputs)
    {
        long b = inputs.BatchSize;
        long s = inputs.SequenceLength;
        long h = _config.HiddenSize;
        long heads = _config.NumHeads;
        long d = _config.HeadSize;
        string e = _prefix + "embeddings.";

        // Embeddings: word[ids] + position[0..S) + token_type[types], each [B, S, H].
        Tensor ids = Longs(inputs.InputIds, b * s);
        Tensor types = Longs(inputs.TokenTypeIds ?? new int[b * s], b * s);
        Tensor positions = torch.arange(s, dtype: ScalarType.Int64);
        Tensor words = P(e + "word_embeddings.weight").index_select(0, ids).view(b, s, h);
        Tensor position = P(e + "position_embeddings.weight").index_select(0, positions).unsqueeze(0);
        Tensor type = P(e + "token_type_embeddings.weight").index_select(0, types).view(b, s, h);
        Tensor x = LayerNorm(words + position + type, e + "LayerNorm");

        // Padding mask: 0 on real keys, the dtype's most negative value on padded keys (HuggingFace's choice;
        // original BERT's −10000 gives the same probabilities), broadcast over heads and queries: [B, 1, 1, S].
        int[] mask = inputs.AttentionMask ?? Enumerable.Repeat(1, (int)(b * s)).ToArray();
        Tensor keep = torch.tensor(mask.Select(m => (double)m).ToArray(), new long[] { b, 1, 1, s }, Dtype);
        double mostNegative = Dtype == ScalarType.Float64 ? double.MinValue : float.MinValue;
        Tensor additiveMask = (1.0 - keep) * mostNegative;

        for (int l = 0; l < _config.NumLayers; l++)
        {
            string layer = $"{_prefix}encoder.layer.{l}.";

            // Q, K, V: [B, S, H] → [B, heads, S, d].
            Tensor q = Linear(x, layer + "attention.self.query").view(b, s, heads, d).permute(0, 2, 1, 3);
            Tensor k = Linear(x, layer + "attention.self.key").view(b, s, heads, d).permute(0, 2, 1, 3);
            Tensor v = Linear(x, layer + "attention.self.value").view(b, s, heads, d).permute(0, 2, 1, 3);

            // scores = Q·Kᵀ/√d + mask: [B, heads, S(query), S(key)]; softmax over keys.
            Tensor scores = q.matmul(k.transpose(-1, -2)) / Math.Sqrt(d) + additiveMask;
            Tensor probabilities = scores.softmax(-1);

            // context = P·V, heads concatenated back: [B, S, H].
            Tensor context = probabilities.matmul(v).permute(0, 2, 1, 3).reshape(b, s, h);
            Tensor attention = LayerNorm(Linear(context, layer + "attention.output.dense") + x, layer + "attention.output.LayerNorm");

            // FFN: H → I → H, residual, LayerNorm.
            Tensor intermediate = Activate(Linear(attention, layer + "intermediate.dense"));
            x = LayerNorm(Linear(intermediate, layer + "output.dense") + attention, layer + "output.LayerNorm");
        }

        return x;
    }

    private HeadOutput Pretraining(BertInputs inputs, Tensor sequence, Tensor pooled)
    {
        int b = inputs.BatchSize;
        int s = inputs.SequenceLength;
        int predictions = inputs.PredictionsPerSequence;
        int[] positions = inputs.MaskedLmPositions!;

        // Gather the predicted positions: [B·S, H] rows b·S + position → [B·P, H].
        long[] rows = new long[b * predictions];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (long)(i / predictions) * s + positions[i];
        }

        Tensor gathered = sequence.reshape(b * s, _config.HiddenSize).index_select(0, torch.tensor(rows, dtype: ScalarType.Int64));

        // Transform (dense, activation, LayerNorm), then the tied decoder: t·Eᵀ + cls.predictions.bias, [B·P, vocab].
        Tensor transformed = LayerNorm(Activate(Linear(gathered, "cls.predictions.transform.dense", string.Empty)), "cls.predictions.transform.LayerNorm");
        Tensor logits = transformed.matmul(P(_prefix + "embeddings.word_embeddings.weight").t()) + P("cls.predictions.bias");
        Tensor perPosition = CrossEntropyPerRow(logits, inputs.MaskedLmIds!);
        float[] weightValues = inputs.MaskedLmWeights ?? Enumerable.Repeat(1f, rows.Length).ToArray();
        Tensor weights = torch.tensor(weightValues, dtype: ScalarType.Float32).to_type(Dtype);
        Tensor denominator = _maskedLmNormalisation == MaskedLmNormalisation.OriginalBert ? weights.sum() + 1e-5 : weights.sum();
        Tensor maskedLmLoss = (weights * perPosition).sum() / denominator;

        // Next sentence: [B, H] → [B, 2], mean cross-entropy.
        Tensor nspLogits = Linear(pooled, "cls.seq_relationship", string.Empty);
        Tensor nspLoss = CrossEntropyPerRow(nspLogits, inputs.NextSentenceLabels!).mean();

        return new HeadOutput(maskedLmLoss + nspLoss)
        {
            MaskedLmLoss = maskedLmLoss,
            NextSentenceLoss = nspLoss,
            MaskedLmLogits = logits,
            NextSentenceLogits = nspLogits,
        };
    }

    private HeadOutput SequenceClassification(BertInputs inputs, Tensor pooled)
    {
        // Classifier on the pooled output: [B, H] → [B, num_labels]. Dropout before it is off.
        Tensor logits = Linear(pooled, "classifier", string.Empty);
        Tensor loss;
        switch (_config.Problem)
        {
            case ClassificationProblem.SingleLabel:
                loss = CrossEntropyPerRow(logits, inputs.ClassLabels!).mean();
                break;
            case ClassificationProblem.MultiLabel:
            {
                // BCE with logits, in the stable form max(z,0) − z·y + log(1 + e^−|z|), mean over all elements.
                Tensor y = Targets(inputs.TargetValues!, logits.shape);
                loss = (logits.clamp_min(0) - logits * y + (-logits.abs()).exp().log1p()).mean();
                break;
            }

            case ClassificationProblem.Regression:
            {
                Tensor y = Targets(inputs.TargetValues!, logits.shape);
                loss = (logits - y).pow(2).mean();
                break;
            }

            default:
                throw new TorchOracleException($"unknown problem type {_config.Problem}");
        }

        return new HeadOutput(loss) { ClassifierLogits = logits };
    }

    private HeadOutput TokenClassification(BertInputs inputs, Tensor sequence)
    {
        // Classifier on every token: [B·S, H] → [B·S, num_labels]; mean cross-entropy over labels that are not −100.
        int rows = inputs.BatchSize * inputs.SequenceLength;
        Tensor logits = Linear(sequence.reshape(rows, _config.HiddenSize), "classifier", string.Empty);
        int[] labels = inputs.TokenLabels!;
        long[] counted = Enumerable.Range(0, rows).Where(i => labels[i] != -100).Select(i => (long)i).ToArray();
        int[] countedLabels = counted.Select(i => labels[i]).ToArray();
        Tensor loss = CrossEntropyPerRow(logits.index_select(0, torch.tensor(counted, dtype: ScalarType.Int64)), countedLabels).mean();
        return new HeadOutput(loss) { ClassifierLogits = logits.view(inputs.BatchSize, inputs.SequenceLength, _config.NumLabels) };
    }

    private HeadOutput QuestionAnswering(BertInputs inputs, Tensor sequence)
    {
        // qa_outputs: [B, S, H] → [B, S, 2], split into start and end logits [B, S]; loss = (CE(start) + CE(end)) / 2.
        Tensor logits = Linear(sequence, "qa_outputs", string.Empty);
        Tensor start = logits.select(2, 0);
        Tensor end = logits.select(2, 1);
        Tensor loss = (CrossEntropyPerRow(start, inputs.StartPositions!).mean() + CrossEntropyPerRow(end, inputs.EndPositions!).mean()) / 2.0;
        return new HeadOutput(loss) { StartLogits = start, EndLogits = end };
    }

    // −log softmax(logits)[label] for each row of [N, C]: [N].
    private static Tensor CrossEntropyPerRow(Tensor logits, int[] labels)
    {
        Tensor index = torch.tensor(labels.Select(l => (long)l).ToArray(), new long[] { labels.Length, 1 }, ScalarType.Int64);
        return -logits.log_softmax(-1).gather(1, index).squeeze(1);
    }

    private Tensor Targets(float[] values, long[] shape) => torch.tensor(values, shape, ScalarType.Float32).to_type(Dtype);

    private Tensor Linear(Tensor x, string name, string? prefix = null)
    {
        string full = (prefix ?? string.Empty) + name;
        return x.matmul(P(full + ".weight").t()) + P(full + ".bias");
    }

    // LayerNorm over the last axis with the biased variance: (x − μ)/√(σ² + eps)·γ + β.
    private Tensor LayerNorm(Tensor x, string name)
    {
        Tensor mean = x.mean(new long[] { -1 }, keepdim: true);
        Tensor centred = x - mean;
        Tensor variance = centred.pow(2).mean(new long[] { -1 }, keepdim: true);
        return centred / (variance + _config.LayerNormEps).sqrt() * P(name + ".weight") + P(name + ".bias");
    }

    private Tensor Activate(Tensor x) => _config.HiddenAct switch
    {
        BertActivation.GeluErf => 0.5 * x * (1.0 + (x * (1.0 / Math.Sqrt(2.0))).erf()),
        BertActivation.GeluTanh => 0.5 * x * (1.0 + ((x + 0.044715 * x.pow(3)) * Math.Sqrt(2.0 / Math.PI)).tanh()),
        BertActivation.Relu => x.relu(),
        BertActivation.Silu => x * x.sigmoid(),
        _ => throw new TorchOracleException($"unknown activation {_config.HiddenAct}"),
    };

    private Parameter P(string name) => _parameters[name];

    private static Tensor Longs(int[] values, long count) =>
        torch.tensor(values.Select(v => (long)v).ToArray(), new long[] { count }, ScalarType.Int64);

    private Parameter Lookup(string name, long index)
    {
        if (!_parameters.TryGetValue(name, out Parameter? p))
        {
            throw new TorchOracleException($"parameter '{name}' does not exist");
        }

        if (index < 0 || index >= p.numel())
        {
            throw new TorchOracleException($"index {index} is outside parameter '{name}' of {p.numel()} elements");
        }

        return p;
    }

    // Conversions copy into managed memory; the intermediate tensors go with the scope.
    internal static float[] ToFloats(Tensor t)
    {
        using DisposeScope scope = torch.NewDisposeScope();
        return t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    // The element read straight from the tensor's storage, not through item<double>(), which goes through a native
    // c10::Scalar: one run of the finite-difference test (thousands of reads, machine load ~10) failed inside
    // c10::Scalar::toDouble's check ("Expected false to be true") and passed when rerun; a read from storage has no Scalar.
    private static double ToDouble(Tensor t)
    {
        using DisposeScope scope = torch.NewDisposeScope();
        return t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray()[0];
    }

    // Accepts the older spellings of a checkpoint's names and drops buffers that are not parameters.
    private Dictionary<string, ParameterTensor> Canonicalise(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        var result = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        foreach ((string name, ParameterTensor tensor) in parameters)
        {
            if (name.EndsWith("embeddings.position_ids", StringComparison.Ordinal))
            {
                continue;
            }

            string canonical = name.Replace("LayerNorm.gamma", "LayerNorm.weight", StringComparison.Ordinal)
                                   .Replace("LayerNorm.beta", "LayerNorm.bias", StringComparison.Ordinal);
            if (!result.TryAdd(canonical, tensor))
            {
                throw new TorchOracleException($"parameter '{canonical}' is given twice (under '{name}' and another spelling)");
            }
        }

        return result;
    }

    // A checkpoint may spell out the tied decoder; it must then equal what it is tied to, since the oracle cannot untie it.
    private void CheckTiedCopies(Dictionary<string, ParameterTensor> remaining)
    {
        CheckTied(remaining, "cls.predictions.decoder.weight", _prefix + "embeddings.word_embeddings.weight");
        CheckTied(remaining, "cls.predictions.decoder.bias", "cls.predictions.bias");
    }

    private void CheckTied(Dictionary<string, ParameterTensor> remaining, string copyName, string tiedTo)
    {
        if (_config.Head != BertHead.Pretraining || !remaining.Remove(copyName, out ParameterTensor? copy))
        {
            return;
        }

        float[] tied = ToFloats(_parameters[tiedTo]);
        if (!copy.Values.AsSpan().SequenceEqual(tied))
        {
            throw new TorchOracleException($"'{copyName}' differs from '{tiedTo}', but the decoder is tied to it");
        }
    }

    private sealed class HeadOutput
    {
        public HeadOutput(Tensor? loss)
        {
            Loss = loss;
        }

        public Tensor? Loss { get; }

        public Tensor? MaskedLmLoss { get; init; }

        public Tensor? NextSentenceLoss { get; init; }

        public Tensor? MaskedLmLogits { get; init; }

        public Tensor? NextSentenceLogits { get; init; }

        public Tensor? ClassifierLogits { get; init; }

        public Tensor? StartLogits { get; init; }

        public Tensor? EndLogits { get; init; }
    }
}
