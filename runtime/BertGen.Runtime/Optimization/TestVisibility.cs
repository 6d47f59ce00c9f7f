using System.Runtime.CompilerServices;

// The training runtime's tests run the optimiser kernels at every vector width (an internal switch).
[assembly: InternalsVisibleTo("BertGen.Training.Runtime.Tests")]

// The runtime's tests check that releasing resident pages keeps every byte outside the released pages.
[assembly: InternalsVisibleTo("BertGen.Runtime.Tests")]

// The kernel tests force every int8 GEMM path and call the quantiser and micro-kernels directly; the benchmarks
// time the paths side by side and check ONNX Runtime's int8 against the int8 GEMM.
[assembly: InternalsVisibleTo("BertGen.Kernels.Tests")]
[assembly: InternalsVisibleTo("BertGen.Bench")]
[assembly: InternalsVisibleTo("BertGen.EndToEnd")]

// The training kernels' tests run every vector width (512, 256, scalar) on the same data, and call the
// activation operators through their one dispatch table.
[assembly: InternalsVisibleTo("BertGen.Training.Tests")]

// The GEMM's tiles, blocking and paths, the weight-file readers and writers, the seeded generator and the other
// plumbing are internal: a package user sees the types it calls. The tests, benchmarks, the bertgen CLI (which
// times the load stage by stage, and refuses a resume of another global batch before it reads any data) and
// BertGen.Text (whose corpus shuffle draws from SeededRandom) see them too.
[assembly: InternalsVisibleTo("BertGen.Forward.Tests")]
[assembly: InternalsVisibleTo("BertGen.Cli.Tests")]
[assembly: InternalsVisibleTo("BertGen.TrainingBench")]
[assembly: InternalsVisibleTo("bertgen")]
[assembly: InternalsVisibleTo("BertGen.Text")]
[assembly: InternalsVisibleTo("BertGen.Testing")]
[assembly: InternalsVisibleTo("BertGen.Distributed.Tests")]
[assembly: InternalsVisibleTo("BertGen.DistributedBench")]
[assembly: InternalsVisibleTo("BertGen.Generator.Tests")]
[assembly: InternalsVisibleTo("BertGen.Fuzzing")]

// The one-call jobs build their data once for all the replicas of one process (InProcessGroup.BuildOnce).
[assembly: InternalsVisibleTo("BertGen.Training")]
