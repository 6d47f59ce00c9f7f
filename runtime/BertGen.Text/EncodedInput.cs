using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Inference;

namespace BertGen.Text;

/// <summary>
/// One model input before padding: <c>[CLS] A [SEP]</c> or <c>[CLS] A [SEP] B [SEP]</c>, with segment ids
/// 0 for <c>[CLS]</c>, A and the first <c>[SEP]</c>, 1 for B and the last <c>[SEP]</c>.
/// </summary>
/// <param name="InputIds">Token ids, special tokens included, no padding.</param>
/// <param name="SegmentIds">Segment (token type) id of each position.</param>
/// <param name="Truncated">True when tokens of A or B were dropped to fit the maximum length.</param>
public sealed record EncodedInput(IReadOnlyList<int> InputIds, IReadOnlyList<int> SegmentIds, bool Truncated)
{
    public IReadOnlyList<int> InputIds { get; init; } = InputIds ?? throw new ArgumentNullException(nameof(InputIds));

    public IReadOnlyList<int> SegmentIds { get; init; } = SegmentIds ?? throw new ArgumentNullException(nameof(SegmentIds));

    /// <summary>This input as the runtime's <see cref="SentenceEmbedder"/> takes it (the ids and segment ids, copied).</summary>
    public TokenizedInput ToTokenizedInput() => new(InputIds.ToArray(), SegmentIds.ToArray());
}
