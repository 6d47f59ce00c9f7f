using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Fuzzing;

// bertgen's hostile-input fuzz corpus, every family in one table: cases tried, refused with one good line, accepted
// with the oracle's answer, failures (listed), and cases set aside as the generator gaps of issue 15 items 1–5.
//   dotnet run --project bench/BertGen.Fuzz -c Release             the CI-sized corpus (seed 15), as the tests run it
//   dotnet run --project bench/BertGen.Fuzz -c Release -- --long   thousands of other cases (seed 2026)
//   … -- --long --family spec                                       one family
bool isLong = args.Contains("--long");
int familyAt = Array.IndexOf(args, "--family");
string? only = familyAt >= 0 && familyAt + 1 < args.Length ? args[familyAt + 1] : null;
if (args.Except(["--long", "--family", only ?? ""]).Any())
{
    Console.Error.WriteLine("usage: BertGen.Fuzz [--long] [--family NAME]; families: " + string.Join(", ", FuzzPlan.Families.Select(f => f.Name)));
    return 2;
}

Console.WriteLine($"hostile-input corpus, {(isLong ? "long" : "CI")} size, seed {(isLong ? FuzzPlan.LongSeed : FuzzPlan.CiSeed)}, {Environment.ProcessorCount} logical CPUs");
Console.WriteLine($"{"family",-15} {"tried",7} {"rejected",9} {"accepted+correct",17} {"failures",9} {"skipped",8} {"seconds",8}");
var tallies = new List<FuzzTally>();
foreach (FuzzFamily family in FuzzPlan.Families.Where(f => only is null || f.Name == only))
{
    FuzzTally tally = FuzzPlan.Run(family, isLong);
    tallies.Add(tally);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{tally.Family,-15} {tally.Tried,7:N0} {tally.Rejected,9:N0} {tally.AcceptedCorrect,17:N0} {tally.Failures.Count,9:N0} {tally.Skipped,8:N0} {tally.Elapsed.TotalSeconds,8:F1}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{"total",-15} {tallies.Sum(t => t.Tried),7:N0} {tallies.Sum(t => t.Rejected),9:N0} {tallies.Sum(t => t.AcceptedCorrect),17:N0} {tallies.Sum(t => t.Failures.Count),9:N0} {tallies.Sum(t => t.Skipped),8:N0} {tallies.Sum(t => t.Elapsed.TotalSeconds),8:F1}"));
foreach (FuzzFailure failure in tallies.SelectMany(t => t.Failures))
{
    Console.WriteLine($"FAILURE {failure.Family}: {failure.Mutation}: {failure.Problem}");
}

return tallies.Any(t => t.Failures.Count > 0) ? 1 : 0;
