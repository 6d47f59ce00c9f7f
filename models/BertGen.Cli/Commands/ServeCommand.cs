using System;
using System.CommandLine;
using System.Linq;
using System.Net;
using BertGen.Cli.Serving;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen serve</c>: the model behind HTTP with TEI's API (<see cref="ServeEndpoints"/>), dynamic batching over the
/// compiled shapes (<see cref="InferenceBatcher"/>) and Prometheus metrics, until SIGTERM or Ctrl-C, which drain the
/// requests in flight before the process exits (0).
/// </summary>
internal sealed class ServeCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        Option<string> model = CommonOptions.Model();
        Option<string?> modelDirectory = CommonOptions.ModelDirectory();
        Option<string?> weights = CommonOptions.Weights();
        var checkpoint = new Option<string?>("--checkpoint", "-c")
        {
            Description = "A checkpoint of 'bertgen finetune' (a .safetensors file, a checkpoint-* folder or a run's folder) for --model, e.g. a classifier for /predict.",
            HelpName = "PATH",
        };
        Option<string?> vocabulary = CommonOptions.Vocabulary();
        Option<string?> pooling = CommonOptions.Pooling();
        Option<int?> threads = CommonOptions.Threads();
        var host = new Option<string>("--host") { Description = "The IP address to listen on; 0.0.0.0 for every interface.", DefaultValueFactory = _ => "127.0.0.1", HelpName = "IP" };
        var port = new Option<int>("--port", "-p") { Description = "The TCP port; 0 picks a free one.", DefaultValueFactory = _ => 8080, HelpName = "N" };
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "A batch's budget in computed positions, padding included.", DefaultValueFactory = _ => 16384, HelpName = "N" };
        var maxConcurrent = new Option<int>("--max-concurrent-requests") { Description = "Requests answered at once; more get 429.", DefaultValueFactory = _ => 512, HelpName = "N" };
        var maxClientBatch = new Option<int>("--max-client-batch-size") { Description = "Inputs in one request; more is a 422.", DefaultValueFactory = _ => 32, HelpName = "N" };
        var payloadLimit = new Option<long>("--payload-limit") { Description = "Request body bytes; more is a 413.", DefaultValueFactory = _ => 2_000_000, HelpName = "BYTES" };
        var autoTruncate = new Option<bool>("--auto-truncate") { Description = "Truncate texts over the model's limit even when a request does not send \"truncate\": true (otherwise they get 413)." };
        Option<bool> chunk = CommonOptions.Chunk();
        Option<string?> precision = CommonOptions.Precision();

        var command = new Command("serve", "Serve the model over HTTP with text-embeddings-inference's API: POST /embed, /v1/embeddings (OpenAI), /embed_all, /predict (classifiers), /tokenize; "
            + "GET /health, /info, /metrics (Prometheus). Requests are batched dynamically over the compiled shapes; SIGTERM or Ctrl-C finishes the requests in flight, then exits.")
        {
            model, modelDirectory, weights, checkpoint, vocabulary, pooling, threads, host, port, maxBatchTokens, maxConcurrent, maxClientBatch, payloadLimit,
            autoTruncate, chunk, precision,
        };
        command.SetAction(parse =>
        {
            ServeSettings settings = Settings(parse);
            EncoderOptions options = CommonOptions.Encoder(parse, model, weights, vocabulary, threads, modelDirectory, precision);
            if (parse.GetValue(checkpoint) is string path)
            {
                if (options.WeightsPath is not null)
                {
                    throw new CliUsageException("--checkpoint and --weights both name the weights: give one");
                }

                options = options with { WeightsPath = CheckpointWeights.Resolve(path, "--checkpoint") };
            }

            using SentenceEncoder encoder = SentenceEncoder.Open(options);
            InferenceBatcher.RequireBudget([.. encoder.Architecture.Shapes.Select(s => (s.Batch, s.Sequence))], settings.MaxBatchTokens);
            EmbeddingServer server;
            try
            {
                server = EmbeddingServer.StartAsync(encoder, settings, context.Console.Error).GetAwaiter().GetResult();
            }
            catch (System.IO.IOException e)
            {
                throw new CliFailureException($"cannot listen on {settings.Address}:{settings.Port}: {e.Message}", e);
            }

            try
            {
                context.Console.Error.WriteLine($"bertgen: listening on {server.Address} (loading {encoder.Description}; /health answers 503 until it is ready)");
                server.WaitForShutdownAsync(context.Console.Interrupt).GetAwaiter().GetResult();
                if (server.Loaded.IsFaulted)
                {
                    server.Loaded.GetAwaiter().GetResult();
                }

                context.Console.Error.WriteLine("bertgen: stopped: every request in flight was answered");
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return ExitCodes.Success;

            ServeSettings Settings(ParseResult parse)
            {
                if (!IPAddress.TryParse(parse.GetValue(host), out IPAddress? address))
                {
                    throw new CliUsageException($"--host must be an IP address (127.0.0.1, 0.0.0.0, ::1), not '{parse.GetValue(host)}'");
                }

                // Each refusal echoes the value given, as the other commands' range checks do.
                Require(parse.GetValue(port) is >= 0 and <= 65535, $"--port must be between 0 and 65535, not {parse.GetValue(port)}");
                Require(parse.GetValue(maxBatchTokens) > 0, $"--max-batch-tokens must be positive, not {parse.GetValue(maxBatchTokens)}");
                Require(parse.GetValue(maxConcurrent) > 0, $"--max-concurrent-requests must be positive, not {parse.GetValue(maxConcurrent)}");
                Require(parse.GetValue(maxClientBatch) > 0, $"--max-client-batch-size must be positive, not {parse.GetValue(maxClientBatch)}");
                Require(parse.GetValue(payloadLimit) > 0, $"--payload-limit must be positive, not {parse.GetValue(payloadLimit)}");
                return new ServeSettings(address, parse.GetValue(port), parse.GetValue(maxBatchTokens), parse.GetValue(maxConcurrent), parse.GetValue(maxClientBatch),
                    parse.GetValue(payloadLimit), parse.GetValue(autoTruncate), parse.GetValue(chunk),
                    CommonOptions.ParsePooling(parse.GetValue(pooling)));
            }

            static void Require(bool ok, string message)
            {
                if (!ok)
                {
                    throw new CliUsageException(message);
                }
            }
        });
        return command;
    }
}
