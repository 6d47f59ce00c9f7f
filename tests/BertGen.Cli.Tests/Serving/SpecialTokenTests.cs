using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.Cli.HuggingFace;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;
using BertGen.Text;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// <c>[SEP]</c>, <c>[MASK]</c>, … written in a text, through every path that loads a HuggingFace tokenizer: the bundled
/// models, a folder's <c>tokenizer.json</c> or <c>vocab.txt</c>, and the server. The ids are transformers.js's
/// (BertGen.Text.Tests' <c>Reference/added_tokens_expected.json</c>): "hello [SEP] world" is
/// <c>[101, 7592, 102, 2088, 102]</c>, "x[SEP]y" <c>[101, 1060, 102, 1061, 102]</c>; Google's tokenisation read them as
/// the characters <c>[ sep ]</c> (1031, 19802, 1033), a different vector from sentence-transformers' without a word.
/// </summary>
public sealed class SpecialTokenTests : IClassFixture<MiniLmFolderFixture>
{
    private static readonly (string Text, int[] Ids)[] Reference =
    [
        ("hello [SEP] world", [101, 7592, 102, 2088, 102]),
        ("x[SEP]y", [101, 1060, 102, 1061, 102]),
        ("[MASK][MASK]", [101, 103, 103, 102]),
    ];

    private readonly MiniLmFolderFixture _folder;

    public SpecialTokenTests(MiniLmFolderFixture folder) => _folder = folder;

    [Fact]
    public void Embed_minilm_is_the_model_on_huggingface_ids()
    {
        CliResult result = Cli.Run(["embed", "--quiet", .. Reference.Select(r => r.Text)]);
        Assert.True(result.ExitCode == 0, result.Error);
        float[][] cli = Embeddings.Parse(result).Select(p => p.Embedding).ToArray();

        using var model = new MiniLmL6();
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
        model.PrepareWeightsForInference();
        using var embedder = new SentenceEmbedder(model, PoolingMode.Mean);
        float[][] expected = embedder.Embed([.. Reference.Select(r => TokenizedInput.Single(r.Ids))]);
        float[][] google = embedder.Embed([.. Reference.Select(r => BertWordPieceTokenizer.BertBaseUncased().Encode(r.Text, 256).ToTokenizedInput())]);

        for (int i = 0; i < Reference.Length; i++)
        {
            Assert.True(Embeddings.MaxDifference(expected[i], cli[i]) <= 1e-5, $"text {i + 1}: {Embeddings.MaxDifference(expected[i], cli[i])}");
            Assert.True(Embeddings.MaxDifference(google[i], cli[i]) > 1e-3, $"text {i + 1} reads as Google's");
        }
    }

    [Fact]
    public void Embed_tokens_names_the_special_token_of_the_text()
    {
        CliResult result = Cli.Run("embed", "--quiet", "--tokens", "hello [SEP] world", "[SEP]");

        Assert.True(result.ExitCode == 0, result.Error);
        string[][] tokens = result.OutputLines.Select(line =>
        {
            using JsonDocument json = JsonDocument.Parse(line);
            return json.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        }).ToArray();
        Assert.Equal(["[CLS]", "hello", "[SEP]", "world", "[SEP]"], tokens[0]);

        // Only "[SEP]" is not a blank text: HuggingFace gives it a token.
        Assert.Equal(["[CLS]", "[SEP]", "[SEP]"], tokens[1]);
    }

    [Fact]
    public void A_folder_s_tokenizer_json_and_vocab_txt_both_find_them()
    {
        ModelFolder fast = ModelFolder.Open(_folder.Directory);
        ModelFolder slow = ModelFolder.Open(_folder.Directory, preferVocabularyFile: true);

        foreach ((string text, int[] ids) in Reference)
        {
            Assert.Equal(ids[1..^1], fast.Tokenizer.Tokenize(text));
            Assert.Equal(ids[1..^1], slow.Tokenizer.Tokenize(text));
        }

        Assert.Equal(AddedToken.BertSpecialTokens.OrderBy(t => t.Content), fast.Tokenizer.AddedTokens.OrderBy(t => t.Content));
        Assert.Equal(AddedToken.BertSpecialTokens.OrderBy(t => t.Content), slow.Tokenizer.AddedTokens.OrderBy(t => t.Content));
    }

    [Fact]
    public void A_vocab_txt_folder_takes_its_special_tokens_from_the_tokenizer_settings()
    {
        string directory = _folder.Scratch("vocab-only-settings");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.Delete(Path.Combine(directory, "tokenizer.json"));

        // transformers' dict form, with lstrip: the [MASK] takes in the space before it.
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
            """{"do_lower_case": true, "mask_token": {"content": "[MASK]", "lstrip": true, "rstrip": false, "normalized": false, "single_word": false, "special": true}}""");
        BertWordPieceTokenizer tokenizer = ModelFolder.Open(directory).Tokenizer;
        Assert.Equal([new TokenSpan(1037, 0, 1), new TokenSpan(103, 1, 8)], tokenizer.TokenizeWithOffsets("a [MASK]"));

        // special_tokens_map.json fills what tokenizer_config.json does not name; a token outside the vocabulary is refused.
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"do_lower_case": true}""");
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), """{"sep_token": "<sep>"}""");
        Assert.Equal(
            $"bertgen: error: '{Path.Combine(directory, "special_tokens_map.json")}': \"sep_token\" is '<sep>', which is not in '{Path.Combine(directory, "vocab.txt")}' (BertGen reads only added tokens that are vocabulary entries)",
            Cli.Run("embed", "--model-dir", directory, "hello").AssertOneLineError(1));
    }

    [Fact]
    public void Chunking_counts_a_special_token_as_one_piece()
    {
        BertWordPieceTokenizer tokenizer = ModelFolder.Open(_folder.Directory).Tokenizer;
        string text = string.Join(" [SEP] ", Enumerable.Repeat("river stone", 10));

        PreparedText prepared = TextPreparation.Prepare(tokenizer, text, 12, chunk: true);

        Assert.Equal(29 + 2, prepared.Tokens);
        Assert.All(prepared.Inputs, input => Assert.Contains(102, input.InputIds.Skip(1).SkipLast(1)));
    }

    [Fact]
    public async Task Tokenize_places_a_special_token_of_the_text_as_tei_does()
    {
        // TEI marks special only the tokens its post-processor adds ([CLS] and the closing [SEP]): HuggingFace's encoding has
        // special_tokens_mask 0 for a token matched in the text, so TEI gives it its text and offsets like any other piece.
        await using RunningServer server = await RunningServer.StartAsync();
        using JsonDocument json = JsonDocument.Parse(await (await server.PostAsync("/tokenize", RunningServer.Json("hello [SEP] world"))).Content.ReadAsStringAsync());
        JsonElement[] tokens = json.RootElement[0].EnumerateArray().ToArray();

        Assert.Equal([101, 7592, 102, 2088, 102], tokens.Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal([true, false, false, false, true], tokens.Select(t => t.GetProperty("special").GetBoolean()));
        JsonElement typed = tokens[2];
        Assert.Equal(("[SEP]", 6, 11), (typed.GetProperty("text").GetString(), typed.GetProperty("start").GetInt32(), typed.GetProperty("stop").GetInt32()));
        Assert.Equal(JsonValueKind.Null, tokens[4].GetProperty("start").ValueKind);
    }
}
