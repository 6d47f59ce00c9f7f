using BertGen.Training.Tests.Models;
using BertGen.TorchOracle;
using Xunit;

namespace BertGen.Training.Tests;

/// <summary>The compiled test specs (Specs/*.bert.json), as oracle cases.</summary>
public static class Cases
{
    public static readonly OracleCase PretrainSmallCase = new("pretrain-small", PretrainSmall.Descriptor, BertHead.Pretraining, ClassificationProblem.SingleLabel, 2, PretrainSmall.LayerNormEpsilon, 2, 12, 4);
    public static readonly OracleCase PretrainOddCase = new("pretrain-odd", PretrainOdd.Descriptor, BertHead.Pretraining, ClassificationProblem.SingleLabel, 2, PretrainOdd.LayerNormEpsilon, 3, 37, 6);
    public static readonly OracleCase ClassifyCase = new("classify", Classify.Descriptor, BertHead.SequenceClassification, ClassificationProblem.SingleLabel, 3, Classify.LayerNormEpsilon, 4, 10, 20);
    public static readonly OracleCase MultiLabelCase = new("multilabel", MultiLabel.Descriptor, BertHead.SequenceClassification, ClassificationProblem.MultiLabel, 3, MultiLabel.LayerNormEpsilon, 4, 10, 20);
    public static readonly OracleCase RegressionCase = new("regression", Regression.Descriptor, BertHead.SequenceClassification, ClassificationProblem.Regression, 1, Regression.LayerNormEpsilon, 4, 10, 20);
    public static readonly OracleCase TokenCase = new("token", Token.Descriptor, BertHead.TokenClassification, ClassificationProblem.SingleLabel, 4, Token.LayerNormEpsilon, 3, 10, 20);
    public static readonly OracleCase QaCase = new("qa", QaModel.Descriptor, BertHead.QuestionAnswering, ClassificationProblem.SingleLabel, 2, QaModel.LayerNormEpsilon, 3, 11, 20);
    public static readonly OracleCase SiluCase = new("silu", SiluPretrain.Descriptor, BertHead.Pretraining, ClassificationProblem.SingleLabel, 2, SiluPretrain.LayerNormEpsilon, 2, 12, 4);

    public static TheoryData<OracleCase> All => new()
    {
        PretrainSmallCase, PretrainOddCase, ClassifyCase, MultiLabelCase, RegressionCase, TokenCase, QaCase, SiluCase,
    };
}
