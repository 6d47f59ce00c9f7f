using System.Globalization;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Every HuggingFace parameter name BertGen uses, written once. HF prefixes the encoder's tensors with
/// <c>bert.</c> whenever a head sits on it (<c>BertForPreTraining</c>, <c>BertForSequenceClassification</c>, …) and
/// not in a bare <c>BertModel</c>; head tensors are never prefixed. A spec with both sequence and token
/// classification cannot call both classifiers <c>classifier</c>: the token one becomes <c>token_classifier</c>.
/// </summary>
internal sealed class HuggingFaceNames
{
    private readonly string _encoder;
    private readonly HeadSet _heads;

    public HuggingFaceNames(HeadSet heads)
    {
        _heads = heads;
        _encoder = heads.Any ? "bert." : string.Empty;
    }

    public string WordEmbeddings => _encoder + "embeddings.word_embeddings.weight";

    public string PositionEmbeddings => _encoder + "embeddings.position_embeddings.weight";

    public string TokenTypeEmbeddings => _encoder + "embeddings.token_type_embeddings.weight";

    /// <summary>The embeddings' LayerNorm, without <c>.weight</c> / <c>.bias</c>.</summary>
    public string EmbeddingsLayerNorm => _encoder + "embeddings.LayerNorm";

    /// <summary>A module of encoder layer <paramref name="layer"/>, e.g. <c>attention.self.query</c>.</summary>
    public string Layer(int layer, string module) =>
        _encoder + "encoder.layer." + layer.ToString(CultureInfo.InvariantCulture) + "." + module;

    public string Query(int layer) => Layer(layer, "attention.self.query");

    public string Key(int layer) => Layer(layer, "attention.self.key");

    public string Value(int layer) => Layer(layer, "attention.self.value");

    public string AttentionOutput(int layer) => Layer(layer, "attention.output.dense");

    public string AttentionLayerNorm(int layer) => Layer(layer, "attention.output.LayerNorm");

    public string FeedForwardUp(int layer) => Layer(layer, "intermediate.dense");

    public string FeedForwardDown(int layer) => Layer(layer, "output.dense");

    public string OutputLayerNorm(int layer) => Layer(layer, "output.LayerNorm");

    public string Pooler => _encoder + "pooler.dense";

    public string MaskedLmTransform => "cls.predictions.transform.dense";

    public string MaskedLmLayerNorm => "cls.predictions.transform.LayerNorm";

    /// <summary>The decoder's own bias; its weight is <see cref="WordEmbeddings"/> (tied).</summary>
    public string MaskedLmBias => "cls.predictions.bias";

    public string NextSentence => "cls.seq_relationship";

    public string SequenceClassifier => "classifier";

    public string TokenClassifier => _heads.SequenceClassification ? "token_classifier" : "classifier";

    public string QuestionAnswering => "qa_outputs";

    public static string Weight(string module) => module + ".weight";

    public static string Bias(string module) => module + ".bias";
}
