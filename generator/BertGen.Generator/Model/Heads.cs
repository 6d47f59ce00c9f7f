using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Model;

/// <summary>The task heads a spec can put on the encoder; each has one row in <see cref="Heads"/>.</summary>
internal enum HeadKind
{
    Pretraining,
    MaskedLm,
    SequenceClassification,
    TokenClassification,
    QuestionAnswering,
}

/// <summary>One head: its spec name, what a training step with it optimises, and which shared parts it needs.</summary>
/// <param name="Kind">The spec model's value.</param>
/// <param name="SpecName">Its name in <c>bertgen.heads</c>.</param>
/// <param name="Objective">The loss a training step optimises when this is the first head of the table present.</param>
/// <param name="UsesPooler">HF builds this head's model with the pooler (<c>add_pooling_layer=True</c>).</param>
/// <param name="PredictsMaskedTokens">It carries the masked-LM prediction head, <c>cls.predictions</c>.</param>
internal sealed record HeadInfo(HeadKind Kind, string SpecName, TrainingObjective Objective, bool UsesPooler, bool PredictsMaskedTokens);

/// <summary>
/// The closed vocabulary of heads, in one table, in the order that decides the training objective when a spec has
/// several (the first present wins). The parser reads its names, BG0010's message lists them, the planner and
/// emitters read objectives and parts. A head not in the table throws here.
/// </summary>
internal static class Heads
{
    public static readonly HeadInfo[] All =
    {
        new(HeadKind.Pretraining, "pretraining", TrainingObjective.Pretraining, UsesPooler: true, PredictsMaskedTokens: true),
        new(HeadKind.MaskedLm, "masked_lm", TrainingObjective.MaskedLm, UsesPooler: false, PredictsMaskedTokens: true),
        new(HeadKind.SequenceClassification, "sequence_classification", TrainingObjective.SequenceClassification, UsesPooler: true, PredictsMaskedTokens: false),
        new(HeadKind.TokenClassification, "token_classification", TrainingObjective.TokenClassification, UsesPooler: false, PredictsMaskedTokens: false),
        new(HeadKind.QuestionAnswering, "question_answering", TrainingObjective.QuestionAnswering, UsesPooler: false, PredictsMaskedTokens: false),
    };

    public static string SpecNamesText => Vocabulary.Quoted(All.Select(h => h.SpecName));

    public static HeadInfo Of(HeadKind kind) =>
        All.FirstOrDefault(h => h.Kind == kind) ?? throw new InvalidOperationException($"Head {(int)kind} has no row in Heads.All.");

    public static HeadInfo? FromSpecName(string name) => All.FirstOrDefault(h => h.SpecName == name);
}

/// <summary>Which task heads the spec asks for, on top of the encoder, as a set over <see cref="HeadKind"/>.</summary>
internal readonly record struct HeadSet(int Mask)
{
    public static HeadSet Of(IEnumerable<HeadKind> kinds) => new(kinds.Aggregate(0, (mask, k) => mask | (1 << (int)k)));

    public bool Has(HeadKind kind) => (Mask & (1 << (int)kind)) != 0;

    /// <summary>The heads present, in table order.</summary>
    public IEnumerable<HeadInfo> Present
    {
        get
        {
            HeadSet self = this;
            return Heads.All.Where(h => self.Has(h.Kind));
        }
    }

    /// <summary>Any head at all: HF then prefixes the encoder's weights with <c>bert.</c>.</summary>
    public bool Any => Mask != 0;

    public bool Pretraining => Has(HeadKind.Pretraining);

    public bool MaskedLm => Has(HeadKind.MaskedLm);

    public bool SequenceClassification => Has(HeadKind.SequenceClassification);

    public bool TokenClassification => Has(HeadKind.TokenClassification);

    public bool QuestionAnswering => Has(HeadKind.QuestionAnswering);

    /// <summary>The masked-LM prediction head (<c>cls.predictions</c>) is present.</summary>
    public bool HasMlmHead => Present.Any(h => h.PredictsMaskedTokens);

    /// <summary>
    /// The pooler exists unless every head is one HF builds with <c>add_pooling_layer=False</c>
    /// (masked LM, token classification, question answering); a bare encoder has it.
    /// </summary>
    public bool HasPooler => !Any || Present.Any(h => h.UsesPooler);

    /// <summary>What a training step optimises: the objective of the first head present, in table order.</summary>
    public TrainingObjective Objective =>
        Present.Select(h => (TrainingObjective?)h.Objective).FirstOrDefault()
        ?? throw new InvalidOperationException("A spec without heads has no training objective.");
}
