using System;
using System.Collections.Generic;

namespace BertGen.TorchOracle.Tests;

/// <summary>
/// BERT's forward pass and pretraining loss as plain loops in double, written from the formulas in REFERENCE.md
/// section 1 and sharing no code with <see cref="TorchBert"/>: linear weights are indexed <c>W[o·in + i]</c>,
/// padded keys are left out of the softmax rather than given a large negative score, and the MLM decoder reads
/// the word-embedding rows directly. It is the independent check of TorchBert's layouts, mask and activations.
/// </summary>
internal sealed class ScalarBertReference
{
    private readonly TorchBertConfig _c;
    private readonly IReadOnlyDictionary<string, ParameterTensor> _p;
    private readonly string _prefix;

    public ScalarBertReference(TorchBertConfig config, IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        _c = config;
        _p = parameters;
        _prefix = config.Head == BertHead.None ? string.Empty : "bert.";
    }

    /// <summary>[B][S][H] last-layer output.</summary>
    public double[][][] Sequence(BertInputs inputs)
    {
        var result = new double[inputs.BatchSize][][];
        for (int b = 0; b < inputs.BatchSize; b++)
        {
            result[b] = EncodeOne(inputs, b);
        }

        return result;
    }

    /// <summary>[H] tanh(W·x[CLS] + b).</summary>
    public double[] Pooled(double[][] sequence)
    {
        double[] pooled = Dense(sequence[0], _prefix + "pooler.dense");
        for (int i = 0; i < pooled.Length; i++)
        {
            pooled[i] = Math.Tanh(pooled[i]);
        }

        return pooled;
    }

    /// <summary>MLM loss (original BERT normalisation), NSP loss.</summary>
    public (double MaskedLm, double NextSentence) PretrainingLosses(BertInputs inputs)
    {
        double[][][] sequence = Sequence(inputs);
        int predictions = inputs.MaskedLmPositions!.Length / inputs.BatchSize;
        float[] embedding = _p[_prefix + "embeddings.word_embeddings.weight"].Values;
        float[] decoderBias = _p["cls.predictions.bias"].Values;
        double weighted = 0;
        double weightSum = 0;
        double nsp = 0;
        for (int b = 0; b < inputs.BatchSize; b++)
        {
            for (int k = 0; k < predictions; k++)
            {
                int slot = b * predictions + k;
                double[] t = Dense(sequence[b][inputs.MaskedLmPositions[slot]], "cls.predictions.transform.dense");
                for (int i = 0; i < t.Length; i++)
                {
                    t[i] = Activate(t[i]);
                }

                t = LayerNorm(t, "cls.predictions.transform.LayerNorm");

                // Tied decoder: logit[v] = Σ_i t[i]·E[v, i] + bias[v].
                var logits = new double[_c.VocabSize];
                for (int v = 0; v < _c.VocabSize; v++)
                {
                    double sum = decoderBias[v];
                    for (int i = 0; i < _c.HiddenSize; i++)
                    {
                        sum += t[i] * embedding[v * _c.HiddenSize + i];
                    }

                    logits[v] = sum;
                }

                double w = inputs.MaskedLmWeights![slot];
                weighted += w * CrossEntropy(logits, inputs.MaskedLmIds![slot]);
                weightSum += w;
            }

            double[] nspLogits = Dense(Pooled(sequence[b]), "cls.seq_relationship");
            nsp += CrossEntropy(nspLogits, inputs.NextSentenceLabels![b]);
        }

        return (weighted / (weightSum + 1e-5), nsp / inputs.BatchSize);
    }

    private double[][] EncodeOne(BertInputs inputs, int b)
    {
        int s = inputs.SequenceLength;
        int h = _c.HiddenSize;
        int heads = _c.NumHeads;
        int d = h / heads;
        string e = _prefix + "embeddings.";
        var x = new double[s][];
        for (int t = 0; t < s; t++)
        {
            int id = inputs.InputIds[b * s + t];
            int type = inputs.TokenTypeIds![b * s + t];
            var row = new double[h];
            for (int i = 0; i < h; i++)
            {
                // Widen before adding: float + float would round the sum to float.
                row[i] = (double)_p[e + "word_embeddings.weight"].Values[id * h + i]
                         + _p[e + "position_embeddings.weight"].Values[t * h + i]
                         + _p[e + "token_type_embeddings.weight"].Values[type * h + i];
            }

            x[t] = LayerNorm(row, e + "LayerNorm");
        }

        for (int l = 0; l < _c.NumLayers; l++)
        {
            string layer = $"{_prefix}encoder.layer.{l}.";
            var q = new double[s][];
            var k = new double[s][];
            var v = new double[s][];
            for (int t = 0; t < s; t++)
            {
                q[t] = Dense(x[t], layer + "attention.self.query");
                k[t] = Dense(x[t], layer + "attention.self.key");
                v[t] = Dense(x[t], layer + "attention.self.value");
            }

            var next = new double[s][];
            for (int t = 0; t < s; t++)
            {
                var context = new double[h];
                for (int head = 0; head < heads; head++)
                {
                    // Softmax over the real keys only; padded keys get probability exactly 0.
                    var scores = new double[s];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < s; j++)
                    {
                        if (inputs.AttentionMask![b * s + j] == 0)
                        {
                            continue;
                        }

                        double dot = 0;
                        for (int i = 0; i < d; i++)
                        {
                            dot += q[t][head * d + i] * k[j][head * d + i];
                        }

                        scores[j] = dot / Math.Sqrt(d);
                        max = Math.Max(max, scores[j]);
                    }

                    double total = 0;
                    var weights = new double[s];
                    for (int j = 0; j < s; j++)
                    {
                        weights[j] = inputs.AttentionMask![b * s + j] == 0 ? 0.0 : Math.Exp(scores[j] - max);
                        total += weights[j];
                    }

                    for (int j = 0; j < s; j++)
                    {
                        for (int i = 0; i < d; i++)
                        {
                            context[head * d + i] += weights[j] / total * v[j][head * d + i];
                        }
                    }
                }

                double[] attention = Dense(context, layer + "attention.output.dense");
                for (int i = 0; i < h; i++)
                {
                    attention[i] += x[t][i];
                }

                attention = LayerNorm(attention, layer + "attention.output.LayerNorm");
                double[] intermediate = Dense(attention, layer + "intermediate.dense");
                for (int i = 0; i < intermediate.Length; i++)
                {
                    intermediate[i] = Activate(intermediate[i]);
                }

                double[] output = Dense(intermediate, layer + "output.dense");
                for (int i = 0; i < h; i++)
                {
                    output[i] += attention[i];
                }

                next[t] = LayerNorm(output, layer + "output.LayerNorm");
            }

            x = next;
        }

        return x;
    }

    // y[o] = Σ_i W[o, i]·x[i] + b[o], W stored [out, in] row-major.
    private double[] Dense(double[] x, string name)
    {
        ParameterTensor w = _p[name + ".weight"];
        float[] bias = _p[name + ".bias"].Values;
        int outputs = w.Shape[0];
        int inputs = w.Shape[1];
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < inputs; i++)
            {
                sum += w.Values[o * inputs + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    private double[] LayerNorm(double[] x, string name)
    {
        float[] gamma = _p[name + ".weight"].Values;
        float[] beta = _p[name + ".bias"].Values;
        double mean = 0;
        foreach (double value in x)
        {
            mean += value;
        }

        mean /= x.Length;
        double variance = 0;
        foreach (double value in x)
        {
            variance += (value - mean) * (value - mean);
        }

        variance /= x.Length;
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] - mean) / Math.Sqrt(variance + _c.LayerNormEps) * gamma[i] + beta[i];
        }

        return y;
    }

    private double Activate(double x) => _c.HiddenAct switch
    {
        BertActivation.GeluErf => 0.5 * x * (1.0 + Erf(x / Math.Sqrt(2.0))),
        BertActivation.GeluTanh => 0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x))),
        BertActivation.Relu => Math.Max(0.0, x),
        _ => throw new ArgumentOutOfRangeException(nameof(x)),
    };

    private static double CrossEntropy(double[] logits, int label)
    {
        double max = double.NegativeInfinity;
        foreach (double z in logits)
        {
            max = Math.Max(max, z);
        }

        double sum = 0;
        foreach (double z in logits)
        {
            sum += Math.Exp(z - max);
        }

        return max + Math.Log(sum) - logits[label];
    }

    /// <summary>
    /// erf by its Maclaurin series Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)) · 2/√π for |x| ≤ 3 (terms fall below 1e-17 well
    /// before n = 60), and by the continued fraction of erfc beyond; .NET has no Math.Erf.
    /// </summary>
    internal static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax <= 3.0)
        {
            double term = x;
            double sum = x;
            for (int n = 1; n < 100; n++)
            {
                term *= -x * x / n;
                double contribution = term / (2 * n + 1);
                sum += contribution;
                if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return 2.0 / Math.Sqrt(Math.PI) * sum;
        }

        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up.
        double fraction = ax;
        for (int n = 60; n >= 1; n--)
        {
            fraction = ax + n / 2.0 / fraction;
        }

        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / fraction;
        return Math.Sign(x) * (1.0 - erfc);
    }
}
