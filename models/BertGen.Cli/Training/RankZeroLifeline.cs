using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using BertGen.Runtime.Distributed;

namespace BertGen.Cli.Training;

/// <summary>
/// A TCP connection from every other rank of an mpirun job to rank 0, opened when the job starts, that answers one
/// question for a rank mpirun is stopping: has another rank said why the job ends? mpirun ends every process with
/// SIGTERM alike — the job cancelled (Ctrl-C, a scheduler), a rank ending after its own error or stopped alone, or rank
/// 0 killed — and one line should then say so: that of the rank that knows the cause. A rank that has said it sends a
/// byte (<see cref="Spoke"/>): rank 0 to every other rank, another rank to rank 0, which passes the word on to the rest.
/// A closed connection without that byte means the rank at its other end died silently (kill -9, a crash: the kernel
/// closes its sockets). MPI cannot carry this: the rank being stopped is inside a collective that will never end, and
/// MPI is called from one thread at a time.
/// </summary>
internal sealed class RankZeroLifeline : IDisposable
{
    // Rank 0's port (0: it has no listener) and host name, as one broadcast of fixed size.
    private const int HostBytes = 256;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    // How long rank 0 waits for the connections the other ranks made. They are complete in the listener's backlog already
    // when it starts taking them, so this is a bound against the unforeseen, not a wait anyone should see.
    private static readonly TimeSpan AcceptTimeout = TimeSpan.FromSeconds(2);

    private readonly List<Socket> _connections;

    private RankZeroLifeline(List<Socket> connections) => _connections = connections;

    /// <summary>
    /// Opens the lifeline of <paramref name="group"/>, whose rank 0 runs on <paramref name="host"/> as this rank names it
    /// (every rank calls this at the same point, as a collective). A rank that cannot reach rank 0 (a firewall) has no
    /// lifeline, and reports a stop itself as if rank 0 could not. Rank 0 returns once it holds every connection the
    /// others made, so a word it sends from then on reaches all of them.
    /// </summary>
    public static RankZeroLifeline Open(IDataParallelGroup group, string host)
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
                Encoding.UTF8.GetBytes(host.AsSpan(0, Math.Min(host.Length, HostBytes / 4)), address[4..]);
            }
            catch (SocketException)
            {
                listener?.Stop();
                listener = null;
            }
        }

        group.Broadcast(address, root: 0);
        Socket? toRankZero = null;
        if (group.Rank != 0)
        {
            int port = BitConverter.ToInt32(address);
            string rankZeroHost = Encoding.UTF8.GetString(address[4..].TrimEnd((byte)0));
            toRankZero = port == 0 ? null : Connect(rankZeroHost == host ? "localhost" : rankZeroHost, port);
        }

        // How many ranks connected, so that rank 0 takes exactly those connections before it returns. Taken on a thread
        // of their own, they were held a few milliseconds after training began (or seconds, on a loaded machine), and a
        // word rank 0 sent before then missed them.
        Span<double> connected = [toRankZero is null ? 0 : 1];
        group.AllReduceSum(connected);
        if (listener is null)
        {
            return new RankZeroLifeline(toRankZero is null ? [] : [toRankZero]);
        }

        try
        {
            return new RankZeroLifeline(Accept(listener, (int)connected[0]));
        }
        finally
        {
            listener.Stop();
        }
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

    // Rank 0: the `count` connections the other ranks made, or those taken within AcceptTimeout (a connection lost in
    // between: that rank then speaks for itself, as one without a lifeline does).
    private static List<Socket> Accept(TcpListener listener, int count)
    {
        var connections = new List<Socket>(count);
        using var timeout = new CancellationTokenSource(AcceptTimeout);
        try
        {
            while (connections.Count < count)
            {
                connections.Add(listener.AcceptSocketAsync(timeout.Token).AsTask().GetAwaiter().GetResult());
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Fewer than counted.
        }

        return connections;
    }

    /// <summary>
    /// Tells the ranks at the other end of this lifeline that this rank has said why the job ends, so they need not:
    /// rank 0 tells every other rank, another rank tells rank 0.
    /// </summary>
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
    /// Whether a rank at the other end of this lifeline said why the job ends (<see cref="Spoke"/>) within
    /// <paramref name="wait"/> — for another rank, rank 0; for rank 0, any other rank — rather than having died without
    /// a word (its connection closed) or staying silent; without a connection, false.
    /// </summary>
    public bool Heard(TimeSpan wait)
    {
        List<Socket> open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        var clock = Stopwatch.StartNew();
        Span<byte> word = stackalloc byte[1];
        while (open.Count > 0)
        {
            TimeSpan left = wait - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            var readable = new List<Socket>(open);
            try
            {
                Socket.Select(readable, null, null, left);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }

            foreach (Socket connection in readable)
            {
                try
                {
                    if (connection.Receive(word) == 1)
                    {
                        return true;
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Reset: that rank died.
                }

                open.Remove(connection); // closed without a word
            }
        }

        return false;
    }

    public void Dispose()
    {
        lock (_connections)
        {
            _connections.ForEach(c => c.Dispose());
            _connections.Clear();
        }
    }
}
