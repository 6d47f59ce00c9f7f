using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;

namespace BertGen.Cli;

/// <summary>
/// A compiled model loaded with a BertGen checkpoint's <c>model.safetensors</c> for inference (<c>fill-mask</c>,
/// <c>classify</c>), with one compiled forward pass per shape it is asked for. The model is inference-only: its
/// parameters cannot be read back once packed.
/// </summary>
internal sealed class CheckpointModel : IDisposable
{
    private readonly ComputePool? _pool;
    private readonly Dictionary<(int Batch, int Sequence), IForwardPass> _passes = new();

    private CheckpointModel(ModelDescriptor descriptor, ComputePool? pool, IBertModel model)
    {
        Descriptor = descriptor;
        _pool = pool;
        Model = model;
    }

    public ModelDescriptor Descriptor { get; }

    public IBertModel Model { get; }

    public static CheckpointModel Load(ModelDescriptor descriptor, string weights, int? threads, ComputePrecision? precision = null)
    {
        (precision, bool int8File) = ComputePrecision.For(precision, weights, descriptor);
        if (threads is int count && (count < 1 || count > 1024))
        {
            throw new CliUsageException($"--threads must be between 1 and 1024, not {count}");
        }

        ComputePool? pool = threads is int t ? new ComputePool(t) : null;
        IBertModel? model = null;
        try
        {
            model = descriptor.Create(pool);
            try
            {
                if (int8File)
                {
                    ParameterLoader.LoadInt8(model, weights);
                }
                else
                {
                    ParameterLoader.LoadSafetensors(weights, model.ParameterTable, model.Parameters.AsSpan());
                }
            }
            catch (WeightFileException e)
            {
                throw new CliFailureException($"checkpoint '{weights}' does not fit model '{ModelCatalog.CliName(descriptor)}': {e.Message}", e);
            }

            if (!model.IsInferenceOnly)
            {
                // fill-mask and classify only run forward passes: keep the linear weights once, in the precision's layout.
                model.PrepareWeightsForInference(precision.Runtime);
            }
            return new CheckpointModel(descriptor, pool, model);
        }
        catch
        {
            model?.Dispose();
            pool?.Dispose();
            throw;
        }
    }

    /// <summary>The compiled shape that holds <paramref name="tokens"/> with the least work: smallest batch × sequence.</summary>
    public (int Batch, int Sequence) SmallestShapeFor(int tokens)
    {
        ShapeDescriptor? shape = Descriptor.Shapes.Where(s => s.Sequence >= tokens).OrderBy(s => (long)s.Batch * s.Sequence).FirstOrDefault();
        return shape is null
            ? throw new CliFailureException($"a text of {tokens} tokens is longer than '{ModelCatalog.CliName(Descriptor)}'s longest compiled sequence ({MaxSequence})")
            : (shape.Batch, shape.Sequence);
    }

    public int MaxSequence => Descriptor.Shapes.Max(s => s.Sequence);

    public IForwardPass Pass(int batch, int sequence)
    {
        if (!_passes.TryGetValue((batch, sequence), out IForwardPass? pass))
        {
            pass = Model.CreateForwardPass(batch, sequence);
            _passes[(batch, sequence)] = pass;
        }

        return pass;
    }

    public void Dispose()
    {
        foreach (IForwardPass pass in _passes.Values)
        {
            pass.Dispose();
        }

        Model.Dispose();
        _pool?.Dispose();
    }
}
