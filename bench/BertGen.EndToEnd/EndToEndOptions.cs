namespace BertGen.Bench;

/// <summary>How <see cref="EndToEndBenchmark"/> times a case.</summary>
/// <param name="Threads">Threads for both engines (BertGen's pool, ORT's intra-op threads).</param>
/// <param name="WarmupRuns">Untimed runs of each engine before timing (JIT tiering, page faults, caches).</param>
/// <param name="TimedRuns">Timed runs of each engine; the two alternate so load on a shared machine hits both alike.</param>
/// <param name="BlockRuns">
/// Consecutive runs of one engine before the other takes over. Not 1: ORT's intra-op threads spin for a while
/// after every run (its default), and a BertGen call made right after an ORT call shares the second core with
/// that spinning thread (measured at 2 threads, MiniLM B1S128: 27.4 ms alternating call by call, 16.2 ms in
/// blocks; ORT itself 16.6 vs 16.5 ms). A serving process runs one engine, so blocks are the fair comparison.
/// </param>
public sealed record EndToEndOptions(int Threads = 2, int WarmupRuns = 30, int TimedRuns = 100, int BlockRuns = 10);
