using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using BertGen.Runtime.Distributed;

namespace BertGen.Cli.Training;

/// <summary>
/// A TCP connection from every other rank of an mpirun job to rank 0, opened when the job starts, that answers one
/// question for a rank mpirun is stopping: will rank 0 say why the job ends? mpirun ends every process with SIGTERM
/// alike — the job cancelled (Ctrl-C, a scheduler), rank 0 ending after its own error, or rank 0 killed — and only rank
/// 0 should then print a line, unless it is gone without one. Rank 0 sends a byte once it has said something
/// (<see cref="Spoke"/>); a closed connection without that byte means it died silently (kill -9, a crash: the kernel
/// closes its sockets). MPI cannot carry this: the rank being stopped is inside a collective that will never end, and
/// MPI is called from one thread at a time.
/// </summary>
internal sealed class RankZeroLifeline : IDisposable
{
    // Rank 0's port (0: it has no listener) and host name, as one broadcast of fixed size.
    private const int HostBytes = 256;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly TcpListener? _listener;
    private readonly List<Socket> _connections = [];
    private readonly Socket? _toRankZero;

    private RankZeroLifeline(TcpListener? listener, Socket? toRankZero)
    {
        _listener = listener;
        _toRankZero = toRankZero;
        if (listener is not null)
        {
            new Thread(Accept) { IsBackground = true, Name = "bertgen rank 0 lifeline" }.Start();
        }
    }

    /// <summary>
    /// Opens the lifeline of <paramref name="group"/> (every rank calls this at the same point, as a collective). A rank
    /// that cannot reach rank 0 (a firewall) has no lifeline, and reports a stop itself as if rank 0 could not.
    /// </summary>
    public static RankZeroLifeline Open(OpenMpiGroup group)
    {
        Span<byte> address = stackalloc byte[4 + HostBytes];
        address.Clear();
        TcpListener? listener = null;
        if (group.Rank == 0)
        {
            try
            {
                listener = TcpListener.Create(0); // dual-mode where the machine has IPv6
                listener.Start();
                BitConverter.TryWriteBytes(address, ((IPEndPoint)listener.LocalEndpoint).Port);

                // A host name has at most 64 characters (HOST_NAME_MAX), which fit at UTF-8's 4 bytes each.
                Encoding.UTF8.GetBytes(group.Host.AsSpan(0, Math.Min(group.Host.Length, HostBytes / 4)), address[4..]);
            }
            catch (SocketException)
            {
                listener?.Stop();
                listener = null;
            }
        }

        group.Broadcast(address, root: 0);
        if (group.Rank == 0)
        {
            return new RankZeroLifeline(listener, null);
        }

        int port = BitConverter.ToInt32(address);
        string host = Encoding.UTF8.GetString(address[4..].TrimEnd((byte)0));
        return new RankZeroLifeline(null, port == 0 ? null : Connect(host == group.Host ? "localhost" : host, port));
    }

    // A connection to rank 0, or null when it cannot be made in time.
    private static Socket? Connect(string host, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            socket.ConnectAsync(host, port, timeout.Token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return null;
        }
    }

    // Rank 0: takes the other ranks' connections as they come, until the lifeline is disposed.
    private void Accept()
    {
        try
        {
            while (true)
            {
                Socket connection = _listener!.AcceptSocket();
                lock (_connections)
                {
                    _connections.Add(connection);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    /// <summary>Rank 0: tells every other rank that it has said why the job ends, so they need not.</summary>
    public void Spoke()
    {
        lock (_connections)
        {
            foreach (Socket connection in _connections)
            {
                try
                {
                    connection.Send([1]);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // That rank is gone already.
                }
            }
        }
    }

    /// <summary>
    /// Another rank: whether rank 0 says why the job ends — it said so within <paramref name="wait"/> — rather than
    /// having died without a word (its connection closed) or staying silent; without a connection, false.
    /// </summary>
    public bool RankZeroSpeaks(TimeSpan wait)
    {
        if (_toRankZero is null)
        {
            return false;
        }

        try
        {
            Span<byte> word = stackalloc byte[1];
            return _toRankZero.Poll(wait, SelectMode.SelectRead) && _toRankZero.Receive(word) == 1;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // reset: rank 0 died
        }
    }

    public void Dispose()
    {
        _listener?.Stop();
        lock (_connections)
        {
            _connections.ForEach(c => c.Dispose());
            _connections.Clear();
        }

        _toRankZero?.Dispose();
    }
}
