using System;

namespace BertGen.TorchOracle;

/// <summary>
/// Thrown when the oracle is handed something it cannot evaluate faithfully: a missing or misshapen parameter,
/// a token id outside the vocabulary, labels that do not match the head. The message names the problem in one line.
/// </summary>
public sealed class TorchOracleException : Exception
{
    public TorchOracleException(string message)
        : base(message)
    {
    }
}
