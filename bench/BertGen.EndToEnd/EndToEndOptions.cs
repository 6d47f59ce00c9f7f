namespace BertGen.Bench;

/// <summary>How <see cref="EndToEndBenchmark"/> times a case.</summary>
/// <param name="Threads">Threads for both engines (BertGen's pool, ORT's intra-op threads).</param>
/// <param name="WarmupRuns">Untimed runs of each engine before timing (JIT tiering, page faults, caches).</param>
/// <param name="TimedRuns">Timed runs of each engine; the two alternate so load on a shared machine hits both alike.</param>
public sealed record EndToEndOptions(int Threads = 2, int WarmupRuns = 30, int TimedRuns = 100);
