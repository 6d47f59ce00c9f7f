namespace BertGen.TorchOracle;

/// <summary>Which HuggingFace model class the oracle reproduces on top of the encoder.</summary>
public enum BertHead
{
    /// <summary><c>BertModel</c>: encoder and pooler only, no loss. Parameter names carry no <c>bert.</c> prefix.</summary>
    None,

    /// <summary><c>BertForPreTraining</c>: masked LM at gathered positions (tied decoder) plus next-sentence prediction.</summary>
    Pretraining,

    /// <summary><c>BertForSequenceClassification</c>: <c>classifier</c> on the pooled output.</summary>
    SequenceClassification,

    /// <summary><c>BertForTokenClassification</c>: <c>classifier</c> on every token, label −100 ignored.</summary>
    TokenClassification,

    /// <summary><c>BertForQuestionAnswering</c>: <c>qa_outputs</c> giving start and end logits per token.</summary>
    QuestionAnswering,
}
