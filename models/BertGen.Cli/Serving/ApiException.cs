using System;

namespace BertGen.Cli.Serving;

/// <summary>The error answers of the HTTP API: status code and TEI's <c>error_type</c>, in one table.</summary>
internal sealed record ApiError(int Status, string Type)
{
    /// <summary>The body cannot be read as HTTP frames it: a broken chunked encoding, a body shorter than its Content-Length.</summary>
    public static ApiError Malformed { get; } = new(400, "validation");

    /// <summary>No route at the path (routing's own answer, given a body).</summary>
    public static ApiError NotFound { get; } = new(404, "validation");

    /// <summary>The route takes another method (routing's own answer, given a body).</summary>
    public static ApiError WrongMethod { get; } = new(405, "validation");

    /// <summary>The body arrives slower than Kestrel's minimum data rate.</summary>
    public static ApiError TooSlow { get; } = new(408, "validation");

    /// <summary>The body is over <c>--payload-limit</c>, or a text is over the model's limit and may not be truncated.</summary>
    public static ApiError PayloadTooLarge { get; } = new(413, "validation");

    /// <summary>The body is not what the route takes: bad JSON, too many inputs, a wrong field type.</summary>
    public static ApiError Validation { get; } = new(422, "validation");

    /// <summary>
    /// No inputs, or an input that is an empty or blank text (TEI's "empty", 400): a model given no words still answers, with
    /// the vector of <c>[CLS] [SEP]</c>, which means nothing.
    /// </summary>
    public static ApiError Empty { get; } = new(400, "empty");

    /// <summary>A <c>Content-Encoding</c> (gzip, br) the server does not decode.</summary>
    public static ApiError UnsupportedEncoding { get; } = new(415, "validation");

    /// <summary>Over <c>--max-concurrent-requests</c>.</summary>
    public static ApiError Overloaded { get; } = new(429, "overloaded");

    /// <summary>The model is still loading, or the server is stopping.</summary>
    public static ApiError Unavailable { get; } = new(503, "unhealthy");

    /// <summary>The route needs a kind of model this server does not run (TEI: "backend", 424).</summary>
    public static ApiError WrongModel { get; } = new(424, "backend");

    /// <summary>Anything unexpected: a bug, reported as one line.</summary>
    public static ApiError Internal { get; } = new(500, "backend");
}

/// <summary>A request failed in a way the client is told about: <see cref="Error"/> gives the status and type.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(ApiError error, string message)
        : base(message)
    {
        Error = error;
    }

    public ApiError Error { get; }
}
