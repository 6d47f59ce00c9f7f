using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary><c>bertgen serve --precision int8</c>: the server computes with the int8 passes, says so in /info, and answers as embed --precision int8 does.</summary>
public sealed class Int8ServeTests
{
    [Fact]
    public async Task An_int8_server_reports_int8_and_serves_the_int8_embeddings_of_the_cli()
    {
        const string Text = "This is an example sentence";
        await using RunningServer server = await RunningServer.StartAsync(new EncoderOptions("minilm", null, null, null, Precision: ComputePrecision.Int8));

        using HttpResponseMessage infoResponse = await server.Client.GetAsync("/info");
        using JsonDocument info = JsonDocument.Parse(await infoResponse.Content.ReadAsStringAsync());
        Assert.Equal("int8", info.RootElement.GetProperty("model_dtype").GetString());

        float[] served = Assert.Single(await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json(Text))));
        (_, float[] cli) = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--precision", "int8", Text)));
        (_, float[] fp32) = Assert.Single(Embeddings.Parse(Cli.Run("embed", Text)));

        // The same int8 pass for a lone text of this length in both: the same numbers to float32's JSON round trip.
        Assert.True(Embeddings.MaxDifference(cli, served) <= 1e-6, $"served int8 vs CLI int8: max |Δ| {Embeddings.MaxDifference(cli, served)}");
        Assert.True(Embeddings.MaxDifference(fp32, served) > 1e-4, "the int8 server answered fp32's embedding");
    }
}
