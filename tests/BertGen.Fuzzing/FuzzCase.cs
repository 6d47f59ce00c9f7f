namespace BertGen.Fuzzing;

/// <summary>One damaged input.</summary>
/// <param name="Family">The target it is fed to (<c>safetensors</c>, <c>vocabulary</c>, …).</param>
/// <param name="Mutation">How it was made from the undamaged input, for the failure report (<c>flip bit 3 of byte 120</c>).</param>
/// <param name="Bytes">The damaged file.</param>
/// <param name="Expected">What the oracle allows for it.</param>
/// <param name="Part">For an input of several files (a checkpoint folder): which file <paramref name="Bytes"/> replaces.</param>
public sealed record FuzzCase(string Family, string Mutation, byte[] Bytes, FuzzExpectation Expected, string? Part = null);

/// <summary>
/// What a case may do, decided without running the code under test: from the kind of damage (a truncated tensor file
/// must be refused; damage to a checksummed file is refused or, if it was harmless, gives the undamaged answer) or from
/// an independent reading of the damaged bytes (a reference parser of the format).
/// </summary>
/// <param name="MayReject">A one-line refusal is right.</param>
/// <param name="Answer">The answer (a digest) an acceptance must give, or null when acceptance is wrong.</param>
/// <param name="AnyAnswer">
/// Any acceptance is right: a valid edit that may change the answer in a way no oracle here computes (a pooling set to
/// <c>cls</c>, a token limit that cuts the sample text). Only the error contract is checked.
/// </param>
public sealed record FuzzExpectation(bool MayReject, string? Answer, bool AnyAnswer = false)
{
    /// <summary>Damage: refused, or (when it did not matter) the undamaged input's answer.</summary>
    public static FuzzExpectation RejectOrSame(string answer) => new(true, answer);

    /// <summary>Damage that can never be right (a NaN weight, a cut tensor): refused.</summary>
    public static FuzzExpectation Reject { get; } = new(true, null);

    /// <summary>A valid input (an equivalent edit, or one the reference reads): accepted with this answer.</summary>
    public static FuzzExpectation Accept(string answer) => new(false, answer);

    /// <summary>A valid input whose answer is not computed here (another text, <c>"normalize": false</c>): answered, whatever the answer.</summary>
    public static FuzzExpectation AcceptAny { get; } = new(false, null, AnyAnswer: true);

    /// <summary>A valid input whose answer is not computed here: refused in one good line, or answered at all.</summary>
    public static FuzzExpectation RejectOrAny { get; } = new(true, null, AnyAnswer: true);
}
