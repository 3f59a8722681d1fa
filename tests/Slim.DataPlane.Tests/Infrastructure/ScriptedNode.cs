using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Transport;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>
/// A fake node for the SDK side: accepts link negotiation (with a key), verifies the MAC of what it receives,
/// records every message and answers each with whatever the script returns (or nothing).
/// </summary>
internal sealed class ScriptedNode : IAsyncDisposable
{
    private readonly Func<Message, Message?> _script;
    private readonly List<Message> _received = [];
    private readonly List<Task> _servers = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ScriptedNode(Func<Message, Message?> script) => _script = script;

    public ValueTask<IFrameStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var (client, server) = InMemoryFrameStream.CreatePair();
        lock (_gate)
        {
            _servers.Add(Task.Run(() => ServeAsync(server), CancellationToken.None));
        }

        return ValueTask.FromResult<IFrameStream>(client);
    }

    /// <summary>Waits until <paramref name="count"/> received messages match <paramref name="filter"/>.</summary>
    public async Task<IReadOnlyList<Message>> WaitForAsync(int count, Func<Message, bool> filter)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var matching = _received.Where(filter).ToList();
                if (matching.Count >= count)
                {
                    return matching;
                }

                changed = _changed.Task;
            }

            await changed.WithTimeout(what: $"{count} matching messages at the scripted node");
        }
    }

    private async Task ServeAsync(InMemoryFrameStream server)
    {
        var token = _stop.Token;
        try
        {
            var request = (await server.ReadMessageAsync(token))!.Link.LinkNegotiation;
            var privateKey = X25519.GeneratePrivateKey();
            var key = HeaderMac.DeriveKey(X25519.Agree(privateKey, request.LinkEcdhPublicKey.Span), request.LinkId);
            await server.WriteMessageAsync(WireMessage.CreateLink(new LinkNegotiationPayload
            {
                LinkId = request.LinkId,
                SlimVersion = "2.0.0-alpha.8",
                IsReply = true,
                ConnectionType = request.ConnectionType,
                NodeId = "node-scripted",
                LinkEcdhPublicKey = ByteString.CopyFrom(X25519.GetPublicKey(privateKey)),
            }), token);

            while (await server.ReadMessageAsync(token) is { } message)
            {
                if (message.GetSlimHeader() is { } header)
                {
                    Assert.True(HeaderMac.Verify(key, request.LinkId, header), "The SDK sent a bad header MAC.");
                }

                lock (_gate)
                {
                    _received.Add(message);
                    _changed.TrySetResult();
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                if (_script(message) is { } answer)
                {
                    await server.WriteMessageAsync(answer, token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] servers;
        lock (_gate)
        {
            servers = [.. _servers];
        }

        await Task.WhenAll(servers).WithTimeout(what: "the scripted node to stop");
        _stop.Dispose();
    }
}
