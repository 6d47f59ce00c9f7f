using System.Runtime.CompilerServices;

// The training runtime's tests run the optimiser kernels at every vector width (an internal switch).
[assembly: InternalsVisibleTo("BertGen.Training.Runtime.Tests")]
