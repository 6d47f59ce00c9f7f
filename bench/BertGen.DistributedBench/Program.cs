using System;
using System.Globalization;
using BertGen.DistributedBench;
using BertGen.Runtime.Distributed;

// Usage (under mpirun; see bench/README.md):
//   mpirun -np 2 dotnet bin/Release/net10.0/BertGen.DistributedBench.dll allreduce [max-bytes]
using OpenMpiGroup group = OpenMpiGroup.InitializeIfLaunched()
    ?? throw new InvalidOperationException("start this benchmark with mpirun (see bench/README.md)");
string mode = args.Length > 0 ? args[0] : "allreduce";
switch (mode)
{
    case "allreduce":
        AllReduceBenchmark.Run(group, args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 440_000_000);
        break;
    default:
        throw new ArgumentException($"unknown mode '{mode}'");
}

return 0;
