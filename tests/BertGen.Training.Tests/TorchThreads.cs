using System.Runtime.CompilerServices;
using TorchSharp;

namespace BertGen.Training.Tests;

internal static class TorchThreads
{
    /// <summary>The oracle's tensors are tiny: one libtorch thread avoids OpenMP spinning on a shared 2-core machine.</summary>
    [ModuleInitializer]
    internal static void UseOneThread() => torch.set_num_threads(1);
}
