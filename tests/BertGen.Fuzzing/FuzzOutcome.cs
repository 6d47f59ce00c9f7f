using System;

namespace BertGen.Fuzzing;

/// <summary>
/// What the code under test did with a case: an answer (as text or a digest), an exception, for a spec the compiler
/// diagnostic the generator reported instead of generating, or for a whole <c>bertgen</c> run what it printed.
/// </summary>
public sealed record FuzzOutcome(string? Answer, Exception? Error, string? Diagnostic = null, CliRun? Printed = null)
{
    public static FuzzOutcome Accepted(string answer) => new(answer, null);

    public static FuzzOutcome Rejected(Exception error) => new(null, error);

    /// <summary>A spec refused at build time with <paramref name="diagnostic"/> (<c>BG0004: …</c>).</summary>
    public static FuzzOutcome Diagnosed(string diagnostic) => new(null, null, diagnostic);

    /// <summary>A whole <c>bertgen</c> run that failed: what it printed on stderr (and stdout, which must be empty) and its exit code.</summary>
    public static FuzzOutcome Failed(CliRun run) => new(null, null, null, run);
}

/// <summary>One whole <c>bertgen</c> run: exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error);

/// <summary>One case that broke the contract, with everything needed to reproduce it.</summary>
public sealed record FuzzFailure(string Family, string Mutation, string Problem);
