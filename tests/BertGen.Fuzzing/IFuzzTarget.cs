using System.Collections.Generic;

namespace BertGen.Fuzzing;

/// <summary>A reader (or the generator) and the deterministic corpus of damaged inputs made for it.</summary>
public interface IFuzzTarget
{
    /// <summary>The family name in reports.</summary>
    string Family { get; }

    /// <summary><paramref name="count"/> cases from <paramref name="seed"/>: the same arguments give the same bytes on every machine.</summary>
    IEnumerable<FuzzCase> Cases(int count, ulong seed);

    /// <summary>Runs one case in-process: its answer as a digest, or the exception it ended with.</summary>
    FuzzOutcome Run(FuzzCase fuzzCase);
}
