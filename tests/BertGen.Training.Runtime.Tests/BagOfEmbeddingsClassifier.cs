using System;
using System.Collections.Generic;
using BertGen.Runtime;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Training;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// A small but real <see cref="ITrainableModel"/> for testing the trainer before generated models exist: the mean of
/// a sequence's unmasked word embeddings, inverted dropout on that mean (masks drawn from the call's dropout seed),
/// then a linear classifier and softmax cross-entropy over rows whose class label is not −100. Gradients are
/// analytic (checked against finite differences in <see cref="BagOfEmbeddingsClassifierTests"/>), computed in
/// double and added, scaled, into the float gradient buffer. Like a generated model, its steps read a packed copy of
/// the weights that only <see cref="PrepareWeights"/> refreshes, so a trainer that forgets to call it trains on
/// stale weights and fails the tests.
/// </summary>
internal sealed class BagOfEmbeddingsClassifier : ITrainableModel
{
    private readonly ParameterInfo[] _table;
    private readonly float[] _packed;

    public BagOfEmbeddingsClassifier(int vocabSize, int hiddenSize, int classes, double dropout, ulong initSeed, string name = "BagOfEmbeddingsClassifier", int threads = 1)
    {
        Pool = new BertGen.Runtime.Threading.ComputePool(threads);
        VocabSize = vocabSize;
        HiddenSize = hiddenSize;
        Classes = classes;
        Dropout = dropout;
        Name = name;
        var table = new List<ParameterInfo>();
        long offset = 0;
        foreach ((string tensor, int[] shape, ParameterKind kind) in new[]
        {
            ("embeddings.word_embeddings.weight", new[] { vocabSize, hiddenSize }, ParameterKind.Embedding),
            ("classifier.weight", new[] { classes, hiddenSize }, ParameterKind.Weight),
            ("classifier.bias", new[] { classes }, ParameterKind.Bias),
        })
        {
            var info = new ParameterInfo(tensor, offset, shape, kind);
            table.Add(info);
            offset = (offset + info.Length + 15) / 16 * 16;
        }

        _table = table.ToArray();
        Parameters = new AlignedBuffer(offset);
        Gradients = new AlignedBuffer(offset);
        _packed = new float[offset];
        var random = new SeededRandom(initSeed);
        foreach (ParameterInfo p in _table)
        {
            if (p.Kind != ParameterKind.Bias)
            {
                Span<float> values = Parameters.Slice(p.Offset, (int)p.Length);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(0.5 * random.NextGaussian());
                }
            }
        }

        PrepareWeights();
    }

    public string Name { get; }

    public int VocabSize { get; }

    public int HiddenSize { get; }

    public int Classes { get; }

    public double Dropout { get; }

    public int TypeVocabSize => 2;

    public int MaxPositions => 512;

    public int PadTokenId => 0;

    public IReadOnlyList<ParameterInfo> ParameterTable => _table;

    public AlignedBuffer Parameters { get; }

    public AlignedBuffer Gradients { get; }

    public TrainingObjective Objective => TrainingObjective.SequenceClassification;

    public IReadOnlyList<(int Batch, int Sequence)> ShapeVariants => new[] { (8, 12), (16, 12) };

    internal ReadOnlySpan<float> Packed => _packed;

    internal long EmbeddingOffset => _table[0].Offset;

    internal long WeightOffset => _table[1].Offset;

    internal long BiasOffset => _table[2].Offset;

    public void PrepareWeights() => Parameters.AsSpan().CopyTo(_packed);

    /// <summary>HF-style initialisation through the runtime's initialiser (the constructor's own draw is kept for the tests).</summary>
    public void InitializeParameters(ulong seed) => ParameterInitializer.Initialize(ParameterTable, Parameters.AsSpan(), 0.02f, seed);

    public ITrainingStep CreateTrainingStep(int batch, int sequence) => new BagOfEmbeddingsTrainingStep(this, batch, sequence);

    public IForwardPass CreateForwardPass(int batch, int sequence) => new BagOfEmbeddingsForwardPass(this, batch, sequence);

    /// <summary>One thread unless asked for more: this model's kernels are plain loops, but the trainer's optimiser splits its step over this pool.</summary>
    public BertGen.Runtime.Threading.ComputePool Pool { get; }

    public void Dispose()
    {
        Pool.Dispose();
        Parameters.Dispose();
        Gradients.Dispose();
    }
}
