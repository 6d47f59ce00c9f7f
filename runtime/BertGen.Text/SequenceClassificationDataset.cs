using System;
using System.Collections.Generic;
using BertGen.Runtime;

namespace BertGen.Text;

/// <summary>
/// Labelled texts tokenised once into <c>[CLS] A [SEP] (B [SEP])</c> inputs of at most S tokens, with label
/// names mapped to indices in a fixed order. Training batches come from a
/// <see cref="SequenceClassificationBatchStream"/>; evaluation batches go in order, the last one padded.
/// </summary>
public sealed class SequenceClassificationDataset
{
    private readonly EncodedInput[] _inputs;
    private readonly int[] _labels;

    private SequenceClassificationDataset(EncodedInput[] inputs, int[] labels, IReadOnlyList<string> labelNames, int sequenceLength)
    {
        _inputs = inputs;
        _labels = labels;
        LabelNames = labelNames;
        SequenceLength = sequenceLength;
        foreach (EncodedInput input in inputs)
        {
            if (input.Truncated)
            {
                TruncatedCount++;
            }
        }
    }

    public IReadOnlyList<string> LabelNames { get; }
    public int SequenceLength { get; }
    public int Count => _inputs.Length;

    /// <summary>How many examples lost tokens to the sequence length (worth reporting before training).</summary>
    public int TruncatedCount { get; }

    public EncodedInput Input(int index) => _inputs[RequireIndex(index)];
    public int Label(int index) => _labels[RequireIndex(index)];

    /// <summary>Tokenises every example (truncating to <paramref name="sequenceLength"/>) and maps labels to
    /// indices in the order of <paramref name="labelNames"/>: label i of the model is <c>labelNames[i]</c>.</summary>
    /// <exception cref="TextDataException">A label is not one of <paramref name="labelNames"/>, or a text is blank for
    /// <paramref name="tokenizer"/> (<see cref="BlankText"/>: it would train as <c>[CLS] [SEP]</c>); the message names the
    /// example by its <see cref="LabelledText.Source"/> (<c>train.tsv line 3</c>), or by its index in
    /// <paramref name="examples"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="examples"/> or <paramref name="labelNames"/> is empty.</exception>
    public static SequenceClassificationDataset Create(
        IReadOnlyList<LabelledText> examples,
        BertWordPieceTokenizer tokenizer,
        IReadOnlyList<string> labelNames,
        int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labelNames);
        if (examples.Count == 0)
        {
            // Refused here, naming the argument: an empty data set was accepted, then refused by the batch stream (or evaluated as nothing).
            throw new ArgumentException("no examples were given: a data set needs at least one", nameof(examples));
        }

        if (labelNames.Count == 0)
        {
            throw new ArgumentException("no label names were given: every example's label must be one of them", nameof(labelNames));
        }

        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labelNames.Count; i++)
        {
            if (labelNames[i] is null)
            {
                throw new ArgumentNullException(nameof(labelNames), $"labelNames[{i}] is null");
            }

            if (labelNames[i].Length == 0)
            {
                // A checkpoint's id2label cannot name a class "" (CheckpointLabels refuses it), nor can a labelled file's line.
                throw new TextDataException($"Label name {i + 1} of {labelNames.Count} is empty.");
            }

            if (!labelIndex.TryAdd(labelNames[i], i))
            {
                throw new TextDataException($"Label name '{labelNames[i]}' is listed twice.");
            }
        }

        var inputs = new EncodedInput[examples.Count];
        var labels = new int[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            LabelledText example = examples[i] ?? throw new ArgumentNullException(nameof(examples), $"examples[{i}] is null");
            if (!labelIndex.TryGetValue(example.Label, out labels[i]))
            {
                throw new TextDataException($"{example.Source ?? $"Example {i}"} has label {MessageText.Quote(example.Label)}, which is not one of: {string.Join(", ", labelNames)}.");
            }

            if (BlankText.DescribeExample(example, tokenizer) is string blank)
            {
                throw new TextDataException($"{example.Source ?? $"Example {i}"}: {blank}");
            }

            inputs[i] = example.TextB is null
                ? tokenizer.Encode(example.Text, sequenceLength)
                : tokenizer.EncodePair(example.Text, example.TextB, sequenceLength);
        }

        return new SequenceClassificationDataset(inputs, labels, labelNames, sequenceLength);
    }

    public SequenceClassificationBatch CreateBatch(int batchSize) => new(batchSize, SequenceLength);

    /// <summary>Batches needed to cover every example once in evaluation (the last may be partly padding).</summary>
    public int EvaluationBatchCount(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return (Count + batchSize - 1) / batchSize;
    }

    /// <summary>Fills evaluation batch <paramref name="batchIndex"/>: examples in file order, padding rows at the end.</summary>
    public void FillEvaluationBatch(SequenceClassificationBatch batch, int batchIndex)
    {
        RequireShape(batch);
        int first = batchIndex * batch.BatchSize;
        if (batchIndex < 0 || first >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(batchIndex), batchIndex, $"There are {EvaluationBatchCount(batch.BatchSize)} evaluation batches.");
        }

        int real = Math.Min(batch.BatchSize, Count - first);
        for (int row = 0; row < batch.BatchSize; row++)
        {
            if (row < real)
            {
                batch.SetRow(row, _inputs[first + row], _labels[first + row]);
            }
            else
            {
                batch.ClearRow(row);
            }
        }

        batch.RealCount = real;
    }

    internal void FillRows(SequenceClassificationBatch batch, ReadOnlySpan<int> exampleIndices)
    {
        RequireShape(batch);
        for (int row = 0; row < batch.BatchSize; row++)
        {
            batch.SetRow(row, _inputs[exampleIndices[row]], _labels[exampleIndices[row]]);
        }

        batch.RealCount = batch.BatchSize;
    }

    private int RequireIndex(int index) => (uint)index < (uint)Count
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"The data set holds {Count} example(s).");

    private void RequireShape(SequenceClassificationBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.SequenceLength != SequenceLength)
        {
            throw new TextDataException($"Batch sequence length {batch.SequenceLength} differs from the dataset's {SequenceLength}.");
        }
    }
}
