using System;
using System.IO;

namespace BertGen.Bench;

/// <summary>
/// What a figure must be named with: the CPU as <c>lscpu</c> names it (model name, family, model, from
/// /proc/cpuinfo, which lscpu reads) and the load average as <c>uptime</c> prints it (/proc/loadavg).
/// </summary>
internal static class HostDescription
{
    /// <summary>E.g. <c>AMD EPYC, CPU family 26 model 2, 2 cores</c>.</summary>
    public static string Cpu()
    {
        string name = "?", family = "?", model = "?";
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    if (line.Length == 0 && name != "?")
                    {
                        break; // the first processor's block is enough
                    }

                    continue;
                }

                string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                switch (key)
                {
                    case "model name": name = value; break;
                    case "cpu family": family = value; break;
                    case "model": model = value; break;
                }
            }
        }

        return $"{name}, CPU family {family} model {model}, {Environment.ProcessorCount} cores";
    }

    /// <summary>The 1, 5 and 15-minute load averages, e.g. <c>1.08, 1.56, 2.01</c>, or "unknown" off Linux.</summary>
    public static string Load()
    {
        if (!File.Exists("/proc/loadavg"))
        {
            return "unknown";
        }

        string[] fields = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"{fields[0]}, {fields[1]}, {fields[2]}";
    }
}
