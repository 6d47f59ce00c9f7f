using System;
using System.Linq;
using BertGen.Forward.Tests.Models;
using BertGen.Runtime.Inference;
using BertGen.Text;
using Xunit;

namespace BertGen.Forward.Tests;

/// <summary>
/// <see cref="TextClassifier"/>'s scores are what the classifier's problem_type means, as HuggingFace's text-classification
/// pipeline computes them by default: each label's sigmoid for a multi-label classifier (a softmax there made three
/// independent yes/no answers compete, and sum to one), the outputs themselves for regression (a softmax of one output is
/// always 1), the softmax for a single-label classifier. Checked against the formulas computed here from the logits.
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

        TextClassification[] answers = classifier.Classify(Texts);
        foreach (TextClassification answer in answers)
        {
            Assert.Equal([(double)Assert.Single(answer.Logits)], answer.Probabilities);
        }

        Assert.True(answers.Select(a => a.Probabilities[0]).Distinct().Count() > 1, "the texts' values differ");
    }

    [Fact]
    public void ASingleLabelClassifierScoresBySoftmax()
    {
        using var model = new OddShapes();
        model.InitializeParameters(seed: 7);
        model.PrepareWeights();
        using var classifier = new TextClassifier(model, Tokenizer, OddShapes.Labels);
        Assert.Equal("single_label_classification", classifier.ProblemType);

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
