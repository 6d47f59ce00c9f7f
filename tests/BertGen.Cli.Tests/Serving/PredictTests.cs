using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.Cli.Serving;
using BertGen.Models;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// <c>/predict</c> on a served sequence classifier (bert-tiny-classifier with seeded weights saved as a checkpoint), against
/// <c>bertgen classify</c> on the same checkpoint: the same logits through the same softmax, so the probabilities agree to
/// float32 rounding of the served scores (1e-6).
/// </summary>
public sealed class PredictTests
{
    [Fact]
    public async Task Predict_gives_classifys_probabilities_for_single_pair_and_batch_inputs()
    {
        using var folder = new TemporaryFolder();
        string checkpoint = folder.File("classifier.safetensors");
        using (var model = new BertTinyClassifier())
        {
            model.InitializeParameters(seed: 11);
            ParameterSaver.SaveSafetensors(checkpoint, BertTinyClassifier.ParameterTable, model.Parameters.AsSpan());
        }

        string[] texts = ["Jesus wept.", "In the beginning God created the heaven and the earth.", "Blessed are the meek."];
        CliResult classify = Cli.Run(["classify", "--quiet", "--model", "bert-tiny-classifier", "--checkpoint", checkpoint, .. texts]);
        Assert.True(classify.ExitCode == 0, classify.Error);

        await using RunningServer server = await RunningServer.StartAsync(new EncoderOptions("bert-tiny-classifier", checkpoint, null, null));
        using JsonDocument single = JsonDocument.Parse(await (await server.PostAsync("/predict", RunningServer.Json(texts[0]))).Content.ReadAsStringAsync());
        using JsonDocument batch = JsonDocument.Parse(await (await server.PostAsync("/predict", RunningServer.Json(texts.Select(t => new[] { t }).ToArray()))).Content.ReadAsStringAsync());

        Assert.Equal(JsonValueKind.Object, single.RootElement[0].ValueKind);
        for (int i = 0; i < texts.Length; i++)
        {
            using JsonDocument expected = JsonDocument.Parse(classify.OutputLines[i]);
            JsonElement predictions = batch.RootElement[i];
            Assert.Equal(expected.RootElement.GetProperty("label").GetString(), predictions[0].GetProperty("label").GetString());
            Assert.True(predictions[0].GetProperty("score").GetDouble() >= predictions[1].GetProperty("score").GetDouble());
            foreach (JsonElement prediction in predictions.EnumerateArray())
            {
                double probability = expected.RootElement.GetProperty("probabilities").GetProperty(prediction.GetProperty("label").GetString()!).GetDouble();
                // Both are the same float32 probability printed by two writers: equal within float32's rounding below 1
                // (half an ulp ≈ 3e-8). Assert.Equal(…, 6) rounded both sides and failed on a 4e-8 difference straddling
                // a sixth-decimal boundary.
                Assert.InRange(prediction.GetProperty("score").GetDouble() - probability, -1e-6, 1e-6);
            }
        }

        Assert.Equal(batch.RootElement[0].GetRawText(), single.RootElement.GetRawText());

        // ["a", "b"] is one pair (segment ids 1 on b), as TEI reads it: one answer, not two.
        using JsonDocument pair = JsonDocument.Parse(await (await server.PostAsync("/predict", RunningServer.Json(new[] { "Jesus wept.", "He was sad." }))).Content.ReadAsStringAsync());
        Assert.Equal(2, pair.RootElement.GetArrayLength());
        Assert.Equal(JsonValueKind.Object, pair.RootElement[0].ValueKind);

        using JsonDocument raw = JsonDocument.Parse(await (await server.PostAsync("/predict", RunningServer.Json(texts[0], extra: ", \"raw_scores\": true"))).Content.ReadAsStringAsync());
        double[] logits = raw.RootElement.EnumerateArray().Select(p => p.GetProperty("score").GetDouble()).ToArray();
        double softmaxTop = 1 / (1 + Math.Exp(logits[1] - logits[0]));
        Assert.InRange(single.RootElement[0].GetProperty("score").GetDouble() - softmaxTop, -1e-6, 1e-6);

        using JsonDocument info = JsonDocument.Parse(await server.Client.GetStringAsync("/info"));
        Assert.Equal("OT", info.RootElement.GetProperty("model_type").GetProperty("classifier").GetProperty("id2label").GetProperty("0").GetString());
        await RunningServer.ReadErrorAsync(await server.PostAsync("/embed", RunningServer.Json("x")), HttpStatusCode.FailedDependency);

        // Wrong-typed fields name the field and its JSON type, never the .NET type they bind to.
        (string rawScores, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json("x", extra: ", \"raw_scores\": \"true\"")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'raw_scores' must be true or false, not \"true\"", rawScores);
        (string truncate, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json("x", extra: ", \"truncate\": 0")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'truncate' must be true or false, not 0", truncate);
        (string inputs, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", "{\"inputs\": 12}"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'inputs' must be a string, a pair of strings or an array of them, not 12", inputs);
        (string triple, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", "{\"inputs\": [[\"a\", \"b\", \"c\"]]}"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'inputs' must be a string, a pair of strings or an array of them; input 1 must be one text or a pair of texts, not 3", triple);

        // TEI's truncation_direction Left cuts a long pair from its texts' starts: the scores are the kept ends', whole.
        int limit = info.RootElement.GetProperty("max_input_length").GetInt32();
        string[] words = ServeTexts.OfLength(limit + 20, 3).Split(' ');
        string kept = string.Join(' ', words[^(limit - 3 - 4)..]); // [CLS] a [SEP] b [SEP], b = "He was sad." is 4 WordPieces, a word is 1
        double[] leftScores = await RawScoresAsync(server, RunningServer.Json(new[] { string.Join(' ', words), "He was sad." }, extra: ", \"truncate\": true, \"truncation_direction\": \"left\", \"raw_scores\": true"));
        double[] keptScores = await RawScoresAsync(server, RunningServer.Json(new[] { kept, "He was sad." }, extra: ", \"raw_scores\": true"));
        double[] rightScores = await RawScoresAsync(server, RunningServer.Json(new[] { string.Join(' ', words), "He was sad." }, extra: ", \"truncate\": true, \"raw_scores\": true"));
        Assert.Equal(keptScores, leftScores, (x, y) => Math.Abs(x - y) <= 1e-5);
        Assert.NotEqual(rightScores, leftScores, (x, y) => Math.Abs(x - y) <= 1e-5);

        // TEI's truncation_direction is Left or Right.
        (string middle, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json("x", extra: ", \"truncation_direction\": \"Middle\"")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("truncation_direction must be Left or Right, not 'Middle'", middle);

        // An empty or blank text, alone or in a pair, is a 400 naming it (it was classified as [CLS] [SEP]).
        (string blank, string type) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json(new[] { new[] { "Jesus wept." }, new[] { " " } })), HttpStatusCode.BadRequest);
        Assert.Equal("input 2 is only whitespace", blank);
        Assert.Equal("empty", type);
        (string second, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json(new[] { "Jesus wept.", "" })), HttpStatusCode.BadRequest);
        Assert.Equal("the second text of input 1 is empty", second);
        (string accents, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json(new[] { "Jesus wept.", "\u0301" })), HttpStatusCode.BadRequest);
        Assert.Equal("the second text of input 1 has nothing the tokenizer keeps (only accents, control or format characters)", accents);
        (string none, _) = await RunningServer.ReadErrorAsync(await server.PostAsync("/predict", RunningServer.Json(Array.Empty<string>())), HttpStatusCode.BadRequest);
        Assert.Equal("inputs cannot be empty", none);
    }

    /// <summary>A single input's raw scores in label order ("raw_scores": true in the body).</summary>
    private static async Task<double[]> RawScoresAsync(RunningServer server, string body)
    {
        using JsonDocument answer = JsonDocument.Parse(await (await server.PostAsync("/predict", body)).Content.ReadAsStringAsync());
        return answer.RootElement.EnumerateArray().OrderBy(p => p.GetProperty("label").GetString(), StringComparer.Ordinal).Select(p => p.GetProperty("score").GetDouble()).ToArray();
    }
}
