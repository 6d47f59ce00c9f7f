namespace BertGen.Bench;

/// <summary>One measured case: both engines' medians from the same process run, and their agreement.</summary>
/// <param name="Case">The case's name.</param>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
/// <param name="Threads">Threads each engine used.</param>
/// <param name="Runs">Timed runs per engine.</param>
/// <param name="ForwardGflop">Multiply-add work of one call (2 FLOPs per MAC), from the generator's plan.</param>
/// <param name="BertGenMedianMs">BertGen's median call time.</param>
/// <param name="BertGenP10Ms">BertGen's 10th-percentile call time (what a quiet machine approaches).</param>
/// <param name="OnnxRuntimeMedianMs">ONNX Runtime's median call time.</param>
/// <param name="OnnxRuntimeP10Ms">ONNX Runtime's 10th-percentile call time.</param>
/// <param name="BertGenCallerCpuMs">Median CPU time of the calling thread per BertGen call (with one thread: the whole cost, without other processes' time slices).</param>
/// <param name="OnnxRuntimeCallerCpuMs">The same for ORT.</param>
/// <param name="MaxAbsDiffHidden">Max |BertGen − ORT| over last_hidden_state.</param>
/// <param name="MaxAbsDiffPooled">Max |BertGen − ORT| over the pooler output.</param>
/// <param name="FmaCeilingGflops">The FMA ceiling of the case's threads (median sample), measured before and after the case: the larger.</param>
public sealed record EndToEndRow(
    string Case,
    int Batch,
    int Sequence,
    int Threads,
    int Runs,
    double ForwardGflop,
    double BertGenMedianMs,
    double BertGenP10Ms,
    double OnnxRuntimeMedianMs,
    double OnnxRuntimeP10Ms,
    double BertGenCallerCpuMs,
    double OnnxRuntimeCallerCpuMs,
    double MaxAbsDiffHidden,
    double MaxAbsDiffPooled,
    double FmaCeilingGflops)
{
    /// <summary>BertGen's throughput as a share of the in-run FMA ceiling.</summary>
    public double BertGenCeilingShare => BertGenGflops / FmaCeilingGflops;

    /// <summary>ORT median over BertGen median: above 1 means BertGen is faster.</summary>
    public double Speedup => OnnxRuntimeMedianMs / BertGenMedianMs;

    /// <summary>BertGen's throughput at its median.</summary>
    public double BertGenGflops => ForwardGflop / (BertGenMedianMs / 1000.0);

    /// <summary>ORT's throughput at its median (same FLOP count).</summary>
    public double OnnxRuntimeGflops => ForwardGflop / (OnnxRuntimeMedianMs / 1000.0);
}
