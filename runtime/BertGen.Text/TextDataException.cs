using System;

namespace BertGen.Text;

/// <summary>
/// Bad text input: a malformed vocabulary, corpus or labelled-text file, or options that cannot produce
/// valid BERT inputs. The message is one line that names the problem (and the file and line where known).
/// </summary>
public sealed class TextDataException : Exception
{
    public TextDataException(string message) : base(message)
    {
    }

    public TextDataException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
