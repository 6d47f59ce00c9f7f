using System.Net;

namespace BertGen.Cli.Serving;

/// <summary>How <c>bertgen serve</c> listens, batches and limits (TEI's names and defaults where TEI has them).</summary>
/// <param name="Address">The IP address to listen on (127.0.0.1 by default: reachable from this machine only).</param>
/// <param name="Port">The TCP port; 0 picks a free one (printed at start).</param>
/// <param name="MaxBatchTokens">A batch's budget in computed positions, padding included (TEI's default 16,384).</param>
/// <param name="MaxConcurrentRequests">Requests admitted at once; the next one gets 429 (TEI's default 512).</param>
/// <param name="MaxClientBatchSize">Inputs in one request; more is a 422 (TEI's default 32).</param>
/// <param name="PayloadLimit">Request body bytes; more is a 413 (TEI's default 2,000,000).</param>
/// <param name="AutoTruncate">Truncate texts over the model's limit even when a request does not ask to.</param>
/// <param name="Chunk">Embed texts over the limit whole, as averaged overlapping windows.</param>
/// <param name="Pooling">The sentence-embedding pooling, when not the model's own.</param>
internal sealed record ServeSettings(
    IPAddress Address,
    int Port,
    int MaxBatchTokens,
    int MaxConcurrentRequests,
    int MaxClientBatchSize,
    long PayloadLimit,
    bool AutoTruncate,
    bool Chunk,
    BertGen.Runtime.Inference.PoolingMode? Pooling = null);
