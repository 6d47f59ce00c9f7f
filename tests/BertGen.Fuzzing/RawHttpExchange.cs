using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;

namespace BertGen.Fuzzing;

/// <summary>One HTTP answer as the client received it: status, headers (names lowercased, last one kept) and the body's bytes (de-chunked).</summary>
public sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>
/// HTTP/1.1 over a bare socket: the request's bytes sent exactly as given (damaged framing, headers HttpClient will not
/// send, a Content-Length that lies), and the first answer read back by its own framing. Written from RFC 9112, not from
/// any code of the server's.
/// </summary>
public static class RawHttpExchange
{
    /// <summary>Sends <paramref name="request"/> to <paramref name="server"/> and reads one answer.</summary>
    /// <param name="endRequest">Closes the sending side after the request: a body the request promised and did not send ends there.</param>
    /// <returns>The answer, or null when the server closed the connection without sending a byte of one.</returns>
    /// <exception cref="IOException">The connection closed mid-answer, or went quiet for <paramref name="timeout"/>.</exception>
    public static HttpAnswer? Send(Uri server, byte[] request, bool endRequest, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
        socket.Connect(server.Host, server.Port);
        try
        {
            socket.Send(request);
        }
        catch (SocketException)
        {
            // The server may answer and close before a long body is all sent (a Content-Length over the limit): read its answer.
        }

        if (endRequest)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var received = new MemoryStream();
        byte[] buffer = new byte[65536];
        while (true)
        {
            if (TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), closed: false) is HttpAnswer answer)
            {
                return answer;
            }

            int read;
            try
            {
                read = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                throw new IOException($"no whole answer after {timeout.TotalSeconds:F0} s ({received.Length} bytes received)");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                read = 0;
            }

            if (read == 0)
            {
                if (received.Length == 0)
                {
                    return null;
                }

                return TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), closed: true)
                    ?? throw new IOException($"the server closed the connection after {received.Length} bytes, without a whole answer: {Shorten(received)}");
            }

            received.Write(buffer, 0, read);
        }
    }

    /// <summary>The answer in <paramref name="bytes"/> when it is whole (an answer without a length ends when the connection closes).</summary>
    private static HttpAnswer? TryParse(ReadOnlySpan<byte> bytes, bool closed)
    {
        int headersEnd = bytes.IndexOf("\r\n\r\n"u8);
        if (headersEnd < 0)
        {
            return null;
        }

        string[] lines = Encoding.Latin1.GetString(bytes[..headersEnd]).Split("\r\n");
        string[] statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status))
        {
            throw new IOException($"not an HTTP status line: {lines[0]}");
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines[1..])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        ReadOnlySpan<byte> body = bytes[(headersEnd + 4)..];
        if (status is 204 or 304 || (status >= 100 && status < 200))
        {
            return status < 200 ? throw new IOException($"an interim answer {status}, which no request here asks for") : new HttpAnswer(status, headers, []);
        }

        if (headers.TryGetValue("transfer-encoding", out string? encoding) && encoding.EndsWith("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return Dechunk(body) is byte[] whole ? new HttpAnswer(status, headers, whole) : null;
        }

        if (headers.TryGetValue("content-length", out string? length))
        {
            int size = int.Parse(length, NumberStyles.None, CultureInfo.InvariantCulture);
            return body.Length >= size ? new HttpAnswer(status, headers, body[..size].ToArray()) : null;
        }

        return closed ? new HttpAnswer(status, headers, body.ToArray()) : null;
    }

    /// <summary>A chunked body's bytes once its last chunk has arrived, else null.</summary>
    private static byte[]? Dechunk(ReadOnlySpan<byte> body)
    {
        var whole = new MemoryStream();
        int at = 0;
        while (true)
        {
            int lineEnd = body[at..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return null;
            }

            string sizeText = Encoding.Latin1.GetString(body.Slice(at, lineEnd)).Split(';')[0].Trim();
            int size = int.Parse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            at += lineEnd + 2;
            if (size == 0)
            {
                return body[at..].IndexOf("\r\n"u8) >= 0 ? whole.ToArray() : null;
            }

            if (body.Length < at + size + 2)
            {
                return null;
            }

            whole.Write(body.Slice(at, size));
            at += size + 2;
        }
    }

    private static string Shorten(MemoryStream received)
    {
        string text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)Math.Min(received.Length, 200));
        return text.Replace("\r\n", " | ", StringComparison.Ordinal);
    }
}
