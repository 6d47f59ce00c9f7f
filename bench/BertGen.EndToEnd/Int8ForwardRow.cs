namespace BertGen.Bench;

/// <summary>One measured int8 case: the four engines' times from the same process run, the ceilings beside them, and agreement.</summary>
/// <param name="Case">The case's name.</param>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
/// <param name="Runs">Timed runs per engine.</param>
/// <param name="ForwardGflop">Multiply-add work of one call (2 per MAC), from the generator's plan; the same count serves both precisions.</param>
/// <param name="BertGenFp32">BertGen's fp32 forward.</param>
/// <param name="BertGenInt8">BertGen's int8 forward.</param>
/// <param name="OnnxRuntimeFp32">ONNX Runtime on the written fp32 graph.</param>
/// <param name="OnnxRuntimeInt8">ONNX Runtime on the written dynamically quantised graph.</param>
/// <param name="Ceilings">The fp32 FMA and int8 VPDPBUSD ceilings measured right before this case, on its threads.</param>
/// <param name="MaxAbsDiffFp32">Max |BertGen fp32 − ORT fp32| over last_hidden_state.</param>
/// <param name="BertGenInt8MinCosine">Smallest per-token cosine of BertGen int8's last hidden state with BertGen fp32's.</param>
/// <param name="OnnxRuntimeInt8MinCosine">The same for ORT int8 (per-tensor activation scales, so coarser).</param>
public sealed record Int8ForwardRow(
    string Case,
    int Batch,
    int Sequence,
    int Runs,
    double ForwardGflop,
    EngineTimes BertGenFp32,
    EngineTimes BertGenInt8,
    EngineTimes OnnxRuntimeFp32,
    EngineTimes OnnxRuntimeInt8,
    InRunCeilings Ceilings,
    double MaxAbsDiffFp32,
    double BertGenInt8MinCosine,
    double OnnxRuntimeInt8MinCosine)
{
    /// <summary>BertGen fp32 median over BertGen int8 median: how much faster int8 makes BertGen (target ≥ 1.7).</summary>
    public double BertGenInt8Speedup => BertGenFp32.MedianMs / BertGenInt8.MedianMs;

    /// <summary>ORT int8 median over BertGen int8 median: above 1 means BertGen's int8 is faster (target ≥ 1.2).</summary>
    public double Int8VersusOnnxRuntime => OnnxRuntimeInt8.MedianMs / BertGenInt8.MedianMs;

    /// <summary>ORT fp32 median over ORT int8 median: how much faster int8 makes ORT.</summary>
    public double OnnxRuntimeInt8Speedup => OnnxRuntimeFp32.MedianMs / OnnxRuntimeInt8.MedianMs;

    /// <summary>BertGen fp32's GFLOP/s at its median.</summary>
    public double BertGenFp32Gflops => ForwardGflop / (BertGenFp32.MedianMs / 1000.0);

    /// <summary>BertGen int8's G(FL)OP/s at its median, the same operation count.</summary>
    public double BertGenInt8Gops => ForwardGflop / (BertGenInt8.MedianMs / 1000.0);
}
