using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;

namespace BertGen.Text;

/// <summary>
/// Labels texts (or pairs of texts) with a compiled sequence classifier: each is tokenised, cut to the longest compiled
/// sequence, run in batches over the compiled shapes, and answered with its label, its scores as HuggingFace's
/// text-classification pipeline gives them (<see cref="ScoreFunction"/>) and the raw logits. What <c>bertgen classify</c> runs, so a program gets the answers the CLI prints for the same weights.
/// One call at a time: the forward passes are made once and reused.
/// </summary>
public sealed class TextClassifier : IDisposable
{
    private readonly BatchRunner _runner;
    private bool _disposed;

    /// <summary>A classifier over <paramref name="model"/>'s compiled shapes.</summary>
    /// <param name="model">A model with a sequence classification head, its weights prepared.</param>
    /// <param name="tokenizer">The tokenizer the model was trained with; its vocabulary must fit the model's.</param>
    /// <param name="labels">The class names in class-id order, one per classifier output: the spec's
    /// (<c>MyClassifier.Labels</c>) or those the model was fine-tuned with.</param>
    /// <param name="precision">The forward passes' precision; by default the model's <see cref="IBertModel.ForwardPrecision"/>.</param>
    /// <exception cref="ArgumentException">The model has no sequence classifier, or another number of outputs than
    /// <paramref name="labels"/>, or the labels are not distinct and non-empty, or the tokenizer makes ids the model cannot embed.</exception>
    public TextClassifier(IBertModel model, BertWordPieceTokenizer tokenizer, IReadOnlyList<string> labels, Precision? precision = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labels);

        // Answers name their class: two classes of one name (or none) could not be told apart.
        if (CheckpointLabels.NamingProblem(labels, noneIsAProblem: false) is string problem)
        {
            throw new ArgumentException(problem, nameof(labels));
        }

        if (tokenizer.Vocabulary.Count > model.VocabSize)
        {
            throw new ArgumentException($"the tokenizer's vocabulary has {tokenizer.Vocabulary.Count} tokens, more than model '{model.Name}' embeds ({model.VocabSize})", nameof(tokenizer));
        }

        _runner = new BatchRunner(model, precision ?? model.ForwardPrecision);
        try
        {
            // Every compiled shape has the same head: the smallest one's pass (kept for later calls) says how many outputs it has.
            (int batch, int sequence) = model.ShapeVariants.MinBy(v => (long)v.Batch * v.Sequence);
            int outputs = _runner.Pass(batch, sequence).SequenceLogits.Length / batch;
            if (outputs == 0)
            {
                throw new ArgumentException($"model '{model.Name}' has no sequence classification head", nameof(model));
            }

            if (outputs != labels.Count)
            {
                throw new ArgumentException($"model '{model.Name}' classifies into {outputs} labels, but {labels.Count} label names were given ({string.Join(", ", labels.Select(MessageText.Quote))})", nameof(labels));
            }
        }
        catch
        {
            _runner.Dispose();
            throw;
        }

        Tokenizer = tokenizer;
        Labels = [.. labels];
        ProblemType = ClassScores.ProblemTypeOf(model, labels.Count);
        ScoreFunction = ClassScores.FunctionOf(model, labels.Count);
    }

    /// <summary>
    /// HF <c>problem_type</c> of the model's classifier, as it trains: <c>"single_label_classification"</c>,
    /// <c>"multi_label_classification"</c> or <c>"regression"</c>, the spec's or (when it names none) inferred from the label
    /// count, one label being regression. <see cref="ScoreFunction"/> says what the scores are.
    /// </summary>
    public string ProblemType { get; }

    /// <summary>
    /// What <see cref="TextClassification.Probabilities"/> are, as HF's text-classification pipeline picks its default
    /// <c>function_to_apply</c>: <c>"none"</c> (the outputs as they are) when the spec names <c>problem_type</c>
    /// <c>"regression"</c>; <c>"sigmoid"</c> (each label's own) for a multi-label classifier and for any one-label model
    /// (so one whose spec names no problem_type, a cross-encoder's, trains as regression but scores as a sigmoid);
    /// <c>"softmax"</c> (over the labels) otherwise.
    /// </summary>
    public string ScoreFunction { get; }

    /// <summary>The class names, in class-id order.</summary>
    public IReadOnlyList<string> Labels { get; }

    public BertWordPieceTokenizer Tokenizer { get; }

    /// <summary>The longest input (in tokens, special tokens included) the model was compiled for: longer texts are cut to it.</summary>
    public int MaxSequence => _runner.MaxSequence;

    /// <summary>
    /// <c>[CLS] text [SEP]</c> as <see cref="Classify(IReadOnlyList{string})"/> encodes it: its first
    /// <see cref="MaxSequence"/> − 2 WordPieces (<see cref="EncodedInput.Truncated"/> says whether any were cut), or with
    /// <paramref name="pair"/> <c>[CLS] text [SEP] pair [SEP]</c>, the longer text shortened first.
    /// </summary>
    public EncodedInput Encode(string text, string? pair = null) =>
        pair is null ? Tokenizer.Encode(text, MaxSequence) : Tokenizer.EncodePair(text, pair, MaxSequence);

    /// <summary>One answer per text, in order.</summary>
    /// <exception cref="TextDataException">A text is blank for the tokenizer (<see cref="BlankText"/>): <c>texts[2] is only whitespace</c>.</exception>
    public TextClassification[] Classify(IReadOnlyList<string> texts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(texts);
        var inputs = new EncodedInput[texts.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (texts[i] is null)
            {
                throw new ArgumentNullException(nameof(texts), $"texts[{i}] is null");
            }

            if (BlankText.Describe(texts[i], Tokenizer) is string why)
            {
                throw new TextDataException($"texts[{i}] {why}");
            }

            inputs[i] = Encode(texts[i]);
        }

        return Classify(inputs);
    }

    /// <summary>One answer per pair of texts (segment 0, segment 1), in order: entailment, paraphrase, question and passage.</summary>
    /// <exception cref="TextDataException">A text of a pair is blank for the tokenizer: <c>the second text of pairs[2] is only whitespace</c>.</exception>
    public TextClassification[] Classify(IReadOnlyList<(string Text, string Pair)> pairs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(pairs);
        var inputs = new EncodedInput[pairs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            (string text, string pair) = pairs[i];
            if (text is null || pair is null)
            {
                throw new ArgumentNullException(nameof(pairs), $"the {(text is null ? "first" : "second")} text of pairs[{i}] is null");
            }

            if (BlankText.DescribeSequence(text, pair, Tokenizer) is (string part, string why))
            {
                throw new TextDataException($"the {part} text of pairs[{i}] {why}");
            }

            inputs[i] = Encode(text, pair);
        }

        return Classify(inputs);
    }

    /// <summary>One answer per input already encoded (by <see cref="Encode"/>, or by the tokenizer within <see cref="MaxSequence"/>), in order.</summary>
    /// <exception cref="BertInputException">An input is longer than <see cref="MaxSequence"/>, or holds an id the model cannot embed.</exception>
    public TextClassification[] Classify(IReadOnlyList<EncodedInput> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        var tokenized = new TokenizedInput[inputs.Count];
        for (int i = 0; i < tokenized.Length; i++)
        {
            tokenized[i] = (inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"inputs[{i}] is null")).ToTokenizedInput();
        }

        var results = new TextClassification[inputs.Count];
        int labels = Labels.Count;
        _runner.Run(tokenized, (index, pass, row) =>
        {
            float[] logits = pass.SequenceLogits.Slice(row * labels, labels).ToArray();
            double[] probabilities = ClassScores.Of(logits, ScoreFunction);
            int best = 0;
            for (int i = 1; i < probabilities.Length; i++)
            {
                best = probabilities[i] > probabilities[best] ? i : best;
            }

            results[index] = new TextClassification(best, Labels[best], probabilities, logits, inputs[index].Truncated);
        });
        return results;
    }

    /// <summary>Frees the forward passes; the classifier refuses calls from then on (it made new passes, and leaked them).</summary>
    public void Dispose()
    {
        _disposed = true;
        _runner.Dispose();
    }
}
