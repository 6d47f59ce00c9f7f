using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using BertGen.Cli;
using BertGen.Cli.Serving;
using BertGen.Models;
using BertGen.Runtime.Weights;

namespace BertGen.Fuzzing;

/// <summary>
/// Hostile requests to <c>bertgen serve</c>: ONE in-process server on all-MiniLM-L6-v2 (and one on bert-tiny-classifier,
/// seeded, for <c>/predict</c>) for the whole family, sent raw HTTP/1.1 (<see cref="RawHttpExchange"/>), each case one
/// valid request per route with ONE thing changed: a field removed, retyped, set out of range, added or given twice; the
/// inputs empty, blank, nested too deep, too long or too many; the JSON bytes damaged, cut, extended, given a BOM or a
/// byte that is not UTF-8, or written differently (key order, whitespace, escapes); the Content-Type, Content-Encoding
/// or Content-Length changed; the body sent chunked, whole or with damaged framing; another method or path.
/// The oracle is models/README.md's "serve" section (routes, bodies, the status table) and TEI's request types where the
/// README is silent, not the server's code: an error is a documented 4xx with the documented JSON body whose message keeps
/// <see cref="ErrorContract"/>'s line rules; an edit that cannot change the answer gives exactly the undamaged request's
/// answer bytes; a valid edit that changes it may give any answer. After every case the server must still answer a valid
/// request with the same bytes as before (a crash, hang or 500 is a failure).
/// </summary>
public sealed class ServeTarget : IFuzzTarget, IDisposable
{
    private const string MiniLm = "minilm";
    private const string Classifier = "classifier";

    /// <summary>The statuses models/README.md documents for a request (408, 429 and 503 are for slow, many or early clients: none here).</summary>
    private static readonly int[] Documented = [400, 404, 405, 413, 415, 422, 424];

    /// <summary>What a damaged body may be refused with: empty or blank texts (400), a text over the limit (413), NULs read as UTF-16 (415), anything else (422).</summary>
    private static readonly int[] BodyDamage = [400, 413, 415, 422];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>One word per WordPiece of both models' vocabulary: <c>n</c> of them are n + 2 tokens.</summary>
    private static readonly string[] Words = ["river", "stone", "morning", "garden", "letter", "window", "winter", "music", "harbour", "candle"];

    private static readonly Route[] Routes =
    [
        new("embed", MiniLm, "/embed", false, "inputs",
            [("inputs", """["This is an example sentence", "Crème brûlée"]"""), ("normalize", "true"), ("truncate", "false"), ("truncation_direction", "\"Right\""),
                ("dimensions", "384")]),
        new("embed_all", MiniLm, "/embed_all", false, "inputs", [("inputs", "\"Hello world!\""), ("truncate", "false"), ("truncation_direction", "\"Right\"")]),
        new("tokenize", MiniLm, "/tokenize", false, "inputs", [("inputs", """["Crème brûlée!", "This is an example sentence"]"""), ("add_special_tokens", "true")]),
        new("openai", MiniLm, "/v1/embeddings", true, "input",
            [("input", """["first text", "the second one"]"""), ("model", "\"all-MiniLM-L6-v2\""), ("encoding_format", "\"float\""), ("dimensions", "384")]),
        new("predict", Classifier, "/predict", false, "inputs",
            [("inputs", """[["Jesus wept.", "He was sad."], ["Blessed are the meek."]]"""), ("raw_scores", "false"), ("truncate", "false"), ("truncation_direction", "\"Right\"")]),
    ];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-serve-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, (SentenceEncoder Encoder, EmbeddingServer Server)> _servers = [];

    /// <summary>The undamaged request's answer (a digest of its body) per route, and per server GET /health and GET /info.</summary>
    private readonly Dictionary<string, string> _answers = [];

    /// <summary>Each server's token limit, as /info publishes it (max_input_length).</summary>
    private readonly Dictionary<string, int> _limits = [];

    public ServeTarget()
    {
        Directory.CreateDirectory(_folder);
        string checkpoint = Path.Combine(_folder, "classifier.safetensors");
        using (var model = new BertTinyClassifier())
        {
            model.InitializeParameters(seed: 11);
            ParameterSaver.SaveSafetensors(checkpoint, BertTinyClassifier.ParameterTable, model.Parameters.AsSpan());
        }

        try
        {
            Start(MiniLm, new EncoderOptions("minilm", null, null, null));
            Start(Classifier, new EncoderOptions("bert-tiny-classifier", checkpoint, null, null));

            // Each undamaged request twice: an answer that is not the same bytes every time cannot be an oracle.
            foreach (Route route in Routes)
            {
                _answers[route.Name] = Undamaged(route.Server, Post(route.Path, Body(route.Fields)));
            }

            foreach (string server in new[] { MiniLm, Classifier })
            {
                _answers[server + " /health"] = Undamaged(server, Request("GET", "/health", null, null));
                _answers[server + " /info"] = Undamaged(server, Request("GET", "/info", null, null));
                HttpAnswer info = RawHttpExchange.Send(_servers[server].Server.Address, Request("GET", "/info", null, null), endRequest: false, Timeout)!;
                using var json = JsonDocument.Parse(info.Body);
                _limits[server] = json.RootElement.GetProperty("max_input_length").GetInt32();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Family => "serve";

    public IEnumerable<FuzzCase> Cases(int count, ulong seed)
    {
        var random = new FuzzRandom(seed);
        for (int i = 0; i < count; i++)
        {
            Route route = random.Pick(Routes);
            Damage damage = random.Next(20) switch
            {
                < 6 => FieldDamage(route, random),
                6 or 7 => InputsDamage(route, random),
                8 or 9 => EquivalentEdit(route, random),
                < 13 => ByteDamage(route, random),
                13 or 14 => HeaderDamage(route, random),
                15 or 16 => ChunkedDamage(route, random),
                _ => MethodOrPathDamage(route, random),
            };
            string allowed = damage.Allowed is null ? "-" : string.Join(",", damage.Allowed);
            string shape = damage.OpenAi is bool openAi ? (openAi ? "openai" : "tei") : "either";
            yield return new FuzzCase(Family, $"{damage.Server} {damage.Label}: {damage.Mutation}", damage.Request, damage.Expected,
                $"{damage.Server}|{allowed}|{(damage.EndRequest ? "end" : "open")}|{shape}");
        }
    }

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        ArgumentNullException.ThrowIfNull(fuzzCase);
        string[] part = fuzzCase.Part!.Split('|');
        string server = part[0];
        int[] allowed = part[1] == "-" ? Documented : part[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        bool? openAi = part[3] switch { "openai" => true, "tei" => false, _ => null };
        bool ended = part[2] == "end";
        FuzzOutcome outcome;
        try
        {
            HttpAnswer? answer = RawHttpExchange.Send(_servers[server].Server.Address, fuzzCase.Bytes, endRequest: ended, Timeout);

            // A client that ends its request before the body it promised has gone: Kestrel closes the connection unanswered,
            // as for any client that went away (README "A client that goes away"). Only that request may go unanswered.
            outcome = answer is not null ? Judge(answer, allowed, openAi)
                : ended ? FuzzOutcome.Refused(new HttpRefusal(0, "the client ended the request mid-body; closed unanswered", null))
                : FuzzOutcome.Refused(new HttpRefusal(0, "", "the server closed the connection without an answer"));
        }
        catch (IOException e)
        {
            outcome = FuzzOutcome.Refused(new HttpRefusal(0, "", $"no HTTP answer: {e.Message}"));
        }

        // Liveness: the server that took the case still answers its valid request with the same bytes.
        return Alive(server) is string broken ? outcome with { LeftBroken = broken } : outcome;
    }

    public void Dispose()
    {
        foreach ((SentenceEncoder encoder, EmbeddingServer server) in _servers.Values)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            encoder.Dispose();
        }

        _servers.Clear();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Start(string name, EncoderOptions options)
    {
        SentenceEncoder encoder = SentenceEncoder.Open(options);
        var settings = new ServeSettings(IPAddress.Loopback, 0, 16384, 512, 32, 2_000_000, AutoTruncate: false, Chunk: false);
        EmbeddingServer server = EmbeddingServer.StartAsync(encoder, settings, TextWriter.Null).GetAwaiter().GetResult();
        _servers[name] = (encoder, server);
        server.Loaded.GetAwaiter().GetResult();
    }

    private string Undamaged(string server, byte[] request)
    {
        string[] answers = new string[2];
        for (int i = 0; i < answers.Length; i++)
        {
            HttpAnswer answer = RawHttpExchange.Send(_servers[server].Server.Address, request, endRequest: false, Timeout)
                ?? throw new InvalidOperationException($"the undamaged request was not answered: {Encoding.UTF8.GetString(request)}");
            answers[i] = answer.Status == 200 ? Digest.Of(answer.Body)
                : throw new InvalidOperationException($"the undamaged request failed with {answer.Status}: {Encoding.UTF8.GetString(answer.Body)}\n{Encoding.UTF8.GetString(request)}");
        }

        return answers[0] == answers[1] ? answers[0] : throw new InvalidOperationException($"the undamaged request was answered with other bytes the second time: {Encoding.UTF8.GetString(request)}");
    }

    /// <summary>What the server's answer to a case means: an answer (its body's digest), or a refusal checked against the contract.</summary>
    private static FuzzOutcome Judge(HttpAnswer answer, int[] allowed, bool? openAi)
    {
        if (answer.Status is >= 200 and < 300)
        {
            // Every 2xx of the API is JSON but /health's, which has no body.
            if (answer.Body.Length > 0)
            {
                try
                {
                    using var json = JsonDocument.Parse(answer.Body);
                }
                catch (JsonException)
                {
                    return FuzzOutcome.Refused(new HttpRefusal(answer.Status, "", $"a {answer.Status} whose body is not JSON"));
                }
            }

            return FuzzOutcome.Accepted(Digest.Of(answer.Body));
        }

        string? violation = ErrorContract.ServedViolation(answer, allowed, openAi, out string message);
        return FuzzOutcome.Refused(new HttpRefusal(answer.Status, message, violation));
    }

    /// <summary>Null when <paramref name="server"/> answers its valid request (the first route's) with the undamaged bytes, else what it did.</summary>
    private string? Alive(string server)
    {
        Route route = Routes.First(r => r.Server == server);
        try
        {
            HttpAnswer? answer = RawHttpExchange.Send(_servers[server].Server.Address, Post(route.Path, Body(route.Fields)), endRequest: false, Timeout);
            return answer is null ? $"after this case the server closed the connection of a valid {route.Path} request unanswered"
                : answer.Status != 200 ? $"after this case a valid {route.Path} request got {answer.Status}: {Encoding.UTF8.GetString(answer.Body)}"
                : Digest.Of(answer.Body) != _answers[route.Name] ? $"after this case a valid {route.Path} request got other bytes than before"
                : null;
        }
        catch (IOException e)
        {
            return $"after this case a valid {route.Path} request got no answer: {e.Message}";
        }
    }

    // ---- the mutations -------------------------------------------------------------------------------------------

    /// <summary>One field removed, retyped, set to an odd or equivalent value, an unknown field added, or a field given twice.</summary>
    private Damage FieldDamage(Route route, FuzzRandom random)
    {
        List<(string Key, string Json)> fields = [.. route.Fields];
        int at = random.Next(fields.Count);
        string field = fields[at].Key;
        switch (random.Next(6))
        {
            case 0:
                fields.RemoveAt(at);

                // Every field but the inputs has a default, the base request's own value.
                return Sent(route, $"\"{field}\" removed", fields, field == route.InputsField ? Refused([422]) : Same(route));
            case 1:
            case 2:
                string odd = random.Pick(route.Server == Classifier && field == "inputs" ? PredictInputsValues : field == route.InputsField ? InputsValues : OddValues);
                fields[at] = (field, odd);
                return Sent(route, $"\"{field}\" set to {Show(odd)}", fields, ValueOracle(route, field, odd));
            case 3:
                // TEI's request types have no deny_unknown_fields and the server's JSON reading skips unknown members: an unknown field
                // changes nothing. prompt_name is TEI's own option the models have not (a 422, documented), on every route TEI has it.
                string unknown = random.Next(4) == 0 ? "prompt_name" : random.Pick(UnknownFields.Where(u => !route.Fields.Any(f => f.Key == u)).ToArray());
                string value = random.Pick(OddValues);
                fields.Insert(random.Next(fields.Count + 1), (unknown, value));
                Damage.Verdict expected = unknown == "prompt_name" && route.Name is "embed" or "embed_all" or "tokenize"
                    ? (value == "null" ? Same(route) : Refused([422]))
                    : Same(route);
                return Sent(route, $"unknown field \"{unknown}\": {Show(value)} added", fields, expected);
            case 4:
                string twice = random.Next(2) == 0 ? fields[at].Json : random.Pick(OddValues);
                fields.Insert(random.Next(fields.Count + 1), (field, twice));

                // A field given twice is refused (the README; TEI's serde refuses a duplicate field too).
                return Sent(route, $"\"{field}\" given twice, again as {Show(twice)}", fields, Refused([422]));
            default:
                string equivalent = random.Pick(EquivalentValues(route, field));
                fields[at] = (field, equivalent);
                return Sent(route, $"\"{field}\" set to {Show(equivalent)}", fields, ValueOracle(route, field, equivalent));
        }
    }

    /// <summary>The inputs set to a value of the kinds the README names (empty, blank, too long, too many, wrongly nested, other texts).</summary>
    private Damage InputsDamage(Route route, FuzzRandom random)
    {
        List<(string Key, string Json)> fields = [.. route.Fields];
        int at = fields.FindIndex(f => f.Key == route.InputsField);
        int kind = random.Next(8);
        string label;
        string inputs;
        Damage.Verdict expected;
        bool computes = route.Name != "tokenize";
        switch (kind)
        {
            case 0:
                int count = random.Pick([31, 32, 33, 100, 10_000]);
                inputs = "[" + string.Join(", ", Enumerable.Range(0, count).Select(i => Quote(OfLength(1 + i % 5, i)))) + "]";
                label = $"{count:N0} inputs";

                // --max-client-batch-size is 32 (TEI's default): more is a 422.
                expected = count > 32 ? Refused([422]) : FuzzExpectation.AcceptAny;
                break;
            case 1:
            case 2:
                // The limit /info publishes (max_input_length): past it without "truncate" is a 413; /tokenize counts any length.
                int limit = _limits[route.Server];
                int words = random.Pick([limit - 6, limit - 5, limit - 3, limit - 2, limit - 1, limit, limit + 50, 150_000]);
                bool alone = random.Next(2) == 0;
                inputs = alone ? Quote(OfLength(words, kind)) : $"[{Quote("a short one")}, {Quote(OfLength(words, kind))}]";

                // Two strings are two texts, or on /predict one pair: [CLS] a [SEP] b [SEP] ("a short one" is 3 pieces).
                int tokens = !alone && route.Server == Classifier ? words + 6 : words + 2;
                label = $"{(alone ? "a text" : "a short text and a text")} of {words:N0} words ({tokens:N0} tokens, the limit {limit})";
                expected = !computes || tokens <= limit ? FuzzExpectation.AcceptAny : Refused([413]);
                break;
            case 3:
                // OpenAI's body has no "truncate" (ignored there as any unknown field): still a 413. /tokenize counts any length.
                int longer = random.Pick([300, 700]);
                inputs = Quote(OfLength(longer, 3));
                int truncate = fields.FindIndex(f => f.Key == "truncate");
                fields = truncate >= 0 ? Replace(fields, truncate, ("truncate", "true")) : [.. fields, ("truncate", "true")];
                label = $"a text of {longer} words with \"truncate\": true";
                expected = route.OpenAi ? Refused([413]) : FuzzExpectation.AcceptAny;
                break;
            default:
                inputs = random.Pick(route.Server == Classifier ? PredictInputsValues : InputsValues);
                return Sent(route, $"\"{route.InputsField}\" set to {Show(inputs)}", Replace(fields, at, (route.InputsField, inputs)), ValueOracle(route, route.InputsField, inputs));
        }

        return Sent(route, label, Replace(fields, at, (route.InputsField, inputs)), expected);
    }

    /// <summary>The same request written otherwise: keys reordered, other whitespace, a character escaped, a BOM, whitespace around.</summary>
    private Damage EquivalentEdit(Route route, FuzzRandom random)
    {
        List<(string Key, string Json)> fields = [.. route.Fields];
        switch (random.Next(5))
        {
            case 0:
                List<(string, string)> shuffled = fields.OrderBy(_ => random.NextUInt64()).ToList();
                return Sent(route, "keys in the order " + string.Join(", ", shuffled.Select(f => f.Item1)), shuffled, Same(route));
            case 1:
                string[] spaces = ["", " ", "\n", "\t", "\r\n", "  \n\t "];
                byte[] spaced = Body(fields, () => random.Pick(spaces));
                return Sent(route, "other whitespace between the tokens", spaced, Same(route));
            case 2:
                // One character of a text as a \u escape (or \/ for /): the same string.
                string inputs = fields.First(f => f.Key == route.InputsField).Json;
                int[] letters = StringCharacters(inputs).Where(i => inputs[i] != '\\').ToArray();
                int pick = random.Pick(letters);
                string escape = inputs[pick] == '/' ? "\\/" : $"\\u{(int)inputs[pick]:x4}";
                escape = random.Next(2) == 0 ? escape.ToUpperInvariant().Replace("\\U", "\\u", StringComparison.Ordinal) : escape;
                string escaped = inputs[..pick] + escape + inputs[(pick + 1)..];
                return Sent(route, $"'{inputs[pick]}' written {escape}", Replace(fields, fields.FindIndex(f => f.Key == route.InputsField), (route.InputsField, escaped)), Same(route));
            case 3:
                // A UTF-8 byte-order mark is skipped (README, 415 row).
                return Sent(route, "a UTF-8 byte-order mark first", [0xEF, 0xBB, 0xBF, .. Body(fields)], Same(route));
            default:
                string before = random.Pick(["", " ", "\n", "\r\n\t"]);
                string after = random.Pick(["\n", " ", "\r\n", "\t\t"]);
                return Sent(route, $"whitespace {Show(before)} before and {Show(after)} after the object", [.. Encoding.UTF8.GetBytes(before), .. Body(fields), .. Encoding.UTF8.GetBytes(after)], Same(route));
        }
    }

    /// <summary>The body's bytes damaged: format-blind (<see cref="ByteMutations"/>), cut, extended, a byte that is not UTF-8, another encoding.</summary>
    private Damage ByteDamage(Route route, FuzzRandom random)
    {
        byte[] body = Body(route.Fields);
        switch (random.Next(7))
        {
            case 0:
            case 1:
                // A changed byte inside a text is another valid text, and one in a key an unknown field: refused or any answer.
                (string mutation, byte[] damaged) = ByteMutations.Any(body, random);
                return Sent(route, mutation, damaged, Refused(BodyDamage, anyAnswer: true));
            case 2:
                int length = random.Next(body.Length);
                return Sent(route, $"cut to {length} of {body.Length} bytes", body[..length], Refused([422]));
            case 3:
                (string appended, byte[] padded) = ByteMutations.Append(body, random);
                bool whitespace = padded[body.Length..].All(b => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r');
                return Sent(route, appended, padded, whitespace ? Same(route) : Refused([422]));
            case 4:
                // A byte that is not UTF-8 inside a string value (RFC 8259 §8.1: JSON is UTF-8; the README: named where it is).
                byte[] bad = random.Pick<byte[]>([[0xFF], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xC3], [0xF4, 0x90, 0x80, 0x80]]);
                int[] inValues = StringValueBytes(body, keys: false);
                int at = random.Pick(inValues);
                return Sent(route, $"bytes {Convert.ToHexString(bad)} inside a string value at byte {at}", [.. body[..at], .. bad, .. body[at..]], Refused([422]));
            case 5:
                // The same in a key: no longer UTF-8 JSON, though the key is then one no route knows (TEI's serde refuses it too).
                byte[] badKey = random.Pick<byte[]>([[0xFF], [0xC0, 0xAF], [0x80]]);
                int[] inKeys = StringValueBytes(body, keys: true);
                int keyAt = random.Pick(inKeys);
                string key = KeyAt(body, keyAt);
                return Sent(route, $"bytes {Convert.ToHexString(badKey)} inside the key \"{key}\"", [.. body[..keyAt], .. badKey, .. body[keyAt..]], Refused([422]));
            default:
                // UTF-16 or UTF-32, with or without a byte-order mark: 415 naming the encoding (README).
                string name = random.Pick(["utf-16", "utf-16BE", "utf-32"]);
                Encoding encoding = Encoding.GetEncoding(name);
                bool mark = random.Next(2) == 0;
                byte[] encoded = [.. mark ? encoding.GetPreamble() : [], .. encoding.GetBytes(Encoding.UTF8.GetString(body))];
                return Sent(route, $"the body in {name}{(mark ? " with its byte-order mark" : "")}", encoded, Refused([415]));
        }
    }

    /// <summary>A header changed: Content-Type (other types, charsets), Content-Encoding, a Content-Length that lies, Expect.</summary>
    private Damage HeaderDamage(Route route, FuzzRandom random)
    {
        byte[] body = Body(route.Fields);
        switch (random.Next(8))
        {
            case 0:
            case 1:
                // The README's curl sends no Content-Type for /v1/embeddings (curl -d: form-urlencoded) and is answered: the body is
                // read as JSON whatever the type; a charset other than UTF-16/32 is ignored (RFC 8259 §11).
                string? type = random.Pick<string?>([null, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "APPLICATION/JSON",
                    "application/json; charset=ISO-8859-1", "multipart/form-data; boundary=x", "x", "application/json; charset=", "application/json;;"]);
                return Raw(route, $"Content-Type {(type is null ? "left out" : Show(type))}", Request("POST", route.Path, body, type), Same(route));
            case 2:
                string charset = random.Pick(["utf-16", "UTF-16LE", "utf-32", "\"utf-16\"", "ucs-2", "UTF_32BE"]);
                return Raw(route, $"Content-Type charset={charset}", Request("POST", route.Path, body, $"application/json; charset={charset}"), Refused([415]));
            case 3:
                string coding = random.Pick(["gzip", "br", "deflate", "compress", "identity"]);
                return Raw(route, $"Content-Encoding: {coding}", Request("POST", route.Path, body, "application/json", [$"Content-Encoding: {coding}"]),
                    coding == "identity" ? Same(route) : Refused([415]));
            case 4:
                // A Content-Length past the body's end, the request then ended: the body could not be read (400, README).
                int more = 1 + random.Next(100);
                return Raw(route, $"Content-Length {more} past the body's end", Request("POST", route.Path, body, "application/json", length: body.Length + more), Refused([400]), end: true);
            case 5:
                // Short of it: the server reads a cut body (its JSON unfinished: 422).
                int shorter = random.Next(body.Length);
                return Raw(route, $"Content-Length {shorter} of {body.Length} bytes", Request("POST", route.Path, body, "application/json", length: shorter), Refused([422]));
            case 6:
                long over = random.Pick([2_000_001L, 1L << 31, 1L << 40]);
                return Raw(route, $"Content-Length {over:N0}, over --payload-limit", Request("POST", route.Path, body, "application/json", length: over), Refused([413]));
            default:
                // A body really over --payload-limit (2,000,000 bytes): one text of 2 MB.
                byte[] huge = Body(Replace([.. route.Fields], 0, (route.InputsField, Quote(new string('a', 2_000_001)))));
                return Raw(route, $"a body of {huge.Length:N0} bytes, over --payload-limit", Request("POST", route.Path, huge, "application/json"), Refused([413]));
        }
    }

    /// <summary>The body sent chunked: in well-formed chunks (with extensions, a trailer), or with its framing damaged.</summary>
    private Damage ChunkedDamage(Route route, FuzzRandom random)
    {
        byte[] body = Body(route.Fields);
        var chunks = new List<byte[]>();
        for (int at = 0; at < body.Length;)
        {
            int size = Math.Min(body.Length - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 200));
            chunks.Add(body[at..(at + size)]);
            at += size;
        }

        string head = $"POST {route.Path} HTTP/1.1\r\nHost: bertgen\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        var framed = new StringBuilder();
        int damage = random.Next(9);
        int damagedChunk = random.Next(chunks.Count);
        string label = "";
        for (int i = 0; i < chunks.Count; i++)
        {
            string size = chunks[i].Length.ToString("x", CultureInfo.InvariantCulture);
            string sizeLine = size;
            string afterData = "\r\n";
            if (i == damagedChunk)
            {
                switch (damage)
                {
                    case 3:
                        sizeLine = random.Pick(["zz", "-1", "0x" + size, " ", "g" + size]);
                        label = $"chunk {i + 1}'s size written '{sizeLine}'";
                        break;
                    case 4:
                        afterData = random.Pick(["", "\n", "XX"]);
                        label = $"chunk {i + 1}'s data followed by {Show(afterData)}, not CRLF";
                        break;
                    case 5:
                        sizeLine = (chunks[i].Length + 1 + random.Next(50)).ToString("x", CultureInfo.InvariantCulture);
                        label = $"chunk {i + 1} of {chunks[i].Length} bytes announced as {sizeLine}";
                        break;
                    case 6:
                        sizeLine = "FFFFFFFFFFFFFFFFFF";
                        label = $"chunk {i + 1}'s size {sizeLine}";
                        break;
                }
            }

            framed.Append(sizeLine).Append(damage == 1 && i == damagedChunk ? ";name=value" : "").Append("\r\n")
                .Append(Encoding.Latin1.GetString(chunks[i])).Append(afterData);
        }

        switch (damage)
        {
            case 0 or 1:
                framed.Append("0\r\n\r\n");
                return Raw(route, $"sent in {chunks.Count} chunks{(damage == 1 ? ", one with an extension" : "")}", Chunked(head, framed), Same(route));
            case 2:
                framed.Append("0\r\nX-Trailer: yes\r\n\r\n");
                return Raw(route, $"sent in {chunks.Count} chunks and a trailer field", Chunked(head, framed), Same(route));
            case 7:
                // No last chunk; the request ends there.
                return Raw(route, $"sent in {chunks.Count} chunks without the last, empty one", Chunked(head, framed), Refused([400]), end: true);
            case 8:
                // Content-Length beside Transfer-Encoding: chunked (RFC 9112 §6.3: the chunks count, or the request is refused).
                framed.Append("0\r\n\r\n");
                string both = head.Replace("Connection: close", $"Content-Length: {random.Next(body.Length * 2)}\r\nConnection: close", StringComparison.Ordinal);
                return Raw(route, "Content-Length beside Transfer-Encoding: chunked", Chunked(both, framed), Refused([400], same: _answers[route.Name]));
            case 5:
                // A size past the chunk's data swallows the framing after it into the body (then not JSON: 422), or waits for
                // more: the request then ends there.
                framed.Append("0\r\n\r\n");
                return Raw(route, label, Chunked(head, framed), Refused([400, 413, 422]), end: true);
            default:
                // Framing Kestrel refuses as it reads it: 400 naming it (README).
                framed.Append("0\r\n\r\n");
                return Raw(route, label, Chunked(head, framed), Refused([400, 413]));
        }
    }

    /// <summary>Another method, another path, a route of the other kind of model, or the GET routes with odd requests.</summary>
    private Damage MethodOrPathDamage(Route route, FuzzRandom random)
    {
        byte[] body = Body(route.Fields);
        switch (random.Next(7))
        {
            case 0:
            case 1:
                string method = random.Pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]);
                bool withBody = method != "GET" || random.Next(2) == 0;
                return Raw(route, $"{method} instead of POST", Request(method, route.Path, withBody ? body : null, withBody ? "application/json" : null), Refused([405]));
            case 2:
                string path = random.Pick(["/embeddings", "/embed/x", "/v2/embed", "/", "/embed_al", "/predicts", "/v1/embedding", "/tokenizer", "/info/x", "/" + new string('a', 2000)]);
                // Under /v1 OpenAI's error body is as right as TEI's; elsewhere TEI's.
                return new Damage(route.Server, route.Name, $"POST {(path.Length > 40 ? path[..40] + "…" : path)}", Request("POST", path, body, "application/json"),
                    FuzzExpectation.Reject, [404], false, path.StartsWith("/v1", StringComparison.Ordinal) ? null : false);
            case 3:
                // ASP.NET Core routing matches paths in any letter case and with a trailing slash; TEI's axum does not (404).
                string variant = random.Pick([route.Path.ToUpperInvariant(), route.Path + "/", char.ToUpperInvariant(route.Path[1]) + route.Path[2..], "/" + route.Path]);
                variant = variant.StartsWith('/') ? variant : "/" + variant;
                return Raw(route, $"POST {variant}", Request("POST", variant, body, "application/json"), Refused([404], same: _answers[route.Name]), anyShape: true);
            case 4:
                // A query string means nothing to any route.
                return Raw(route, "a query string ?x=1&inputs=2", Request("POST", route.Path + "?x=1&inputs=2", body, "application/json"), Same(route));
            case 5:
                // The other kind of model's routes: 424 naming the right one (README); /tokenize works on both.
                string server = route.Server == MiniLm ? Classifier : MiniLm;
                bool tokenize = route.Name == "tokenize";
                return new Damage(server, route.Name, $"POST {route.Path} to the {(server == MiniLm ? "embedding model" : "classifier")}",
                    Request("POST", route.Path, body, "application/json"), tokenize ? FuzzExpectation.AcceptAny : FuzzExpectation.Reject, tokenize ? null : [424], false, route.OpenAi);
            default:
                string getRoute = random.Pick(["/health", "/info"]);
                string odd = random.Pick(["a body", "a query string", "POST"]);
                string key = $"{route.Server} {getRoute}";
                return odd switch
                {
                    "a body" => new Damage(route.Server, getRoute, "GET with a JSON body", Request("GET", getRoute, body, "application/json"), FuzzExpectation.Accept(_answers[key]), null, false, false),
                    "a query string" => new Damage(route.Server, getRoute, "GET with ?verbose=1", Request("GET", getRoute + "?verbose=1", null, null), FuzzExpectation.Accept(_answers[key]), null, false, false),
                    _ => new Damage(route.Server, getRoute, "POST instead of GET", Request("POST", getRoute, body, "application/json"), FuzzExpectation.Reject, [405], false, false),
                };
        }
    }

    // ---- the oracle ----------------------------------------------------------------------------------------------

    /// <summary>What setting <paramref name="field"/> of <paramref name="route"/> to the JSON <paramref name="json"/> may do (README, then TEI's types).</summary>
    private Damage.Verdict ValueOracle(Route route, string field, string json)
    {
        FuzzExpectation same = Same(route);
        Damage.Verdict wrong = Refused([422]);
        bool isString = json.StartsWith('"');
        string? text = null;
        try
        {
            text = isString && field is not ("inputs" or "input") ? JsonSerializer.Deserialize<string>(json) : null;
        }
        catch (JsonException)
        {
            // A lone surrogate escape ("\ud800") is no Unicode string: refused as the wrong value (TEI's serde refuses it too).
            return wrong;
        }

        bool isNumber = json.Length > 0 && (char.IsAsciiDigit(json[0]) || json[0] == '-');
        switch (field)
        {
            case "inputs" or "input":
                return InputsOracle(route, json);
            case "normalize":
                return json == "true" ? same : json == "false" ? FuzzExpectation.AcceptAny : wrong;
            case "add_special_tokens":
                return json == "true" ? same : json == "false" ? FuzzExpectation.AcceptAny : wrong;
            case "raw_scores":
                return json == "false" ? same : json == "true" ? FuzzExpectation.AcceptAny : wrong;
            case "truncate":
                // TEI's Option<bool>: null is "not sent". The texts are short: truncating changes nothing.
                return json is "true" or "false" or "null" ? same : wrong;
            case "truncation_direction":
                // Left or Right in any letter case (README); TEI refuses null, the README does not say.
                return text?.ToLowerInvariant() is "left" or "right" ? same : json == "null" ? Refused([422], same: _answers[route.Name]) : wrong;
            case "model":
                // OpenAI's model names the model asked for; the server serves one and answers with its own name.
                return isString ? same : json == "null" ? Refused([422], same: _answers[route.Name]) : wrong;
            case "encoding_format":
                return text == "float" ? same : text == "base64" ? FuzzExpectation.AcceptAny : json == "null" ? Refused([422], same: _answers[route.Name]) : wrong;
            case "dimensions":
                // Only the model's own size (README). 384 written otherwise (384.0, 3.84e2) is 384 to JSON but not a whole number to TEI.
                return json == "384" ? same
                    : isNumber && double.TryParse(json, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == 384 ? Refused([422], same: _answers[route.Name])
                    : json == "null" ? Refused([422], same: _answers[route.Name])
                    : wrong;
            default:
                return same;
        }
    }

    /// <summary>The inputs as <paramref name="json"/>: a text or texts (of a pair on /predict), empty, blank, or of another JSON kind.</summary>
    private static Damage.Verdict InputsOracle(Route route, string json)
    {
        try
        {
            return InputsOracle(route, JsonDocument.Parse(json).RootElement);
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape: not a string of Unicode (TEI's serde refuses it); a 422 or 400.
            return Refused([400, 422]);
        }
    }

    private static Damage.Verdict InputsOracle(Route route, JsonElement value)
    {
        Damage.Verdict wrong = Refused([422]);

        string[]? Texts(JsonElement e) => e.ValueKind == JsonValueKind.String ? [e.GetString()!]
            : e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) ? e.EnumerateArray().Select(x => x.GetString()!).ToArray()
            : null;

        List<string[]>? sequences;
        if (route.Server == Classifier)
        {
            // TEI's PredictInput: a text, a pair ["a", "b"], or a batch of [text] and [a, b] (three or more strings: a batch of texts).
            if (Texts(value) is string[] flat)
            {
                sequences = flat.Length == 2 && value.ValueKind == JsonValueKind.Array ? [flat] : flat.Select(t => new[] { t }).ToList();
            }
            else if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => Texts(e) is { Length: 1 or 2 } && e.ValueKind == JsonValueKind.Array))
            {
                sequences = value.EnumerateArray().Select(e => Texts(e)!).ToList();
            }
            else if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => Texts(e) is { Length: 1 or 2 }))
            {
                // Strings and pairs mixed ([["a", "b"], "c"]): TEI refuses, the server reads it as a batch.
                return new Damage.Verdict(FuzzExpectation.RejectOrAny, [400, 422]);
            }
            else
            {
                return wrong;
            }
        }
        else
        {
            sequences = Texts(value)?.Select(t => new[] { t }).ToList();
            if (sequences is null)
            {
                return wrong;
            }
        }

        if (sequences.Count == 0)
        {
            return Refused([400]);
        }

        if (sequences.Count > 32)
        {
            return wrong;
        }

        // An empty or blank text is a 400 on the routes that compute; /tokenize answers it (README).
        bool blank = sequences.Any(s => s.Any(t => t.All(c => char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.Format)));
        return blank && route.Name != "tokenize" ? Refused([400]) : FuzzExpectation.AcceptAny;
    }

    /// <summary>Inputs of every kind: other texts, empty, blank, nested too deep, of other JSON types.</summary>
    private static readonly string[] InputsValues =
    [
        "\"one other text\"", "[\"x\"]", "[]", "\"\"", "[\"\"]", "[\"   \"]", "\"\\t\\n\"", "\"\\u0301\"", "\"\\u0000\"", "\"\\u200b\"", "[\"a\", \"\"]", "[[\"a\"]]", "[[[\"a\"]]]",
        "[\"a\", 1]", "[\"a\", null]", "[\"a\", [\"b\"]]", "{\"text\": \"a\"}", "384", "true", "null", "{}", "[{}]", "\"😀 日本語 עברית\"", "[\"\\ud800\"]", "\"\\udc00x\"",
        "\"a\\u0000b\"", "[\"x\", \"x\", \"x\"]", "-0", "1e309",
    ];

    /// <summary>/predict's inputs: a text, a pair, a batch of texts and pairs, and the wrong shapes.</summary>
    private static readonly string[] PredictInputsValues =
    [
        "\"one other text\"", "[\"a\", \"b\"]", "[\"a\", \"b\", \"c\"]", "[\"a\"]", "[[\"a\"]]", "[[\"a\", \"b\"], [\"c\"]]", "[[\"a\", \"b\", \"c\"]]", "[[]]", "[]", "[[\"a\", \"\"]]",
        "[\"\", \"b\"]", "[[\"a\"], \"b\"]", "[[[\"a\"]]]", "[\"a\", 1]", "[[\"a\", 1]]", "[[\"a\", null]]", "{\"text\": \"a\"}", "null", "12", "true", "\"\\u0301\"", "[\"a\", \"   \"]",
        "\"\\ud800\"", "[\"a\", \"b\", \"\"]",
    ];

    /// <summary>Values of every JSON kind and the odd numbers (−0, 1e309, past int64, fractions).</summary>
    private static readonly string[] OddValues =
    [
        "\"384\"", "384", "0", "-1", "-0", "1e309", "-1e309", "1.5", "99999999999999999999999", "2147483648", "true", "false", "null", "[]", "[1]", "{}", "{\"value\": 1}",
        "\"\"", "\" \"", "\"true\"", "\"false\"", "\"Right\"", "\"left\"", "\"LEFT\"", "\"Middle\"", "\"Right \"", "\"float\"", "\"base64\"", "\"Float\"", "384.0", "3.84e2", "\"\\u0000\"",
        "\"\\ud800\"", "1", "-384",
    ];

    /// <summary>Fields no route has, or another route's (or API's), or TEI's prompt_name.</summary>
    private static readonly string[] UnknownFields =
        ["fuzz_extra_field", "Inputs", "input", "inputs", "user", "parameters", "normalize", "raw_scores", "add_special_tokens", "truncate", "dimensions", "prompt_name", "model", "", "\\u0069nputs_"];

    /// <summary>Values <paramref name="field"/> takes that give the base request's answer.</summary>
    private static string[] EquivalentValues(Route route, string field) => field switch
    {
        "inputs" or "input" => [route.Fields.First(f => f.Key == field).Json.Replace(", ", ",", StringComparison.Ordinal), route.Fields.First(f => f.Key == field).Json.Replace("[", "[ ", StringComparison.Ordinal)],
        "truncate" => ["true", "null", "false"],
        "truncation_direction" => ["\"right\"", "\"Left\"", "\"left\"", "\"RIGHT\"", "\"lEfT\""],
        "model" => ["\"\"", "\"some-other-model\"", "\"all-MiniLM-L6-v2\"", "\"😀\""],
        "dimensions" => ["384"],
        _ => [route.Fields.First(f => f.Key == field).Json],
    };

    private FuzzExpectation Same(Route route) => FuzzExpectation.Accept(_answers[route.Name]);

    private static Damage.Verdict Refused(int[] statuses, bool anyAnswer = false, string? same = null) =>
        new(anyAnswer ? FuzzExpectation.RejectOrAny : same is null ? FuzzExpectation.Reject : FuzzExpectation.RejectOrSame(same), statuses);

    // ---- building requests ---------------------------------------------------------------------------------------

    private Damage Sent(Route route, string mutation, List<(string Key, string Json)> fields, Damage.Verdict verdict) => Sent(route, mutation, Body(fields), verdict);

    private Damage Sent(Route route, string mutation, byte[] body, Damage.Verdict verdict) => Raw(route, mutation, Post(route.Path, body), verdict);

    /// <param name="anyShape">A refusal may have TEI's or OpenAI's error body (a path no route has under /v1, or a route's path in other letters).</param>
    private static Damage Raw(Route route, string mutation, byte[] request, Damage.Verdict verdict, bool end = false, bool anyShape = false) =>
        new(route.Server, route.Name, mutation, request, verdict.Expected, verdict.Statuses, end, anyShape ? null : route.OpenAi);

    private static byte[] Post(string path, byte[] body) => Request("POST", path, body, "application/json");

    /// <summary>An HTTP/1.1 request with <c>Connection: close</c>; <paramref name="length"/> overrides the Content-Length.</summary>
    private static byte[] Request(string method, string path, byte[]? body, string? contentType, string[]? headers = null, long? length = null)
    {
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: bertgen\r\n");
        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        foreach (string header in headers ?? [])
        {
            head.Append(header).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append("Content-Length: ").Append((length ?? body.Length).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body ?? []];
    }

    private static byte[] Chunked(string head, StringBuilder framed) => [.. Encoding.ASCII.GetBytes(head), .. Encoding.Latin1.GetBytes(framed.ToString())];

    /// <summary>The body <c>{"key": value, …}</c>; <paramref name="space"/> gives the whitespace around every token (else one space after each colon and comma).</summary>
    private static byte[] Body(IEnumerable<(string Key, string Json)> fields, Func<string>? space = null)
    {
        string Around(string fallback) => space is null ? fallback : space();
        var text = new StringBuilder();
        text.Append('{').Append(Around(""));
        bool first = true;
        foreach ((string key, string json) in fields)
        {
            if (!first)
            {
                text.Append(Around("")).Append(',').Append(Around(" "));
            }

            text.Append('"').Append(key).Append('"').Append(Around("")).Append(':').Append(Around(" ")).Append(json);
            first = false;
        }

        text.Append(Around("")).Append('}');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static List<(string Key, string Json)> Replace(List<(string Key, string Json)> fields, int at, (string Key, string Json) field)
    {
        List<(string Key, string Json)> copy = [.. fields];
        copy[at] = field;
        return copy;
    }

    /// <summary>A JSON string literal of <paramref name="text"/>, non-ASCII as UTF-8 (as TEI clients send it).</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string OfLength(int words, int seed)
    {
        var text = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            text.Append(i == 0 ? "" : " ").Append(Words[(i * 7 + seed * 3) % Words.Length]);
        }

        return text.ToString();
    }

    /// <summary>Indexes of the characters inside string literals of <paramref name="json"/> (escapes skipped whole).</summary>
    private static IEnumerable<int> StringCharacters(string json)
    {
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            if (json[i] == '"')
            {
                inString = !inString;
            }
            else if (inString && json[i] == '\\')
            {
                i++;
            }
            else if (inString)
            {
                yield return i;
            }
        }
    }

    /// <summary>Byte offsets inside the string values (or the keys) of a body <see cref="Body"/> wrote, where a byte can go.</summary>
    private static int[] StringValueBytes(byte[] body, bool keys)
    {
        var offsets = new List<int>();
        bool inString = false, isKey = false;
        int depth = 0;
        for (int i = 0; i < body.Length; i++)
        {
            byte b = body[i];
            if (!inString)
            {
                depth += b is (byte)'{' or (byte)'[' ? 1 : b is (byte)'}' or (byte)']' ? -1 : 0;
                if (b == '"')
                {
                    inString = true;

                    // A key is a string at depth 1 followed by a colon; the body's keys are plain ASCII, so look ahead.
                    int close = Array.IndexOf(body, (byte)'"', i + 1);
                    int next = close + 1;
                    while (next < body.Length && body[next] is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r')
                    {
                        next++;
                    }

                    isKey = depth == 1 && next < body.Length && body[next] == ':';
                }
            }
            else if (b == '\\')
            {
                i++;
            }
            else if (b == '"')
            {
                inString = false;
            }
            else if (isKey == keys && (b < 0x80 || b >= 0xC0))
            {
                offsets.Add(i);
            }
        }

        return [.. offsets];
    }

    private static string KeyAt(byte[] body, int at)
    {
        int start = Array.LastIndexOf(body, (byte)'"', at - 1) + 1;
        int end = Array.IndexOf(body, (byte)'"', at);
        return Encoding.UTF8.GetString(body, start, end - start);
    }

    private static string Show(string json) => json.Length <= 60 ? json.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) : json[..57] + "…";

    /// <summary>A route with its valid request's fields (JSON values as written).</summary>
    private sealed record Route(string Name, string Server, string Path, bool OpenAi, string InputsField, IReadOnlyList<(string Key, string Json)> Fields);

    /// <summary>One case: the server it goes to, the whole raw request, what the oracle allows, and the statuses a refusal may have.</summary>
    private sealed record Damage(string Server, string Label, string Mutation, byte[] Request, FuzzExpectation Expected, int[]? Allowed, bool EndRequest, bool? OpenAi)
    {
        /// <summary>An expectation with the statuses a refusal may have (null: a refusal is wrong, but judged by the contract if one comes).</summary>
        public sealed record Verdict(FuzzExpectation Expected, int[]? Statuses)
        {
            public static implicit operator Verdict(FuzzExpectation expected) => new(expected, null);
        }
    }
}
