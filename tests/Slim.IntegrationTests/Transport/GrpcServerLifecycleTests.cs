using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.IntegrationTests.Transport;

/// <summary>Server behaviour around the stream: request routing, graceful stop, endpoints, misbehaving clients.</summary>
public sealed class GrpcServerLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Other_paths_get_unimplemented_and_other_content_types_415()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var http = new HttpClient();

        using (var response = await http.SendAsync(GrpcRequest(server, "/dataplane.proto.v1.DataPlaneService/Nope", "application/grpc"), Ct).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("12", Single(response, GrpcProtocol.StatusHeader));
            Assert.Contains("Nope", Single(response, GrpcProtocol.MessageHeader), StringComparison.Ordinal);
        }

        using (var response = await http.SendAsync(GrpcRequest(server, GrpcProtocol.OpenChannelPath, "application/json"), Ct).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        Assert.Equal(0, server.Server.ActiveStreams);
    }

    [Fact]
    public async Task Accepted_and_rejected_requests_are_counted_on_the_transport_meter()
    {
        long accepted = 0;
        long rejected = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Slim.Transport" && instrument.Name.StartsWith("slim.transport.server.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "slim.transport.server.streams.accepted")
            {
                Interlocked.Add(ref accepted, value);
            }
            else if (instrument.Name == "slim.transport.server.requests.rejected")
            {
                Interlocked.Add(ref rejected, value);
            }
        });
        listener.Start();

        await using var server = await TestServer.StartEchoAsync();
        await using (var client = await server.ConnectAsync())
        {
            await client.CompleteAsync().WithTimeout();
            Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(GrpcRequest(server, "/unknown", "application/grpc"), Ct).WithTimeout();

        // Other tests may run meanwhile, so the counts are lower bounds.
        Assert.True(Interlocked.Read(ref accepted) >= 1, "no accepted stream counted");
        Assert.True(Interlocked.Read(ref rejected) >= 1, "no rejected request counted");
    }

    [Fact]
    public async Task Stop_cancels_handler_tokens_and_a_cooperative_handler_ends_with_unavailable()
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            reading.TrySetResult();
            await Frames.ReadAsync(stream.Input, token);
        });
        await using var client = await server.ConnectAsync();
        await reading.Task.WithTimeout(what: "handler start");

        var stopwatch = Stopwatch.StartNew();
        await server.Server.StopAsync(TimeSpan.FromSeconds(30), Ct).WithTimeout(what: "stop");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"stop took {stopwatch.Elapsed}");

        var error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, server.Server.ActiveStreams);
        server.Log.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Stop_with_a_handler_that_ignores_its_token_ends_at_the_drain_timeout()
    {
        var drain = TimeSpan.FromMilliseconds(500);
        var tokenCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inputFailed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            using var registration = token.Register(() => tokenCancelled.TrySetResult());
            reading.TrySetResult();
            try
            {
                await Frames.ReadAsync(stream.Input, CancellationToken.None);
            }
            catch (Exception ex)
            {
                inputFailed.TrySetResult(ex);
            }
        });
        await using var client = await server.ConnectAsync();
        await reading.Task.WithTimeout(what: "handler start");

        var stopwatch = Stopwatch.StartNew();
        await server.Server.StopAsync(drain, Ct).WithTimeout(what: "stop");
        var elapsed = stopwatch.Elapsed;

        Assert.True(tokenCancelled.Task.IsCompleted, "the handler token was not cancelled by stop");
        Assert.True(elapsed >= drain - TimeSpan.FromMilliseconds(50), $"stop returned after {elapsed}, before the drain timeout");
        Assert.True(elapsed < drain + TimeSpan.FromSeconds(5), $"stop took {elapsed}");
        Assert.IsType<SlimTransportException>(await inputFailed.Task.WithTimeout(what: "handler input aborted"));

        await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(client.Input, Ct).WithTimeout());
        Assert.True(client.Aborted.IsCancellationRequested);
    }

    [Fact]
    public async Task A_stopped_server_refuses_connections()
    {
        var server = await TestServer.StartEchoAsync();
        var options = server.ClientOptions;
        await server.DisposeAsync();

        var error = await Assert.ThrowsAsync<SlimTransportException>(() => GrpcStreamClient.ConnectAsync(options, Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Bound_endpoints_report_the_ports_picked_and_a_taken_port_fails_to_bind()
    {
        await using var first = new GrpcStreamServer(new GrpcServerOptions { Endpoints = ["localhost:0", "127.0.0.1:0"] }, (_, _) => Task.CompletedTask);
        await first.StartAsync(Ct).WithTimeout();
        Assert.Equal(2, first.BoundEndpoints.Count);
        Assert.All(first.BoundEndpoints, e => Assert.Equal(IPAddress.Loopback, e.Address));
        Assert.All(first.BoundEndpoints, e => Assert.NotEqual(0, e.Port));
        Assert.NotEqual(first.BoundEndpoints[0].Port, first.BoundEndpoints[1].Port);

        await using var second = new GrpcStreamServer(
            new GrpcServerOptions { Endpoints = [first.BoundEndpoints[0].ToString()] },
            (_, _) => Task.CompletedTask);
        var error = await Assert.ThrowsAsync<SlimException>(() => second.StartAsync(Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.EndpointBindFailed, error.ErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("example.com:80")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("::1:80")]
    [InlineData("[127.0.0.1]:80")]
    [InlineData(":80")]
    public void Malformed_endpoints_are_refused(string endpoint)
    {
        var error = Assert.Throws<SlimException>(() => new GrpcStreamServer(new GrpcServerOptions { Endpoints = [endpoint] }, (_, _) => Task.CompletedTask));
        Assert.Equal(SlimErrorCode.EndpointBindFailed, error.ErrorCode);
    }

    [Fact]
    public void Out_of_range_http2_settings_are_refused()
    {
        GrpcServerOptions[] invalid =
        [
            new() { InitialStreamWindowSize = 1000 },
            new() { InitialConnectionWindowSize = 0 },
            new() { MaxStreamsPerConnection = 0 },
            new() { KeepAlivePingInterval = TimeSpan.FromMilliseconds(10) },
            new() { KeepAlivePingTimeout = TimeSpan.Zero },
        ];
        foreach (var options in invalid)
        {
            var error = Assert.Throws<SlimException>(() => new GrpcStreamServer(options, (_, _) => Task.CompletedTask));
            Assert.Equal(SlimErrorCode.InvalidArgument, error.ErrorCode);
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_does_not_stall_other_streams()
    {
        var firehoseBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long firehoseBytes = 0;
        await using var server = await TestServer.StartAsync(async (stream, token) =>
        {
            if (((GrpcServerStream)stream).GetRequestHeader("x-test-mode") != "firehose")
            {
                await Frames.EchoAsync(stream.Input, stream.Output, token);
                return;
            }

            var payload = new byte[16 * 1024];
            while (!token.IsCancellationRequested)
            {
                Frames.Write(stream.Output, payload);
                var flush = stream.Output.FlushAsync(token);
                if (!flush.IsCompleted)
                {
                    firehoseBlocked.TrySetResult();
                }

                if ((await flush).IsCompleted)
                {
                    return;
                }

                Interlocked.Add(ref firehoseBytes, payload.Length + 5);
            }
        });

        await using var raw = await RawHttp2Connection.OpenAsync(server.Endpoint, Ct).WithTimeout();
        await raw.SendRequestHeadersAsync(
            1,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", GrpcProtocol.OpenChannelPath),
                (":authority", server.Endpoint.ToString()),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
                ("x-test-mode", "firehose"),
            ],
            Ct).WithTimeout();
        await firehoseBlocked.Task.WithTimeout(what: "firehose blocked on the silent client");

        await using var client = await server.ConnectAsync();
        for (var i = 0; i < 100; i++)
        {
            var sent = Frames.Numbered(i, 256);
            await Frames.WriteAndFlushAsync(client.Output, sent, Ct).WithTimeout();
            Assert.Equal(sent, await Frames.ReadAsync(client.Input, Ct).WithTimeout());
        }

        var big = new byte[1024 * 1024];
        await Frames.WriteAndFlushAsync(client.Output, big, Ct).WithTimeout();
        Assert.Equal(big, await Frames.ReadAsync(client.Input, Ct).WithTimeout());

        // The silent client's window (64 KiB) and Kestrel's buffers bound what the firehose could hand over.
        Assert.InRange(Interlocked.Read(ref firehoseBytes), 0, 1024 * 1024);
        Assert.Equal(2, server.Server.ActiveStreams);

        var stopwatch = Stopwatch.StartNew();
        await server.Server.StopAsync(TimeSpan.FromSeconds(1), Ct).WithTimeout(what: "stop with a silent client");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(8), $"stop took {stopwatch.Elapsed}");
    }

    private static HttpRequestMessage GrpcRequest(TestServer server, string path, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Uri, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([]),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return request;
    }

    private static string? Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
