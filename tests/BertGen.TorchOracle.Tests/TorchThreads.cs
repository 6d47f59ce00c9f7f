using System.Runtime.CompilerServices;
using TorchSharp;

namespace BertGen.TorchOracle.Tests;

internal static class TorchThreads
{
    /// <summary>
    /// The tests' tensors are tiny, and the machine is two cores shared with other builds: libtorch's OpenMP pool
    /// then spends its time spinning and waiting for descheduled threads (a 0.5 s test took 13 s under load).
    /// One intra-op thread is faster here and makes reductions run in one fixed order.
    /// </summary>
    [ModuleInitializer]
    internal static void UseOneThread() => torch.set_num_threads(1);
}
