using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>
/// An outbound link from one processor to another over in-memory streams. Each connect attempt makes a new stream
/// pair and hands the server end to the other processor's <see cref="MessageProcessor.AcceptAsync"/>;
/// <see cref="Break"/> resets the current pair, as a network failure would.
/// </summary>
internal sealed class InMemoryLink : IAsyncDisposable
{
    private readonly MessageProcessor _server;
    private readonly List<Task> _accepted = [];
    private readonly Lock _gate = new();
    private InMemoryFrameStream? _current;

    private InMemoryLink(MessageProcessor server) => _server = server;

    /// <summary>Reconnects after 5–50 ms, so tests that break links stay fast.</summary>
    public static OutboundLinkOptions FastReconnect { get; } = new()
    {
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(5),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public OutboundLink Link { get; private set; } = null!;

    /// <summary>Number of streams opened so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>When set, connect attempts fail with this exception (the server is "down").</summary>
    public Exception? RefuseWith { get; set; }

    public static async Task<InMemoryLink> ConnectAsync(
        MessageProcessor client, MessageProcessor server, ConnectionType type, OutboundLinkOptions? options = null)
    {
        var harness = new InMemoryLink(server);
        options = (options ?? FastReconnect) with { ConnectionType = type };
        harness.Link = await client.ConnectAsync(harness.OpenAsync, options, TestContext.Current.CancellationToken).WithTimeout();
        return harness;
    }

    private ValueTask<IFrameStream> OpenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Attempts++;
            if (RefuseWith is { } error)
            {
                throw error;
            }

            var (client, server) = InMemoryFrameStream.CreatePair();
            _current = client;
            _accepted.Add(_server.AcceptAsync(server, CancellationToken.None));
            return ValueTask.FromResult<IFrameStream>(client);
        }
    }

    /// <summary>Resets the current stream (both ends see it aborted).</summary>
    public void Break()
    {
        lock (_gate)
        {
            _current?.Abort();
        }
    }

    /// <summary>Waits until the link has completed <paramref name="count"/> negotiations and is connected.</summary>
    public Task WaitForConnectCountAsync(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(object? sender, OutboundLinkState state)
        {
            if (Link.ConnectCount >= count && Link.State == OutboundLinkState.Connected)
            {
                done.TrySetResult();
            }
        }

        Link.StateChanged += Check;
        Check(null, Link.State);
        return done.Task.WithTimeout(what: $"link connect #{count}").ContinueWith(
            t =>
            {
                Link.StateChanged -= Check;
                t.GetAwaiter().GetResult();
            },
            TaskScheduler.Default);
    }

    /// <summary>
    /// Waits until the other processor has finished with the server end of stream number <paramref name="attempt"/>
    /// (1 = the first), i.e. has removed that connection and its table entries.
    /// </summary>
    public Task WaitForServerEndAsync(int attempt)
    {
        Task accepted;
        lock (_gate)
        {
            accepted = _accepted[attempt - 1];
        }

        return accepted.WithTimeout(what: $"the server end of stream #{attempt} to finish");
    }

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync();
        Task[] accepted;
        lock (_gate)
        {
            accepted = [.. _accepted];
        }

        await Task.WhenAll(accepted).WithTimeout(what: "the server side of the link to finish");
    }
}
