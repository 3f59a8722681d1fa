using System.Security.Authentication;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.IntegrationTests.Transport;

/// <summary>The gRPC transport over TLS (ALPN h2) and mutual TLS, with certificates generated for the test.</summary>
public sealed class GrpcTlsTests(TestPki pki) : IClassFixture<TestPki>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private GrpcServerOptions ServerOptions(bool mutual = false) => new()
    {
        Tls = new GrpcServerTlsOptions
        {
            CertificateFile = pki.ServerCertificateFile,
            KeyFile = pki.ServerKeyFile,
            ClientCaFile = mutual ? pki.CaFile : null,
        },
    };

    private GrpcClientTlsOptions TrustingCa => new() { CaFile = pki.CaFile, IncludeSystemTrust = false };

    [Fact]
    public async Task Frames_echo_over_tls_when_the_client_trusts_the_ca()
    {
        await using var server = await TestServer.StartEchoAsync(ServerOptions());
        Assert.Equal("https", server.Uri.Scheme);
        await using var client = await server.ConnectAsync(server.ClientOptions with { Tls = TrustingCa });

        await AssertEchoAsync(client);
        server.Log.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task An_untrusted_server_certificate_is_refused()
    {
        await using var server = await TestServer.StartEchoAsync(ServerOptions());

        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync());
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.True(HasInner<AuthenticationException>(error), error.ToString());
    }

    [Fact]
    public async Task Insecure_skip_verify_accepts_any_server_certificate()
    {
        await using var server = await TestServer.StartEchoAsync(ServerOptions());
        await using var client = await server.ConnectAsync(server.ClientOptions with { Tls = new GrpcClientTlsOptions { InsecureSkipVerify = true } });
        await AssertEchoAsync(client);
    }

    [Fact]
    public async Task The_server_name_override_is_the_name_checked_against_the_certificate()
    {
        await using var server = await TestServer.StartEchoAsync(ServerOptions());

        await using (var client = await server.ConnectAsync(server.ClientOptions with { Tls = TrustingCa with { ServerName = "slim.test" } }))
        {
            await AssertEchoAsync(client);
        }

        var error = await Assert.ThrowsAsync<SlimTransportException>(() =>
            server.ConnectAsync(server.ClientOptions with { Tls = TrustingCa with { ServerName = "elsewhere.test" } }));
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
    }

    [Fact]
    public async Task Mutual_tls_accepts_a_client_certificate_from_the_client_ca()
    {
        var subject = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(
            async (stream, token) =>
            {
                subject.TrySetResult(((GrpcServerStream)stream).ClientCertificate?.Subject);
                await Frames.EchoAsync(stream.Input, stream.Output, token);
            },
            ServerOptions(mutual: true));

        var tls = TrustingCa with { CertificateFile = pki.ClientCertificateFile, KeyFile = pki.ClientKeyFile };
        await using var client = await server.ConnectAsync(server.ClientOptions with { Tls = tls });

        await AssertEchoAsync(client);
        Assert.Equal("CN=client", await subject.Task.WithTimeout());
        server.Log.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_without_a_certificate()
    {
        var handlerRan = false;
        await using var server = await TestServer.StartAsync(
            (_, _) =>
            {
                handlerRan = true;
                return Task.CompletedTask;
            },
            ServerOptions(mutual: true));

        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync(server.ClientOptions with { Tls = TrustingCa }));
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.False(handlerRan);
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_certificate_from_another_ca()
    {
        var handlerRan = false;
        await using var server = await TestServer.StartAsync(
            (_, _) =>
            {
                handlerRan = true;
                return Task.CompletedTask;
            },
            ServerOptions(mutual: true));

        var tls = TrustingCa with { CertificateFile = pki.OtherClientCertificateFile, KeyFile = pki.OtherClientKeyFile };
        var error = await Assert.ThrowsAsync<SlimTransportException>(() => server.ConnectAsync(server.ClientOptions with { Tls = tls }));
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.False(handlerRan);
    }

    [Fact]
    public async Task Unreadable_tls_files_are_configuration_errors()
    {
        var clientError = await Assert.ThrowsAsync<SlimException>(() => GrpcStreamClient.ConnectAsync(
            new GrpcClientOptions { Endpoint = new Uri("https://127.0.0.1:1"), Tls = new GrpcClientTlsOptions { CaFile = pki.MissingFile } },
            Ct));
        Assert.Equal(SlimErrorCode.TlsConfigurationInvalid, clientError.ErrorCode);

        await using var server = new GrpcStreamServer(
            new GrpcServerOptions { Endpoints = ["127.0.0.1:0"], Tls = new GrpcServerTlsOptions { CertificateFile = pki.MissingFile, KeyFile = pki.ServerKeyFile } },
            (_, _) => Task.CompletedTask);
        var serverError = await Assert.ThrowsAsync<SlimException>(() => server.StartAsync(Ct));
        Assert.Equal(SlimErrorCode.TlsConfigurationInvalid, serverError.ErrorCode);
    }

    private static async Task AssertEchoAsync(IFrameStream client)
    {
        var sent = Frames.Numbered(77, 3000);
        await Frames.WriteAndFlushAsync(client.Output, sent, Ct).WithTimeout();
        Assert.Equal(sent, await Frames.ReadAsync(client.Input, Ct).WithTimeout());
        await client.CompleteAsync().WithTimeout();
        Assert.Null(await Frames.ReadAsync(client.Input, Ct).WithTimeout());
    }

    private static bool HasInner<T>(Exception error)
        where T : Exception
    {
        for (var e = error.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }
}
