using System;
using System.Linq;
using BertGen.Forward.Tests.Models;
using BertGen.Runtime.Inference;
using BertGen.Text;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// <see cref="TextClassifier"/>'s scores are what HuggingFace's text-classification pipeline computes by default from the
/// problem_type a config names and its label count: each label's sigmoid for a multi-label classifier (a softmax there made
/// three independent yes/no answers compete, and sum to one) and for a one-label model that names no problem_type (a
/// cross-encoder's score; its raw output was answered), the outputs themselves when "regression" is named (a softmax of one
/// output is always 1), the softmax for a single-label classifier. Checked against the formulas computed here from the logits.
/// </summary>
public sealed class ClassScoresTests
{
    private static readonly BertWordPieceTokenizer Tokenizer = BertWordPieceTokenizer.Create(BertVocabulary.FromTokens(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "away"], "test vocabulary"));

    private static readonly string[] Texts = ["the cat sat on the mat", "a dog ran far away", "the dog sat", "a cat ran"];

    [Fact]
    public void AMultiLabelClassifierScoresEachLabelByItsSigmoid()
    {
        using var model = new MultiLabelScores();
        model.InitializeParameters(seed: 3);
        model.PrepareWeights();
        using var classifier = new TextClassifier(model, Tokenizer, MultiLabelScores.Labels);
        Assert.Same(MultiLabelScores.Descriptor, ((IBertModel)model).Descriptor);
        Assert.Equal("multi_label_classification", classifier.ProblemType);
        Assert.Equal("sigmoid", classifier.ScoreFunction);

        TextClassification[] answers = classifier.Classify(Texts);
        foreach (TextClassification answer in answers)
        {
            Assert.Equal(answer.Logits.Select(l => 1 / (1 + Math.Exp(-(double)l))), answer.Probabilities);
            Assert.Equal(Array.IndexOf(answer.Probabilities, answer.Probabilities.Max()), answer.LabelIndex);
        }

        // Not a distribution over the labels: independent answers do not sum to one.
        Assert.Contains(answers, a => Math.Abs(a.Probabilities.Sum() - 1) > 1e-3);
    }

    [Fact]
    public void ARegressionModelAnswersItsOutputsAsTheyAre()
    {
        using var model = new RegressionScores();
        model.InitializeParameters(seed: 5);
        model.PrepareWeights();
        using var classifier = new TextClassifier(model, Tokenizer, RegressionScores.Labels);
        Assert.Equal("regression", classifier.ProblemType);
        Assert.Equal("none", classifier.ScoreFunction);
        Assert.True(RegressionScores.Descriptor.ProblemTypeGiven);

        TextClassification[] answers = classifier.Classify(Texts);
        foreach (TextClassification answer in answers)
        {
            Assert.Equal([(double)Assert.Single(answer.Logits)], answer.Probabilities);
        }

        Assert.True(answers.Select(a => a.Probabilities[0]).Distinct().Count() > 1, "the texts' values differ");
    }

    /// <summary>
    /// The spec of an ms-marco cross-encoder's kind: one label, no problem_type. It trains as regression (HF's
    /// BertForSequenceClassification and BertGen use MSE), but the pipeline scores it by a sigmoid. It differs from the
    /// regression spec in that one field, so the same seed gives both the same logits: only the scores differ.
    /// </summary>
    [Fact]
    public void AOneLabelModelThatNamesNoProblemTypeScoresByTheSigmoidOfItsOutput()
    {
        using var model = new OneLabelScores();
        model.InitializeParameters(seed: 5);
        model.PrepareWeights();
        using var classifier = new TextClassifier(model, Tokenizer, OneLabelScores.Labels);
        using var regression = new RegressionScores();
        regression.InitializeParameters(seed: 5);
        regression.PrepareWeights();
        using var regressionClassifier = new TextClassifier(regression, Tokenizer, RegressionScores.Labels);
        Assert.Equal("regression", OneLabelScores.Descriptor.ProblemType);
        Assert.False(OneLabelScores.Descriptor.ProblemTypeGiven);
        Assert.Equal("regression", classifier.ProblemType);
        Assert.Equal("sigmoid", classifier.ScoreFunction);

        TextClassification[] answers = classifier.Classify(Texts);
        TextClassification[] values = regressionClassifier.Classify(Texts);
        for (int i = 0; i < answers.Length; i++)
        {
            double logit = Assert.Single(answers[i].Logits);
            Assert.Equal(values[i].Logits, answers[i].Logits);
            Assert.Equal([1 / (1 + Math.Exp(-logit))], answers[i].Probabilities);
            Assert.Equal([logit], values[i].Probabilities);
        }

        Assert.Contains(answers, a => Math.Abs(a.Probabilities[0] - a.Logits[0]) > 1e-3);
    }

    /// <summary>
    /// The pipeline's postprocess rule in its order (transformers' TextClassificationPipeline.postprocess, no function_to_apply
    /// asked for): "regression" named is none; "multi_label_classification" named, or one label, is a sigmoid (even a
    /// one-label "single_label_classification", whose softmax was always 1); else a softmax.
    /// </summary>
    [Theory]
    [InlineData(null, 1, "sigmoid")]
    [InlineData("regression", 1, "none")]
    [InlineData("single_label_classification", 1, "sigmoid")]
    [InlineData("multi_label_classification", 1, "sigmoid")]
    [InlineData(null, 2, "softmax")]
    [InlineData("single_label_classification", 3, "softmax")]
    [InlineData("multi_label_classification", 3, "sigmoid")]
    public void TheScoreFunctionIsThePipelinesDefault(string? named, int labels, string function)
    {
        Assert.Equal(function, ClassScores.FunctionFor(named, labels));
    }

    [Fact]
    public void ASingleLabelClassifierScoresBySoftmax()
    {
        using var model = new OddShapes();
        model.InitializeParameters(seed: 7);
        model.PrepareWeights();
        using var classifier = new TextClassifier(model, Tokenizer, OddShapes.Labels);
        Assert.Equal("single_label_classification", classifier.ProblemType);
        Assert.Equal("softmax", classifier.ScoreFunction);

        foreach (TextClassification answer in classifier.Classify(Texts))
        {
            double max = answer.Logits.Max();
            double[] exp = answer.Logits.Select(l => Math.Exp(l - max)).ToArray();
            double[] expected = exp.Select(e => e / exp.Sum()).ToArray();
            Assert.Equal(expected.Length, answer.Probabilities.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], answer.Probabilities[i], 1e-15);
            }
        }
    }
}
