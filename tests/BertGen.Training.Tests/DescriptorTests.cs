using BertGen.Runtime.Inference;
using BertGen.Runtime.Training;
using BertGen.TorchOracle;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>
/// Generic training code reads from a model's descriptor which targets a batch needs, without allocating the
/// model or waiting for a step to throw: the objective, the problem type, the label count, the masked positions
/// per sequence and the LayerNorm epsilon, against what each test spec says (the cases' own table).
/// </summary>
public sealed class DescriptorTests
{
    [Theory]
    [MemberData(nameof(Cases.All), MemberType = typeof(Cases))]
    public void TheDescriptorSaysWhichTargetsATrainingBatchNeeds(OracleCase c)
    {
        ModelDescriptor d = c.Descriptor;
        Assert.Equal(c.Objective, d.Objective);
        Assert.Equal(c.NumLabels, d.LabelCount);
        Assert.Equal((float)c.LayerNormEps, d.LayerNormEpsilon);
        string problem = c.Problem switch
        {
            ClassificationProblem.MultiLabel => "multi_label_classification",
            ClassificationProblem.Regression => "regression",
            _ => "single_label_classification",
        };
        Assert.Equal(problem, d.ProblemType);
        if (c.Objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm)
        {
            Assert.Equal(c.Predictions, d.MaxPredictionsPerSequence);
        }
    }
}
