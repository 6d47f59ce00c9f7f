using System;
using System.IO;

namespace BertGen.Generator.Tests;

/// <summary>Finds files of the repository from wherever the test assembly runs.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Specs => Path.Combine(Root, "models", "specs");

    public static string Baselines => Path.Combine(Root, "tests", "BertGen.Generator.Tests", "Baselines");

    public static string Spec(string fileName) => Path.Combine(Specs, fileName);

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "BertGen.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("BertGen.sln not found above " + AppContext.BaseDirectory);
    }
}
