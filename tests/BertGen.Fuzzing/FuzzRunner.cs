using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace BertGen.Fuzzing;

/// <summary>
/// Runs a target's cases and judges each against its <see cref="FuzzExpectation"/> and the <see cref="ErrorContract"/>.
/// Each case runs under a watchdog: one that has not finished after the limit is a hang, reported, and ends the family
/// (its thread cannot be taken back).
/// </summary>
public static class FuzzRunner
{
    public static FuzzTally Run(IFuzzTarget target, int count, ulong seed, TimeSpan perCase)
    {
        ArgumentNullException.ThrowIfNull(target);
        var tally = new FuzzTally(target.Family);
        long started = Stopwatch.GetTimestamp();
        foreach (FuzzCase fuzzCase in target.Cases(count, seed))
        {
            Task<FuzzOutcome> run = Task.Run(() => RunGuarded(target, fuzzCase));
            if (!run.Wait(perCase))
            {
                tally.Tried++;
                tally.Failures.Add(new FuzzFailure(fuzzCase.Family, fuzzCase.Mutation, $"no answer after {perCase.TotalSeconds:F0} s: a hang"));
                break;
            }

            Judge(fuzzCase, run.Result, tally);
        }

        tally.Elapsed = Stopwatch.GetElapsedTime(started);
        return tally;
    }

    /// <summary>Counts one case in <paramref name="tally"/> with its verdict.</summary>
    public static void Judge(FuzzCase fuzzCase, FuzzOutcome outcome, FuzzTally tally)
    {
        tally.Tried++;
        string? problem;
        if (outcome.LeftBroken is string broken)
        {
            problem = broken;
        }
        else if (outcome.Refusal is HttpRefusal refusal)
        {
            problem = refusal.Violation ?? (fuzzCase.Expected.MayReject ? null : $"refused a request the contract accepts: {refusal.Status} {refusal.Message}");
            tally.Rejected += problem is null ? 1 : 0;
        }
        else if (outcome.Printed is CliRun printed)
        {
            problem = ErrorContract.PrintedViolation(printed) ?? (fuzzCase.Expected.MayReject ? null : $"refused an input the oracle accepts: {printed.Error.Trim()}");
            tally.Rejected += problem is null ? 1 : 0;
        }
        else if (outcome.Diagnostic is string diagnostic)
        {
            problem = DiagnosticViolation(diagnostic) ?? (fuzzCase.Expected.MayReject ? null : $"refused a spec that must compile: {diagnostic}");
            tally.Rejected += problem is null ? 1 : 0;
        }
        else if (outcome.Error is Exception error)
        {
            problem = ErrorContract.Violation(error)
                ?? (fuzzCase.Expected.MayReject ? null : $"refused an input the reference accepts: {ErrorContract.Line(error)}");
            tally.Rejected += problem is null ? 1 : 0;
        }
        else if (fuzzCase.Expected.AnyAnswer)
        {
            problem = null;
            tally.AcceptedCorrect++;
        }
        else if (fuzzCase.Expected.Answer is null)
        {
            problem = "accepted an input that must be refused (a silent wrong answer)";
        }
        else if (outcome.Answer != fuzzCase.Expected.Answer)
        {
            problem = $"accepted with an answer other than the oracle's (a silent wrong answer): {Short(outcome.Answer)} instead of {Short(fuzzCase.Expected.Answer)}";
        }
        else
        {
            problem = null;
            tally.AcceptedCorrect++;
        }

        if (problem is not null)
        {
            tally.Failures.Add(new FuzzFailure(fuzzCase.Family, fuzzCase.Mutation, problem));
        }
    }

    // A spec's refusal is a compiler error of BertGen's own (BGnnnn) with a one-line message, never the compiler's
    // "generator failed" warning (CS8785) that an escaped exception becomes.
    private static string? DiagnosticViolation(string diagnostic) =>
        diagnostic.StartsWith("BG", StringComparison.Ordinal) && !diagnostic.Contains('\n', StringComparison.Ordinal) && diagnostic.Length <= ErrorContract.MaxLineLength
            ? null
            : $"not a one-line BG diagnostic: {Short(diagnostic)}";

    /// <summary>Runs one case; an exception the target did not catch is its outcome (and is judged like any other).</summary>
    public static FuzzOutcome RunGuarded(IFuzzTarget target, FuzzCase fuzzCase)
    {
        try
        {
            return target.Run(fuzzCase);
        }
        catch (Exception e)
        {
            return FuzzOutcome.Rejected(e);
        }
    }

    private static string Short(string? answer) => answer is null ? "(none)" : answer.Length <= 120 ? answer : answer[..120] + "…";
}
