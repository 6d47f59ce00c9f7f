using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using BertGen.Runtime.Weights;

namespace BertGen.Testing;

/// <summary>What <see cref="ReferenceBert.Forward"/> returns.</summary>
/// <param name="Batch">Sequences.</param>
/// <param name="Sequence">Positions per sequence.</param>
/// <param name="Hidden">Hidden size.</param>
/// <param name="LastHiddenState">[batch, sequence, hidden], row-major.</param>
/// <param name="Pooled">[batch, hidden]: tanh(dense(first token)); null when the weights have no pooler.</param>
public sealed record ReferenceBertOutput(int Batch, int Sequence, int Hidden, double[] LastHiddenState, double[]? Pooled);

/// <summary>
/// An independent, deliberately plain BERT: HuggingFace <c>BertModel</c> in inference mode (dropout is the
/// identity) and its task heads, written as scalar loops with double accumulation straight from the
/// definitions, over a name → tensor dictionary in HuggingFace layout. It is the oracle that generated
/// kernels are checked against, so clarity wins over speed everywhere; the only concession is running
/// independent rows on both cores.
/// </summary>
public sealed class ReferenceBert
{
    private readonly Dictionary<string, float[]> _weights;

    /// <summary>
    /// Builds the model from <paramref name="weights"/>, keyed by HuggingFace names with or without the
    /// <c>bert.</c> prefix (and LayerNorm gamma/beta), checking the size of every tensor the encoder needs.
    /// </summary>
    public ReferenceBert(ReferenceBertConfig config, IReadOnlyDictionary<string, float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        if (config.Hidden % config.Heads != 0)
        {
            throw new ArgumentException($"hidden size {config.Hidden} is not a multiple of {config.Heads} heads", nameof(config));
        }

        Config = config;
        _weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, float[]> item in weights)
        {
            _weights[HuggingFaceNames.Canonical(item.Key)] = item.Value;
        }

        int h = config.Hidden;
        Require("embeddings.word_embeddings.weight", (long)config.VocabSize * h);
        Require("embeddings.position_embeddings.weight", (long)config.MaxPositions * h);
        Require("embeddings.token_type_embeddings.weight", (long)config.TypeVocabSize * h);
        Require("embeddings.LayerNorm.weight", h);
        Require("embeddings.LayerNorm.bias", h);
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"encoder.layer.{l}.";
            foreach (string linear in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                Require(p + linear + ".weight", (long)h * h);
                Require(p + linear + ".bias", h);
            }

            Require(p + "intermediate.dense.weight", (long)config.Intermediate * h);
            Require(p + "intermediate.dense.bias", config.Intermediate);
            Require(p + "output.dense.weight", (long)h * config.Intermediate);
            Require(p + "output.dense.bias", h);
            foreach (string norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                Require(p + norm + ".weight", h);
                Require(p + norm + ".bias", h);
            }
        }
    }

    /// <summary>The configuration.</summary>
    public ReferenceBertConfig Config { get; }

    /// <summary>Whether the weights include the pooler.</summary>
    public bool HasPooler => _weights.ContainsKey("pooler.dense.weight");

    /// <summary>Converts loaded tensors (any source) to the dictionary this class takes.</summary>
    internal static Dictionary<string, float[]> ToDictionary(IEnumerable<WeightTensor> tensors)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (WeightTensor tensor in tensors)
        {
            if (WeightDataTypes.IsFloatingPoint(tensor.DataType))
            {
                result[tensor.Name] = tensor.ToArray();
            }
        }

        return result;
    }

    /// <summary>
    /// The encoder on <paramref name="batch"/> sequences of <paramref name="sequence"/> tokens. All inputs are
    /// [batch, sequence] row-major; <paramref name="attentionMask"/> is 1 for real tokens, 0 for padding.
    /// Position ids are 0…sequence−1, as HuggingFace uses by default.
    /// </summary>
    public ReferenceBertOutput Forward(int batch, int sequence, ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, ReadOnlySpan<long> tokenTypeIds)
    {
        int h = Config.Hidden;
        int tokens = batch * sequence;
        if (inputIds.Length != tokens || attentionMask.Length != tokens || tokenTypeIds.Length != tokens)
        {
            throw new ArgumentException($"inputs must each hold batch×sequence = {tokens} values");
        }

        if (sequence > Config.MaxPositions)
        {
            throw new ArgumentException($"sequence {sequence} exceeds {Config.MaxPositions} positions");
        }

        // Embeddings: word + position + token type, then LayerNorm.
        float[] word = W("embeddings.word_embeddings.weight");
        float[] position = W("embeddings.position_embeddings.weight");
        float[] type = W("embeddings.token_type_embeddings.weight");
        var x = new double[tokens * h];
        for (int t = 0; t < tokens; t++)
        {
            long id = inputIds[t];
            long tt = tokenTypeIds[t];
            if (id < 0 || id >= Config.VocabSize || tt < 0 || tt >= Config.TypeVocabSize)
            {
                throw new ArgumentException($"token {t} has id {id} / type {tt} outside the vocabulary");
            }

            int s = t % sequence;
            for (int i = 0; i < h; i++)
            {
                x[(t * h) + i] = (double)word[(id * h) + i] + position[(s * h) + i] + type[(tt * h) + i];
            }
        }

        x = LayerNorm(x, tokens, "embeddings.LayerNorm");

        var mask = new bool[tokens];
        for (int t = 0; t < tokens; t++)
        {
            mask[t] = attentionMask[t] != 0;
        }

        for (int l = 0; l < Config.Layers; l++)
        {
            x = EncoderLayer(x, batch, sequence, mask, $"encoder.layer.{l}.");
        }

        double[]? pooled = null;
        if (HasPooler)
        {
            // Pooler: tanh(dense(hidden state of the first token)).
            var first = new double[batch * h];
            for (int b = 0; b < batch; b++)
            {
                Array.Copy(x, b * sequence * h, first, b * h, h);
            }

            pooled = Linear(first, batch, h, "pooler.dense", h);
            for (int i = 0; i < pooled.Length; i++)
            {
                pooled[i] = Math.Tanh(pooled[i]);
            }
        }

        return new ReferenceBertOutput(batch, sequence, h, x, pooled);
    }

    /// <summary>
    /// Masked-LM logits [rows, vocab] for hidden states [rows, hidden]: transform (dense + activation +
    /// LayerNorm), then the decoder tied to the word embeddings, plus <c>cls.predictions.bias</c>.
    /// </summary>
    public double[] MaskedLmLogits(double[] hidden, int rows)
    {
        int h = Config.Hidden;
        double[] t = Linear(hidden, rows, h, "cls.predictions.transform.dense", h);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = ReferenceMath.Activate(Config.Activation, t[i]);
        }

        t = LayerNorm(t, rows, "cls.predictions.transform.LayerNorm");
        float[] embeddings = W("embeddings.word_embeddings.weight");
        float[] bias = W(HuggingFaceNames.PredictionsBias);
        int vocab = Config.VocabSize;
        var logits = new double[rows * vocab];
        Parallel.For(0, rows, r =>
        {
            for (int v = 0; v < vocab; v++)
            {
                double sum = bias[v];
                for (int i = 0; i < h; i++)
                {
                    sum += t[(r * h) + i] * embeddings[(v * h) + i];
                }

                logits[(r * vocab) + v] = sum;
            }
        });
        return logits;
    }

    /// <summary>Next-sentence logits [batch, 2] from pooled outputs; index 0 = "B follows A".</summary>
    public double[] NextSentenceLogits(double[] pooled, int batch) => Linear(pooled, batch, Config.Hidden, "cls.seq_relationship", 2);

    /// <summary>Sequence-classification logits [batch, num_labels] from pooled outputs (<c>classifier</c>).</summary>
    public double[] SequenceClassificationLogits(double[] pooled, int batch) => Linear(pooled, batch, Config.Hidden, "classifier", Config.NumLabels);

    /// <summary>Token-classification logits [rows, num_labels] from hidden states (<c>classifier</c>).</summary>
    public double[] TokenClassificationLogits(double[] hidden, int rows) => Linear(hidden, rows, Config.Hidden, "classifier", Config.NumLabels);

    /// <summary>Question-answering start and end logits, each [rows], from hidden states (<c>qa_outputs</c>, Linear(H→2)).</summary>
    public (double[] Start, double[] End) QuestionAnsweringLogits(double[] hidden, int rows)
    {
        double[] both = Linear(hidden, rows, Config.Hidden, "qa_outputs", 2);
        var start = new double[rows];
        var end = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            start[r] = both[r * 2];
            end[r] = both[(r * 2) + 1];
        }

        return (start, end);
    }

    private double[] EncoderLayer(double[] x, int batch, int sequence, bool[] mask, string prefix)
    {
        int h = Config.Hidden;
        int heads = Config.Heads;
        int d = Config.HeadSize;
        int tokens = batch * sequence;

        // Self-attention: Q, K, V projections; head n uses features [n·d, (n+1)·d).
        double[] q = Linear(x, tokens, h, prefix + "attention.self.query", h);
        double[] k = Linear(x, tokens, h, prefix + "attention.self.key", h);
        double[] v = Linear(x, tokens, h, prefix + "attention.self.value", h);
        var context = new double[tokens * h];
        double scale = 1 / Math.Sqrt(d);
        Parallel.For(0, batch * heads, bn =>
        {
            int b = bn / heads;
            int n = bn % heads;
            var p = new double[sequence];
            bool anyKey = false;
            for (int j = 0; j < sequence; j++)
            {
                anyKey |= mask[(b * sequence) + j];
            }

            for (int i = 0; i < sequence; i++)
            {
                int qRow = ((b * sequence) + i) * h;

                // scores = q·k/√d over unmasked keys; softmax with the max subtracted for stability.
                // A masked key gets probability exactly 0, which is what adding HF's most negative float
                // (or BERT's −10000) gives whenever the row has an unmasked key. A row with none gets
                // uniform weights, as adding float.MinValue to every score does in HF's float32: each sum
                // rounds to float.MinValue itself. (Until 2026-12-07 such a row took the plain softmax of its
                // scores here, the exact-arithmetic answer, which neither HF nor BertGen computes.)
                double max = double.NegativeInfinity;
                for (int j = 0; j < sequence; j++)
                {
                    if (!anyKey)
                    {
                        p[j] = 0;
                        max = 0;
                        continue;
                    }

                    if (!mask[(b * sequence) + j])
                    {
                        p[j] = double.NegativeInfinity;
                        continue;
                    }

                    int kRow = ((b * sequence) + j) * h;
                    double score = 0;
                    for (int e = 0; e < d; e++)
                    {
                        score += q[qRow + (n * d) + e] * k[kRow + (n * d) + e];
                    }

                    p[j] = score * scale;
                    max = Math.Max(max, p[j]);
                }

                double total = 0;
                for (int j = 0; j < sequence; j++)
                {
                    p[j] = double.IsNegativeInfinity(p[j]) ? 0 : Math.Exp(p[j] - max);
                    total += p[j];
                }

                // context = P·V for this head.
                for (int e = 0; e < d; e++)
                {
                    double sum = 0;
                    for (int j = 0; j < sequence; j++)
                    {
                        sum += p[j] / total * v[(((b * sequence) + j) * h) + (n * d) + e];
                    }

                    context[qRow + (n * d) + e] = sum;
                }
            }
        });

        // Attention output: dense, residual, LayerNorm.
        double[] attention = Linear(context, tokens, h, prefix + "attention.output.dense", h);
        for (int i = 0; i < attention.Length; i++)
        {
            attention[i] += x[i];
        }

        attention = LayerNorm(attention, tokens, prefix + "attention.output.LayerNorm");

        // Feed-forward: dense H→I, activation, dense I→H, residual, LayerNorm.
        double[] inner = Linear(attention, tokens, h, prefix + "intermediate.dense", Config.Intermediate);
        for (int i = 0; i < inner.Length; i++)
        {
            inner[i] = ReferenceMath.Activate(Config.Activation, inner[i]);
        }

        double[] output = Linear(inner, tokens, Config.Intermediate, prefix + "output.dense", h);
        for (int i = 0; i < output.Length; i++)
        {
            output[i] += attention[i];
        }

        return LayerNorm(output, tokens, prefix + "output.LayerNorm");
    }

    // y[r, o] = b[o] + Σᵢ x[r, i]·W[o, i], W stored [out, in] as in PyTorch's nn.Linear.
    private double[] Linear(double[] x, int rows, int inFeatures, string name, int outFeatures)
    {
        float[] weight = W(name + ".weight");
        float[] bias = W(name + ".bias");
        if (weight.Length != (long)outFeatures * inFeatures || bias.Length != outFeatures)
        {
            throw new ArgumentException($"'{name}' has {weight.Length} weights and {bias.Length} biases; expected [{outFeatures}, {inFeatures}] and [{outFeatures}]");
        }

        var y = new double[rows * outFeatures];
        Parallel.For(0, rows, r =>
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += x[(r * inFeatures) + i] * weight[(o * inFeatures) + i];
                }

                y[(r * outFeatures) + o] = sum;
            }
        });
        return y;
    }

    // (x − mean) / √(biased variance + eps) · γ + β over each row of Hidden values.
    private double[] LayerNorm(double[] x, int rows, string name)
    {
        int h = Config.Hidden;
        float[] gamma = W(name + ".weight");
        float[] beta = W(name + ".bias");
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0;
            for (int i = 0; i < h; i++)
            {
                mean += x[(r * h) + i];
            }

            mean /= h;
            double variance = 0;
            for (int i = 0; i < h; i++)
            {
                double c = x[(r * h) + i] - mean;
                variance += c * c;
            }

            variance /= h;
            double inverse = 1 / Math.Sqrt(variance + Config.LayerNormEps);
            for (int i = 0; i < h; i++)
            {
                y[(r * h) + i] = ((x[(r * h) + i] - mean) * inverse * gamma[i]) + beta[i];
            }
        }

        return y;
    }

    private float[] W(string name) =>
        _weights.TryGetValue(name, out float[]? value)
            ? value
            : throw new KeyNotFoundException($"the reference BERT needs tensor '{name}', which the weights lack");

    private void Require(string name, long length)
    {
        float[] value = W(name);
        if (value.Length != length)
        {
            throw new ArgumentException($"tensor '{name}' has {value.Length} elements; the config needs {length}");
        }
    }
}
