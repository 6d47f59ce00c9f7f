using System;
using System.Collections.Generic;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertGen.Cli.Serving;

// The HTTP API's bodies, TEI's and OpenAI's field names (snake_case), serialised by the source generator (native AOT).

/// <summary>One text or several: TEI and OpenAI accept <c>"inputs": "text"</c> and <c>"inputs": ["a", "b"]</c>.</summary>
internal sealed record TextInputs(IReadOnlyList<string> Texts);

internal sealed class EmbedRequest
{
    [JsonConverter(typeof(TextInputsConverter))]
    public TextInputs? Inputs { get; set; }

    public bool Normalize { get; set; } = true;

    public bool? Truncate { get; set; }

    /// <summary>TEI's side to cut an over-long text from (<c>Left</c> or <c>Right</c>): only the right is served.</summary>
    public string? TruncationDirection { get; set; }

    /// <summary>TEI's name of a sentence-transformers prompt to prepend: the served models have none.</summary>
    public string? PromptName { get; set; }

    /// <summary>TEI's request for Matryoshka-shortened vectors: BertGen's are the model's own size, so only that size is accepted.</summary>
    public int? Dimensions { get; set; }
}

internal sealed class EmbedAllRequest
{
    [JsonConverter(typeof(TextInputsConverter))]
    public TextInputs? Inputs { get; set; }

    public bool? Truncate { get; set; }

    /// <summary>TEI's side to cut an over-long text from (<c>Left</c> or <c>Right</c>): only the right is served.</summary>
    public string? TruncationDirection { get; set; }

    /// <summary>TEI's name of a sentence-transformers prompt to prepend: the served models have none.</summary>
    public string? PromptName { get; set; }
}

internal sealed class TokenizeRequest
{
    [JsonConverter(typeof(TextInputsConverter))]
    public TextInputs? Inputs { get; set; }

    public bool AddSpecialTokens { get; set; } = true;

    /// <summary>TEI's prompt to prepend before tokenizing (TEI's /tokenize has it too): the served models have none.</summary>
    public string? PromptName { get; set; }
}

internal sealed class OpenAiEmbeddingsRequest
{
    [JsonConverter(typeof(TextInputsConverter))]
    public TextInputs? Input { get; set; }

    public string? Model { get; set; }

    public string? EncodingFormat { get; set; }

    /// <summary>OpenAI's request for shortened vectors: BertGen's are the model's own size, so only that size is accepted.</summary>
    public int? Dimensions { get; set; }
}

/// <summary>
/// <c>/predict</c>'s inputs as TEI reads them: <c>"text"</c> is one sequence, <c>["a", "b"]</c> one pair, and an array of
/// those (<c>[["a"], ["b", "c"]]</c>, or three or more strings) a batch.
/// </summary>
internal sealed record PredictInputs(IReadOnlyList<(string A, string? B)> Sequences, bool IsBatch);

internal sealed class PredictRequest
{
    [JsonConverter(typeof(PredictInputsConverter))]
    public PredictInputs? Inputs { get; set; }

    public bool RawScores { get; set; }

    public bool? Truncate { get; set; }

    /// <summary>TEI's side to cut an over-long text from (<c>Left</c> or <c>Right</c>): only the right is served.</summary>
    public string? TruncationDirection { get; set; }
}

internal sealed record Prediction(float Score, string Label);

internal sealed record SimpleToken(int Id, string Text, bool Special, int? Start, int? Stop);

internal sealed record OpenAiEmbedding<T>(string Object, T Embedding, int Index);

internal sealed record OpenAiUsage(int PromptTokens, int TotalTokens);

internal sealed record OpenAiEmbeddingsResponse<T>(string Object, IReadOnlyList<OpenAiEmbedding<T>> Data, string Model, OpenAiUsage Usage);

internal sealed record ErrorResponse(string Error, string ErrorType);

internal sealed record OpenAiErrorResponse(string Message, int Code, string Type);

internal sealed record EmbeddingModelType(string Pooling);

internal sealed record ClassifierModelType(IReadOnlyDictionary<string, string> Id2label, IReadOnlyDictionary<string, int> Label2id);

/// <summary>TEI's <c>model_type</c>: <c>{"embedding": {…}}</c> or <c>{"classifier": {…}}</c>, the other key absent.</summary>
internal sealed record ModelTypeInfo(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EmbeddingModelType? Embedding,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ClassifierModelType? Classifier);

/// <summary>
/// <c>/info</c>: TEI's fields, then BertGen's own (the compiled model and shapes the server batches over).
/// </summary>
internal sealed record ServerInfo(
    string ModelId,
    string? ModelSha,
    string ModelDtype,
    ModelTypeInfo ModelType,
    int MaxConcurrentRequests,
    int MaxInputLength,
    int MaxBatchTokens,
    int? MaxBatchRequests,
    int MaxClientBatchSize,
    bool AutoTruncate,
    bool Chunk,
    int TokenizationWorkers,
    string Version,
    string CompiledModel,
    IReadOnlyList<int[]> CompiledShapes,
    bool Ready);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(EmbedRequest))]
[JsonSerializable(typeof(EmbedAllRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(OpenAiEmbeddingsRequest))]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(float[][]))]
[JsonSerializable(typeof(float[][][]))]
[JsonSerializable(typeof(Prediction[]))]
[JsonSerializable(typeof(Prediction[][]))]
[JsonSerializable(typeof(SimpleToken[][]))]
[JsonSerializable(typeof(OpenAiEmbeddingsResponse<float[]>))]
[JsonSerializable(typeof(OpenAiEmbeddingsResponse<string>))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
[JsonSerializable(typeof(ServerInfo))]
internal sealed partial class ServeJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The contract's type information writing text as it is, in UTF-8 (TEI answers "crème", not "cr\u00E8me"), and refusing
    /// a field given twice: the last one won, so <c>{"inputs": "a", "inputs": "b"}</c> embedded "b" while a proxy or log
    /// that reads the first saw "a" (TEI's serde refuses it too).
    /// </summary>
    public static ServeJsonContext Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        AllowDuplicateProperties = false,
    });
}

/// <summary>
/// Reads a string or an array of strings. Anything else is a <see cref="JsonException"/> without a message, which
/// <see cref="RequestBodyErrors"/> words from the field and the value sent; a wrong element is a
/// <see cref="RequestValueException"/> naming it.
/// </summary>
internal sealed class TextInputsConverter : JsonConverter<TextInputs>
{
    /// <summary>A null value is read here and refused as a wrong type, so that a null property means the field was not sent.</summary>
    public override bool HandleNull => true;

    public override TextInputs Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new TextInputs([JsonTokens.Text(ref reader, 1)]);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException();
        }

        var texts = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            texts.Add(reader.TokenType == JsonTokenType.String
                ? JsonTokens.Text(ref reader, texts.Count + 1)
                : throw new RequestValueException($"input {texts.Count + 1} is {JsonTokens.Describe(reader.TokenType)}"));
        }

        return new TextInputs(texts);
    }

    public override void Write(Utf8JsonWriter writer, TextInputs value, JsonSerializerOptions options) => throw new NotSupportedException("Inputs are only read.");
}

/// <summary>Reads <c>/predict</c>'s inputs (<see cref="PredictInputs"/>); errors as <see cref="TextInputsConverter"/>'s.</summary>
internal sealed class PredictInputsConverter : JsonConverter<PredictInputs>
{
    /// <summary>As <see cref="TextInputsConverter.HandleNull"/>.</summary>
    public override bool HandleNull => true;

    public override PredictInputs Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new PredictInputs([(JsonTokens.Text(ref reader, 1), null)], IsBatch: false);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException();
        }

        // Read the elements first: ["a", "b"] is one pair, ["a", "b", "c"] three texts, [["a", "b"], "c"] a batch.
        var elements = new List<object>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                elements.Add(JsonTokens.Text(ref reader, elements.Count + 1));
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                var sequence = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    sequence.Add(reader.TokenType == JsonTokenType.String
                        ? JsonTokens.Text(ref reader, elements.Count + 1)
                        : throw new RequestValueException($"input {elements.Count + 1} holds {JsonTokens.Describe(reader.TokenType)}, not a string"));
                }

                if (sequence.Count is < 1 or > 2)
                {
                    throw new RequestValueException($"input {elements.Count + 1} must be one text or a pair of texts, not {sequence.Count}");
                }

                elements.Add(sequence);
            }
            else
            {
                throw new RequestValueException($"input {elements.Count + 1} is {JsonTokens.Describe(reader.TokenType)}");
            }
        }

        if (elements.Count == 2 && elements[0] is string a && elements[1] is string b)
        {
            return new PredictInputs([(a, b)], IsBatch: false);
        }

        var sequences = new List<(string, string?)>();
        foreach (object element in elements)
        {
            sequences.Add(element is string text ? (text, null) : element is List<string> { Count: 1 } one ? (one[0], null) : (((List<string>)element)[0], ((List<string>)element)[1]));
        }

        return new PredictInputs(sequences, IsBatch: true);
    }

    public override void Write(Utf8JsonWriter writer, PredictInputs value, JsonSerializerOptions options) => throw new NotSupportedException("Inputs are only read.");
}

internal static class JsonTokens
{
    /// <summary>Input <paramref name="input"/>'s text; bytes that are not UTF-8 are a <see cref="RequestValueException"/>.</summary>
    public static string Text(ref Utf8JsonReader reader, int input)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new RequestValueException($"input {input} is not valid UTF-8");
        }
    }

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}
