using System;
using System.Globalization;
using BertGen.DistributedBench;
using BertGen.Runtime.Distributed;

// Usage (see bench/README.md):
//   mpirun -np 2 dotnet BertGen.DistributedBench.dll allreduce [max-bytes]       Open MPI all-reduce latency and bandwidth
//   dotnet BertGen.DistributedBench.dll compare mini|base [steps] [blocks]      the training configurations, alternated
//   (mpirun -np N) dotnet BertGen.DistributedBench.dll train mini|base MODE STEPS THREADS   one configuration
string mode = args.Length > 0 ? args[0] : "allreduce";
int Int(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
switch (mode)
{
    case "allreduce":
        using (OpenMpiGroup group = OpenMpiGroup.InitializeIfLaunched() ?? throw new InvalidOperationException("start 'allreduce' with mpirun (see bench/README.md)"))
        {
            AllReduceBenchmark.Run(group, args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 440_000_000);
        }

        break;
    case "train":
        using (OpenMpiGroup? group = OpenMpiGroup.InitializeIfLaunched())
        {
            TrainingThroughput.Run(group, args[1], args[2], Int(3, 10), Int(4, 1));
        }

        break;
    case "compare":
        Comparison.Run(args.Length > 1 ? args[1] : "mini", Int(2, 10), Int(3, 3));
        break;
    default:
        throw new ArgumentException($"unknown mode '{mode}' (allreduce, train, compare)");
}

return 0;
