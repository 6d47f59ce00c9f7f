using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Runtime.Weights;

/// <summary>
/// The spelling variants of HuggingFace BERT parameter names that mean the same tensor. Task models
/// (<c>BertForPreTraining</c>, …) prefix the encoder with <c>bert.</c>, bare <c>BertModel</c> files do not;
/// checkpoints converted from the original TensorFlow code call LayerNorm's parameters <c>gamma</c>/<c>beta</c>.
/// </summary>
internal static class HuggingFaceNames
{
    /// <summary>The encoder prefix of task models.</summary>
    public const string BertPrefix = "bert.";

    /// <summary>The word embedding matrix (canonical name), which the MLM decoder's weight is tied to.</summary>
    public const string WordEmbeddings = "embeddings.word_embeddings.weight";

    /// <summary>The MLM decoder's weight, tied to the word embeddings and so not stored by HuggingFace.</summary>
    public const string TiedDecoderWeight = "cls.predictions.decoder.weight";

    /// <summary>The MLM decoder's bias, an alias of <see cref="PredictionsBias"/> in HuggingFace's state dict.</summary>
    public const string DecoderBiasAlias = "cls.predictions.decoder.bias";

    /// <summary>The MLM output bias.</summary>
    public const string PredictionsBias = "cls.predictions.bias";

    /// <summary>
    /// The one spelling used for matching: without <c>bert.</c>, with LayerNorm <c>weight</c>/<c>bias</c>.
    /// </summary>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string canonical = name.StartsWith(BertPrefix, StringComparison.Ordinal) ? name[BertPrefix.Length..] : name;
        if (canonical.EndsWith("LayerNorm.gamma", StringComparison.Ordinal))
        {
            canonical = canonical[..^"gamma".Length] + "weight";
        }
        else if (canonical.EndsWith("LayerNorm.beta", StringComparison.Ordinal))
        {
            canonical = canonical[..^"beta".Length] + "bias";
        }

        return canonical;
    }

    /// <summary>
    /// Whether a (canonical) name belongs to a task head rather than the encoder (embeddings, layers, pooler): the
    /// pretraining heads (<c>cls.*</c>), a sequence or token classifier (<c>classifier.*</c>,
    /// <c>token_classifier.*</c>) or question answering (<c>qa_outputs.*</c>). A model without heads can take the
    /// encoder of any task's checkpoint by leaving these out.
    /// </summary>
    public static bool IsTaskHead(string canonicalName) =>
        canonicalName.StartsWith("cls.", StringComparison.Ordinal) || canonicalName.StartsWith("classifier.", StringComparison.Ordinal)
        || canonicalName.StartsWith("token_classifier.", StringComparison.Ordinal) || canonicalName.StartsWith("qa_outputs.", StringComparison.Ordinal);

    /// <summary>Whether a model's parameters include a task head: a model without one is an encoder.</summary>
    public static bool HasTaskHead(IEnumerable<ParameterInfo> table) => table.Any(p => IsTaskHead(Canonical(p.Name)));

    /// <summary>
    /// Which of a weights file's tensors (by canonical name) a model with this parameter table leaves out: an encoder (a
    /// model without task heads) takes the encoder of any task model's weights — a pretraining checkpoint's, a fine-tuned
    /// classifier's, fp32 or int8 — so the file's task-head tensors are left out; a model with heads leaves out nothing,
    /// and every tensor it is given must be one of its parameters. The one place this rule lives, for every loader.
    /// </summary>
    public static Func<string, bool> LeftOutBy(IEnumerable<ParameterInfo> table) =>
        HasTaskHead(table) ? static _ => false : IsTaskHead;

    /// <summary>
    /// Whether a (canonical) name is a non-parameter buffer HuggingFace may store beside the weights:
    /// <c>embeddings.position_ids</c> (int64 <c>arange</c>) or <c>embeddings.token_type_ids</c> (zeros).
    /// </summary>
    public static bool IsBuffer(string canonicalName) =>
        canonicalName is "embeddings.position_ids" or "embeddings.token_type_ids";
}
