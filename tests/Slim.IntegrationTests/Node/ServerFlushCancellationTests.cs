using System.Buffers;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>
/// The server stream's writer keeps the <c>CancelPendingFlush</c> contract over Kestrel HTTP/2, which the data plane's
/// stall detection relies on: a flush blocked by a client that stopped reading returns cancelled.
/// </summary>
public sealed class ServerFlushCancellationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flush_blocked_by_a_client_that_does_not_read_returns_cancelled_when_cancelled()
    {
        var blocked = new TaskCompletionSource<IFrameStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<FlushOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new GrpcStreamServer(
            new GrpcServerOptions { Endpoints = ["127.0.0.1:0"] },
            async (stream, token) =>
            {
                var chunk = new byte[16 * 1024];
                for (var i = 0; i < 10_000; i++)
                {
                    stream.Output.Write(chunk);
                    var flush = stream.Output.FlushAsync(token);
                    if (!flush.IsCompleted)
                    {
                        // Blocked on HTTP/2 flow control: let the test cancel it.
                        blocked.TrySetResult(stream);
                    }

                    var result = await flush;
                    if (result.IsCanceled || result.IsCompleted)
                    {
                        outcome.TrySetResult(new FlushOutcome(result.IsCanceled, result.IsCompleted));
                        return;
                    }
                }

                outcome.TrySetResult(new FlushOutcome(false, false));
            });
        await server.StartAsync(Ct).WithTimeout();

        // The client grants a 64 KiB window and buffers 16 KiB, then never reads.
        var options = new GrpcClientOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{server.BoundEndpoints[0].Port}"),
            InitialStreamWindowSize = 65_535,
            MaxPendingReceiveBytes = 16 * 1024,
        };
        await using var client = await GrpcStreamClient.ConnectAsync(options, Ct).WithTimeout();
        var stream = await blocked.Task.WithTimeout(what: "a flush to block");

        stream.Output.CancelPendingFlush();
        var result = await outcome.Task.WithTimeout(what: "the blocked flush to return");
        Assert.True(result.Canceled, $"the flush must report the cancellation, got {result}");
        Assert.False(result.Completed);
    }

    private sealed record FlushOutcome(bool Canceled, bool Completed);
}
