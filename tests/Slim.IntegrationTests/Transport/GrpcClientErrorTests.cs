using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.IntegrationTests.Transport;

/// <summary>How the client end reports servers that fail, misbehave or do not answer.</summary>
public sealed class GrpcClientErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refused_connection_is_connect_failed_unavailable()
    {
        var port = FreePort();
        var error = await Assert.ThrowsAsync<SlimTransportException>(() =>
            GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}") }, Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task A_silent_server_hits_the_connect_timeout_on_the_options_clock()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var time = new ManualTimeProvider();
        var options = new GrpcClientOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            TimeProvider = time,
        };

        var connecting = GrpcStreamClient.ConnectAsync(options, Ct);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(connecting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<SlimTransportException>(() => connecting.WithTimeout());
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancelling_the_connect_is_an_operation_cancelled()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var cancel = new CancellationTokenSource();
        var connecting = GrpcStreamClient.ConnectAsync(
            new GrpcClientOptions { Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}") },
            cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WithTimeout());
    }

    [Theory]
    [InlineData("503", GrpcStatusCode.Unavailable, 503)]
    [InlineData("404", GrpcStatusCode.Unimplemented, 404)]
    [InlineData("401", GrpcStatusCode.Unauthenticated, 401)]
    [InlineData("418", GrpcStatusCode.Unknown, 418)]
    public async Task A_non_200_response_is_not_a_grpc_response(string behaviour, GrpcStatusCode expected, int http)
    {
        await using var server = await MisbehavingServer.StartAsync();
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync(behaviour));
        Assert.Equal(SlimErrorCode.NotGrpcResponse, error.ErrorCode);
        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(http, error.HttpStatusCode);
    }

    [Fact]
    public async Task A_wrong_content_type_is_not_a_grpc_response()
    {
        await using var server = await MisbehavingServer.StartAsync();
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync("html"));
        Assert.Equal(SlimErrorCode.NotGrpcResponse, error.ErrorCode);
        Assert.Contains("text/html", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trailers_only_error_carries_its_status_and_decoded_message()
    {
        await using var server = await MisbehavingServer.StartAsync();
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync("trailers-only-error"));
        Assert.Equal(SlimErrorCode.GrpcStatus, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("no entry 100%", error.StatusDetail);
    }

    [Fact]
    public async Task A_trailers_only_ok_opens_a_stream_that_has_already_ended()
    {
        await using var server = await MisbehavingServer.StartAsync();
        await using var stream = await server.ConnectAsync("trailers-only-ok");
        Assert.Null(await Frames.ReadAsync(stream.Input, Ct).WithTimeout());
    }

    [Fact]
    public async Task A_body_that_ends_without_grpc_status_fails_the_input()
    {
        await using var server = await MisbehavingServer.StartAsync();
        await using var stream = await server.ConnectAsync("no-status");
        Assert.Equal(3, Frames.SequenceOf((await Frames.ReadAsync(stream.Input, Ct).WithTimeout())!));
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => Frames.ReadAsync(stream.Input, Ct).WithTimeout());
        Assert.Equal(SlimErrorCode.NotGrpcResponse, error.ErrorCode);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1")]
    [InlineData("/relative")]
    public async Task Endpoints_other_than_http_and_https_are_invalid(string endpoint)
    {
        var error = await Assert.ThrowsAsync<SlimException>(() =>
            GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = new Uri(endpoint, UriKind.RelativeOrAbsolute) }, Ct));
        Assert.Equal(SlimErrorCode.InvalidArgument, error.ErrorCode);
    }

    [Theory]
    [InlineData("content-type")]
    [InlineData("TE")]
    [InlineData(":path")]
    [InlineData("")]
    public async Task Reserved_request_headers_are_invalid(string name)
    {
        var error = await Assert.ThrowsAsync<SlimException>(() =>
            GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Headers = [new(name, "x")] }, Ct));
        Assert.Equal(SlimErrorCode.InvalidArgument, error.ErrorCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A bare Kestrel HTTP/2 server that answers as the <c>x-behaviour</c> request header says.</summary>
    private sealed class MisbehavingServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private MisbehavingServer(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public static async Task<MisbehavingServer> StartAsync()
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
            var app = builder.Build();
            app.Run(RespondAsync);
            await app.StartAsync(Ct).WithTimeout();
            return new MisbehavingServer(app, new Uri(app.Urls.Single()).Port);
        }

        public Task<IFrameStream> ConnectAsync(string behaviour) =>
            GrpcStreamClient.ConnectAsync(
                new GrpcClientOptions { Endpoint = new Uri($"http://127.0.0.1:{Port}"), Headers = [new("x-behaviour", behaviour)] },
                Ct).WithTimeout();

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(Ct).WithTimeout();
            await _app.DisposeAsync();
        }

        private static async Task RespondAsync(HttpContext context)
        {
            var response = context.Response;
            var behaviour = context.Request.Headers["x-behaviour"].ToString();
            if (int.TryParse(behaviour, out var status))
            {
                response.StatusCode = status;
                return;
            }

            switch (behaviour)
            {
                case "html":
                    response.ContentType = "text/html";
                    await response.WriteAsync("<html></html>", context.RequestAborted);
                    return;
                case "trailers-only-error":
                    response.ContentType = "application/grpc";
                    response.Headers["grpc-status"] = "7";
                    response.Headers["grpc-message"] = "no entry 100%25";
                    return;
                case "trailers-only-ok":
                    response.ContentType = "application/grpc";
                    response.Headers["grpc-status"] = "0";
                    return;
                case "no-status":
                    response.ContentType = "application/grpc";
                    Frames.Write(response.BodyWriter, Frames.Numbered(3));
                    await response.BodyWriter.FlushAsync(context.RequestAborted);
                    return;
            }
        }
    }
}
