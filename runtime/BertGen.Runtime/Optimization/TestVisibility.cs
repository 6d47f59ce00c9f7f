using System.Runtime.CompilerServices;

// The training runtime's tests run the optimiser kernels at every vector width (an internal switch).
[assembly: InternalsVisibleTo("BertGen.Training.Runtime.Tests")]

// The runtime's tests check that releasing resident pages keeps every byte outside the released pages.
[assembly: InternalsVisibleTo("BertGen.Runtime.Tests")]
