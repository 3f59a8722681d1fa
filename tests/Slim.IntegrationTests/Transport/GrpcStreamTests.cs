using System.Buffers;
using System.IO.Pipelines;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.IntegrationTests.Transport;

/// <summary>The client and server ends of the gRPC transport against each other over h2c on loopback.</summary>
public sealed class GrpcStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Frames_echo_both_ways_over_h2c()
    {
        await using var server = await TestServer.StartEchoAsync();
        await using var client = await server.ConnectAsync();

        foreach (var size in new[] { 4, 100, 5000, 70_000 })
        {
            var sent = Frames.Numbered(size, size);
            await Frames.WriteAndFlushAsync(client.Output, sent, Ct).WithTimeout();
            var echoed = await Frames.ReadAsync(client.Input, Ct).WithTimeout();
            Assert.Equal(sent, echoed);
        }

        await client.CompleteAsync().WithTimeout();
        Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.False(client.Aborted.IsCancellationRequested);
        server.Log.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Ten_thousand_small_frames_arrive_in_order()
    {
        const int count = 10_000;
        await using var server = await TestServer.StartEchoAsync();
        await using var client = await server.ConnectAsync();

        var reader = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var frame = await Frames.ReadAsync(client.Input, Ct);
                Assert.NotNull(frame);
                Assert.Equal(i, Frames.SequenceOf(frame));
                Assert.Equal(Frames.Numbered(i), frame);
            }

            return await Frames.ReadAsync(client.Input, Ct);
        });

        for (var i = 0; i < count; i++)
        {
            Frames.Write(client.Output, Frames.Numbered(i));
            if (i % 64 == 63)
            {
                await client.Output.FlushAsync(Ct).WithTimeout();
            }
        }

        await client.Output.FlushAsync(Ct).WithTimeout();
        await client.CompleteAsync().WithTimeout();
        Assert.Null(await reader.WithTimeout(what: "10k echoed frames"));
    }

    [Fact]
    public async Task More_than_thirty_megabytes_flow_through_one_stream()
    {
        // Kestrel's default request body limit (30,000,000 bytes) once stalled such a stream.
        const int frames = 32 * 1024;
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            var count = 0;
            while (await Frames.ReadAsync(stream.Input, token) is not null)
            {
                count++;
            }

            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(count), token);
        });
        await using var client = await server.ConnectAsync();

        var payload = new byte[1024];
        for (var i = 0; i < frames; i++)
        {
            Frames.Write(client.Output, payload);
            if (client.Output.UnflushedBytes >= 64 * 1024)
            {
                await client.Output.FlushAsync(Ct).WithTimeout();
            }
        }

        await client.Output.FlushAsync(Ct).WithTimeout();
        await client.CompleteAsync().WithTimeout();
        Assert.Equal(frames, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
    }

    [Fact]
    public async Task A_one_mebibyte_frame_round_trips()
    {
        await using var server = await TestServer.StartEchoAsync();
        await using var client = await server.ConnectAsync();
        var big = new byte[1024 * 1024];
        new Random(7).NextBytes(big);

        var echo = Frames.ReadAsync(client.Input, Ct);
        await Frames.WriteAndFlushAsync(client.Output, big, Ct).WithTimeout();
        Assert.Equal(big, await echo.WithTimeout());
    }

    [Fact]
    public async Task Client_completing_ends_the_server_input_and_the_server_status_ends_the_client_input()
    {
        var serverSawEnd = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            var frames = 0;
            while (await Frames.ReadAsync(stream.Input, token) is not null)
            {
                frames++;
            }

            serverSawEnd.TrySetResult(frames);
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(frames), token);
            await stream.CompleteAsync();
        });
        await using var client = await server.ConnectAsync();

        Frames.Write(client.Output, Frames.Numbered(1));
        Frames.Write(client.Output, Frames.Numbered(2));
        await client.Output.FlushAsync(Ct).WithTimeout();
        await client.CompleteAsync().WithTimeout();

        Assert.Equal(2, await serverSawEnd.Task.WithTimeout(what: "server end of input"));
        var reply = await Frames.ReadAsync(client.Input, Ct).WithTimeout();
        Assert.Equal(2, Frames.SequenceOf(reply!));
        Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
    }

    [Fact]
    public async Task Server_completing_with_an_error_gives_the_client_the_status_after_the_messages_before_it()
    {
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(41), token);
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(42), token);
            await stream.CompleteAsync(new SlimTransportException(SlimErrorCode.RoutingFailed, GrpcStatusCode.PermissionDenied, "go away: 100% ünlucky"));
        });
        await using var client = await server.ConnectAsync();

        Assert.Equal(41, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
        Assert.Equal(42, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.GrpcStatus, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("go away: 100% ünlucky", error.StatusDetail);
    }

    [Fact]
    public async Task A_slim_exception_maps_to_its_status_and_a_throwing_handler_to_internal()
    {
        await using var failing = await TestServer.StartAsync((_, _) => throw new InvalidOperationException("secret detail"));
        failing.AllowedErrorIds = [623];
        await using var client = await failing.ConnectAsync();
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret", error.StatusDetail, StringComparison.Ordinal);
        failing.Log.AssertNoUnexpectedErrors(623);
        Assert.Contains(failing.Log.Errors, e => e.EventId.Id == 623);

        await using var refusing = await TestServer.StartAsync((stream, _) =>
            stream.CompleteAsync(new SlimException(SlimErrorCode.IdentityInvalid, "bad token")).AsTask());
        await using var refused = await refusing.ConnectAsync();
        error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(refused.Input, Ct).WithTimeout());
        Assert.Equal(GrpcStatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("bad token", error.StatusDetail);
    }

    [Fact]
    public async Task A_handler_returning_without_completing_ends_with_status_ok()
    {
        await using var server = await TestServer.StartAsync(async (stream, token) =>
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(5), token));
        await using var client = await server.ConnectAsync();

        Assert.Equal(5, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
        Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
    }

    [Fact]
    public async Task Response_headers_reach_the_client_before_the_handler_reads_anything()
    {
        var clientConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            handlerStarted.TrySetResult();

            // Neither reads nor writes until the client has seen the response headers.
            await clientConnected.Task.WaitAsync(token);
            await Frames.EchoAsync(stream.Input, stream.Output, token);
        });

        // ConnectAsync returns only once the response headers arrived.
        await using var client = await server.ConnectAsync();
        await handlerStarted.Task.WithTimeout(what: "handler start");
        clientConnected.TrySetResult();

        await Frames.WriteAndFlushAsync(client.Output, Frames.Numbered(9), Ct).WithTimeout();
        Assert.Equal(9, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
    }

    [Fact]
    public async Task The_client_sends_its_first_frame_before_the_server_writes_anything()
    {
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            // Reads first: a client that held its request back until it heard from the server would deadlock here.
            var first = await Frames.ReadAsync(stream.Input, token);
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(Frames.SequenceOf(first!) + 1), token);
        });
        await using var client = await server.ConnectAsync();

        await Frames.WriteAndFlushAsync(client.Output, Frames.Numbered(100), Ct).WithTimeout();
        Assert.Equal(101, Frames.SequenceOf((await Frames.ReadAsync(client.Input, Ct).WithTimeout())!));
    }

    [Fact]
    public async Task Fifty_concurrent_streams_echo_independently_each_on_its_own_connection()
    {
        var remotes = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>();
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            remotes.TryAdd(((Slim.Node.Hosting.GrpcServerStream)stream).RemoteEndPoint!.ToString(), 0);
            await Frames.EchoAsync(stream.Input, stream.Output, token);
        });
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => server.ConnectAsync())).WithTimeout();
        try
        {
            Assert.Equal(50, server.Server.ActiveStreams);
            await Task.WhenAll(clients.Select(async (client, index) =>
            {
                for (var i = 0; i < 20; i++)
                {
                    var sent = Frames.Numbered((index * 1000) + i, 64);
                    await Frames.WriteAndFlushAsync(client.Output, sent, Ct);
                    Assert.Equal(sent, await Frames.ReadAsync(client.Input, Ct));
                }

                await client.CompleteAsync();
                Assert.Null(await Frames.ReadAsync(client.Input, Ct));
            })).WithTimeout(what: "50 streams");

            // Every handler has echoed, so every one has recorded its peer.
            Assert.Equal(50, remotes.Count);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Request_headers_reach_the_handler()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync((stream, _) =>
        {
            seen.TrySetResult(((Slim.Node.Hosting.GrpcServerStream)stream).GetRequestHeader("authorization"));
            return Task.CompletedTask;
        });
        await using var client = await server.ConnectAsync(server.ClientOptions with { Headers = [new("authorization", "Bearer abc")] });
        Assert.Equal("Bearer abc", await seen.Task.WithTimeout());
    }

    [Fact]
    public async Task Disposing_the_client_cancels_the_server_handler_token()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            using var registration = token.Register(() => cancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.True(stream.Aborted.IsCancellationRequested);
        });
        var client = await server.ConnectAsync();
        await started.Task.WithTimeout(what: "handler start");

        await client.DisposeAsync().WithTimeout();
        Assert.True(client.Aborted.IsCancellationRequested);
        await cancelled.Task.WithTimeout(what: "handler token cancelled");
    }

    [Fact]
    public async Task An_aborted_server_stream_fails_the_client_input_and_fires_aborted()
    {
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            await Frames.WriteAndFlushAsync(stream.Output, Frames.Numbered(1), token);
            await stream.DisposeAsync();
        });
        await using var client = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<SlimTransportException>(async () =>
        {
            while (await Frames.ReadAsync(client.Input, Ct).WithTimeout() is not null)
            {
            }
        });
        Assert.Equal(SlimErrorCode.TransportFailed, error.ErrorCode);
        Assert.True(client.Aborted.IsCancellationRequested);
    }

    [Fact]
    public async Task A_reset_from_the_server_fires_aborted_without_a_pending_read()
    {
        var reset = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, _) =>
        {
            await reset.Task;
            await stream.DisposeAsync();
        });
        await using var client = await server.ConnectAsync();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = client.Aborted.Register(() => aborted.TrySetResult());

        reset.TrySetResult();
        await aborted.Task.WithTimeout(what: "client Aborted");

        // The writer learns that the stream is gone from its flushes; the reader learns why.
        await FlushUntilCompletedAsync(client).WithTimeout(what: "output completion");
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.TransportFailed, error.ErrorCode);
    }

    [Fact]
    public async Task A_dying_connection_fires_aborted_without_a_pending_read()
    {
        // The handler ignores the stop, so the connection is aborted under it.
        var server = await TestServer.StartAsync((stream, _) => Task.Delay(Timeout.Infinite, stream.Aborted));
        await using var client = await server.ConnectAsync();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = client.Aborted.Register(() => aborted.TrySetResult());

        // A zero drain aborts every connection at once.
        await server.Server.StopAsync(TimeSpan.Zero, Ct).WithTimeout();
        await aborted.Task.WithTimeout(what: "client Aborted");
        await server.DisposeAsync();
    }

    [Fact]
    public async Task After_the_server_ends_the_call_the_client_output_reports_completion_not_an_abort()
    {
        await using var server = await TestServer.StartAsync((stream, _) => stream.CompleteAsync().AsTask());
        await using var client = await server.ConnectAsync();

        Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
        await FlushUntilCompletedAsync(client).WithTimeout(what: "output completion");
        Assert.False(client.Aborted.IsCancellationRequested);
    }

    /// <summary>Writes until a flush reports completion: the end of the stream reaches the request half shortly after the event that caused it.</summary>
    private static async Task FlushUntilCompletedAsync(IFrameStream client)
    {
        while (true)
        {
            Frames.Write(client.Output, Frames.Numbered(1));
            if ((await client.Output.FlushAsync(Ct)).IsCompleted)
            {
                return;
            }

            await Task.Yield();
        }
    }
}
