using System.Collections.Generic;

namespace BertGen.Text;

/// <summary>
/// One pretraining example before padding: <c>[CLS] A [SEP] B [SEP]</c> (after masking), its segment ids,
/// whether B is a random other document's text, and the masked positions (ascending) with the original ids.
/// </summary>
public sealed record PretrainingInstance(
    IReadOnlyList<int> InputIds,
    IReadOnlyList<int> SegmentIds,
    bool IsRandomNext,
    IReadOnlyList<int> MaskedLmPositions,
    IReadOnlyList<int> MaskedLmLabels);
