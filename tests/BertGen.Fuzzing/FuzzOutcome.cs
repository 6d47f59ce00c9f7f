using System;

namespace BertGen.Fuzzing;

/// <summary>
/// What the code under test did with a case: an answer (as text or a digest), an exception, for a spec the compiler
/// diagnostic the generator reported instead of generating, for a whole <c>bertgen</c> run what it printed, or for a
/// request to <c>bertgen serve</c> its error answer. <paramref name="LeftBroken"/> is what the case broke beyond its own
/// answer (a server that no longer answers a valid request rightly): a failure whatever the answer was.
/// </summary>
public sealed record FuzzOutcome(string? Answer, Exception? Error, string? Diagnostic = null, CliRun? Printed = null, HttpRefusal? Refusal = null,
    string? LeftBroken = null)
{
    public static FuzzOutcome Accepted(string answer) => new(answer, null);

    public static FuzzOutcome Rejected(Exception error) => new(null, error);

    /// <summary>A spec refused at build time with <paramref name="diagnostic"/> (<c>BG0004: …</c>).</summary>
    public static FuzzOutcome Diagnosed(string diagnostic) => new(null, null, diagnostic);

    /// <summary>A whole <c>bertgen</c> run that failed: what it printed on stderr (and stdout, which must be empty) and its exit code.</summary>
    public static FuzzOutcome Failed(CliRun run) => new(null, null, null, run);

    /// <summary>A request <c>bertgen serve</c> answered with an error status.</summary>
    public static FuzzOutcome Refused(HttpRefusal refusal) => new(null, null, Refusal: refusal);
}

/// <summary>
/// An error answer of <c>bertgen serve</c>: its status, the message of its JSON error body, and what in it breaks the
/// serving contract (<see cref="ErrorContract.ServedViolation"/>), or null when nothing does.
/// </summary>
public sealed record HttpRefusal(int Status, string Message, string? Violation);

/// <summary>One whole <c>bertgen</c> run: exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error);

/// <summary>One case that broke the contract, with everything needed to reproduce it.</summary>
public sealed record FuzzFailure(string Family, string Mutation, string Problem);
