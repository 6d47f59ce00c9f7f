using System;
using System.Globalization;
using System.Text;

namespace BertGen.Text.Normalization;

/// <summary>
/// BERT's accent stripping (<c>_run_strip_accents</c>: NFD, then drop non-spacing marks) without ICU, so it
/// gives the same answer in globalization-invariant and AOT apps. The decompositions come from the
/// generated <c>AccentFoldingTable.g.cs</c>; Hangul syllables decompose by the Unicode algorithm.
/// </summary>
internal static partial class AccentFolding
{
    // Unicode §3.12 Hangul syllable decomposition constants.
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = 11172;

    /// <summary>Appends <paramref name="rune"/> with its accents removed (possibly nothing) to <paramref name="output"/>.</summary>
    public static void AppendFolded(Rune rune, StringBuilder output)
    {
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
        {
            return;
        }

        int cp = rune.Value;
        if (cp < 0xC0)
        {
            // Nothing below U+00C0 decomposes.
            output.Append((char)cp);
            return;
        }

        int s = cp - SBase;
        if ((uint)s < SCount)
        {
            output.Append((char)(LBase + (s / NCount)));
            output.Append((char)(VBase + (s % NCount / TCount)));
            if (s % TCount != 0)
            {
                output.Append((char)(TBase + (s % TCount)));
            }

            return;
        }

        int index = FoldedCodePoints.BinarySearch(cp);
        if (index >= 0)
        {
            int start = FoldedOffsets[index];
            output.Append(FoldedText, start, FoldedOffsets[index + 1] - start);
            return;
        }

        Span<char> units = stackalloc char[2];
        output.Append(units[..rune.EncodeToUtf16(units)]);
    }
}
