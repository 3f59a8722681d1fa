using System.IO.Pipelines;
using System.Security.Cryptography;
using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Links.Internal;

/// <summary>What this side says about itself and requires of the other during link negotiation.</summary>
/// <param name="NodeId">Our node id (<c>node_id</c>).</param>
/// <param name="DeploymentName">Our deployment name; peers must match it when it is not empty.</param>
/// <param name="RequireHeaderMac">Strict mode: the peer must send a 32-byte X25519 key (so every message is MACed).</param>
/// <param name="Timeout">Time allowed for the whole exchange.</param>
/// <param name="MaxMessageSize">Largest message accepted.</param>
internal sealed record LinkPolicy(
    string NodeId, string DeploymentName, bool RequireHeaderMac, TimeSpan Timeout, int MaxMessageSize);

/// <summary>A negotiated link: who is on the other side and the MAC key (null when the link runs without MAC).</summary>
internal sealed class LinkSession
{
    public LinkSession(
        string linkId,
        ConnectionType connectionType,
        string remoteNodeId,
        string remoteVersion,
        string remoteDeploymentName,
        byte[]? macKey)
    {
        LinkId = linkId;
        ConnectionType = connectionType;
        RemoteNodeId = remoteNodeId;
        RemoteVersion = remoteVersion;
        RemoteDeploymentName = remoteDeploymentName;
        MacKey = macKey;
    }

    public string LinkId { get; }

    public ConnectionType ConnectionType { get; }

    public string RemoteNodeId { get; }

    public string RemoteVersion { get; }

    public string RemoteDeploymentName { get; }

    /// <summary>The 32-byte MAC key, or null on a link without key. Wiped once the MAC contexts are built.</summary>
    public byte[]? MacKey { get; }

    public bool HasMac => MacKey is not null;

    /// <summary>Creates the two MAC contexts (inbound, outbound) and wipes the key; null pair without key.</summary>
    public (HeaderMacContext? Inbound, HeaderMacContext? Outbound) CreateMacContexts()
    {
        if (MacKey is null)
        {
            return (null, null);
        }

        var contexts = (new HeaderMacContext(MacKey, LinkId), new HeaderMacContext(MacKey, LinkId));
        CryptographicOperations.ZeroMemory(MacKey);
        return contexts;
    }
}

/// <summary>Outcome of a negotiation: a session, or why it failed.</summary>
internal readonly record struct NegotiationResult(LinkSession? Session, SlimErrorCode Code, string Reason, string Detail)
{
    public static NegotiationResult Fail(string reason, string detail, SlimErrorCode code = SlimErrorCode.LinkNegotiationFailed) =>
        new(null, code, reason, detail);
}

/// <summary>
/// SLIM v2 link negotiation, both roles. The initiator (the side that opened the stream) sends
/// <c>Link{link_negotiation{link_id, slim_version, is_reply=false, X25519 public key, connection_type, node_id,
/// deployment_name}}</c> first; the acceptor requires it as the very first message, checks role, semver and key,
/// and answers with the same link id, <c>is_reply=true</c>, its own key and the echoed connection type. Both sides
/// then derive the header-MAC key. Nothing else is accepted before the exchange completes.
/// </summary>
internal static class LinkNegotiator
{
    /// <summary>Metric/log reasons of a failed negotiation.</summary>
    internal static class Reasons
    {
        public const string Timeout = "timeout";
        public const string StreamClosed = "stream_closed";
        public const string Malformed = "malformed";
        public const string NotLink = "not_link";
        public const string WrongRole = "wrong_role";
        public const string EmptyLinkId = "empty_link_id";
        public const string LinkIdMismatch = "link_id_mismatch";
        public const string BadVersion = "bad_version";
        public const string MissingKey = "missing_key";
        public const string BadKey = "bad_key";
        public const string BadConnectionType = "bad_connection_type";
        public const string SelfConnection = "self_connection";
        public const string DeploymentMismatch = "deployment_mismatch";
        public const string TooLarge = "too_large";
        public const string Canceled = "canceled";
    }

    /// <summary>
    /// Acceptor role: waits for the peer's Link request and answers it. <paramref name="beforeReply"/> runs once the
    /// request is accepted and before the reply is written, so the connection can be registered before the peer
    /// (which starts sending as soon as it reads the reply) can observe it.
    /// </summary>
    public static async Task<NegotiationResult> AcceptAsync(
        IFrameStream stream, LinkPolicy policy, TimeProvider time, Action<LinkSession>? beforeReply, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(policy.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, stream.Aborted);
        try
        {
            var (message, failure) = await ReadFirstAsync(stream.Input, policy.MaxMessageSize, linked.Token).ConfigureAwait(false);
            if (message is null)
            {
                return failure;
            }

            if (message.MessageTypeCase != Message.MessageTypeOneofCase.Link
                || message.Link.LinkTypeCase != Link.LinkTypeOneofCase.LinkNegotiation)
            {
                return NegotiationResult.Fail(Reasons.NotLink, "first message on the link is not a link negotiation");
            }

            var request = message.Link.LinkNegotiation;
            if (request.IsReply)
            {
                return NegotiationResult.Fail(Reasons.WrongRole, "received a negotiation reply on an incoming connection");
            }

            if (string.IsNullOrEmpty(request.LinkId))
            {
                return NegotiationResult.Fail(Reasons.EmptyLinkId, "the link id is empty");
            }

            if (!SemanticVersion.IsValid(request.SlimVersion))
            {
                return NegotiationResult.Fail(Reasons.BadVersion, "slim_version is not a semantic version");
            }

            var type = request.ConnectionType switch
            {
                LinkConnectionType.Remote => ConnectionType.Remote,
                LinkConnectionType.Peer => ConnectionType.Peer,
                LinkConnectionType.Edge => ConnectionType.Edge,
                _ => (ConnectionType?)null,
            };
            if (type is null)
            {
                return NegotiationResult.Fail(Reasons.BadConnectionType, "unknown connection type");
            }

            if (type == ConnectionType.Peer)
            {
                if (request.NodeId == policy.NodeId)
                {
                    return NegotiationResult.Fail(Reasons.SelfConnection, "peer connection from this node itself");
                }

                if (policy.DeploymentName.Length > 0 && request.DeploymentName != policy.DeploymentName)
                {
                    return NegotiationResult.Fail(Reasons.DeploymentMismatch, "peer deployment name differs");
                }
            }

            var peerKey = request.LinkEcdhPublicKey;
            if (peerKey.Length != 0 && peerKey.Length != X25519.KeySize)
            {
                return NegotiationResult.Fail(Reasons.BadKey, "the X25519 public key length is invalid");
            }

            if (peerKey.Length == 0 && policy.RequireHeaderMac)
            {
                return NegotiationResult.Fail(Reasons.MissingKey, "the peer sent no X25519 key and header MACs are required");
            }

            var reply = new LinkNegotiationPayload
            {
                LinkId = request.LinkId,
                SlimVersion = SlimConstants.WireVersion,
                IsReply = true,
                ConnectionType = request.ConnectionType,
                NodeId = policy.NodeId,
                DeploymentName = policy.DeploymentName,
            };

            byte[]? macKey = null;
            if (peerKey.Length == X25519.KeySize)
            {
                if (!TryAgree(peerKey.Span, request.LinkId, out var publicKey, out macKey))
                {
                    return NegotiationResult.Fail(Reasons.BadKey, "X25519 key agreement failed (low-order peer key)");
                }

                reply.LinkEcdhPublicKey = ByteString.CopyFrom(publicKey);
            }

            var session = new LinkSession(request.LinkId, type.Value, request.NodeId, request.SlimVersion, request.DeploymentName, macKey);
            beforeReply?.Invoke(session);
            await WriteAsync(stream.Output, WireMessage.CreateLink(reply), linked.Token).ConfigureAwait(false);
            return new NegotiationResult(session, SlimErrorCode.Unspecified, string.Empty, string.Empty);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return NegotiationResult.Fail(Reasons.Timeout, "link negotiation timed out", SlimErrorCode.LinkNegotiationTimeout);
        }
        catch (OperationCanceledException)
        {
            return NegotiationResult.Fail(Reasons.Canceled, "link negotiation was canceled", SlimErrorCode.ConnectionClosed);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SlimTransportException)
        {
            return NegotiationResult.Fail(Reasons.StreamClosed, $"stream failed during link negotiation: {ex.Message}", SlimErrorCode.ConnectionClosed);
        }
    }

    /// <summary>Initiator role: sends our Link request and validates the reply.</summary>
    public static async Task<NegotiationResult> InitiateAsync(
        IFrameStream stream,
        LinkPolicy policy,
        string linkId,
        ConnectionType connectionType,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var privateKey = X25519.GeneratePrivateKey();
        try
        {
            var request = new LinkNegotiationPayload
            {
                LinkId = linkId,
                SlimVersion = SlimConstants.WireVersion,
                IsReply = false,
                LinkEcdhPublicKey = ByteString.CopyFrom(X25519.GetPublicKey(privateKey)),
                ConnectionType = connectionType switch
                {
                    ConnectionType.Peer => LinkConnectionType.Peer,
                    ConnectionType.Remote => LinkConnectionType.Remote,
                    _ => LinkConnectionType.Edge,
                },
                NodeId = policy.NodeId,
                DeploymentName = policy.DeploymentName,
            };

            using var timeout = new CancellationTokenSource(policy.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, stream.Aborted);
            try
            {
                await WriteAsync(stream.Output, WireMessage.CreateLink(request), linked.Token).ConfigureAwait(false);
                var (message, failure) = await ReadFirstAsync(stream.Input, policy.MaxMessageSize, linked.Token).ConfigureAwait(false);
                if (message is null)
                {
                    return failure;
                }

                if (message.MessageTypeCase != Message.MessageTypeOneofCase.Link
                    || message.Link.LinkTypeCase != Link.LinkTypeOneofCase.LinkNegotiation)
                {
                    return NegotiationResult.Fail(Reasons.NotLink, "first message from the server is not a link negotiation");
                }

                var reply = message.Link.LinkNegotiation;
                if (!reply.IsReply)
                {
                    return NegotiationResult.Fail(Reasons.WrongRole, "received a negotiation request on an outgoing connection");
                }

                if (reply.LinkId != linkId)
                {
                    return NegotiationResult.Fail(Reasons.LinkIdMismatch, "the reply's link id differs from ours");
                }

                if (!SemanticVersion.IsValid(reply.SlimVersion))
                {
                    return NegotiationResult.Fail(Reasons.BadVersion, "the server's slim_version is not a semantic version");
                }

                var peerKey = reply.LinkEcdhPublicKey;
                byte[]? macKey = null;
                if (peerKey.Length == X25519.KeySize)
                {
                    macKey = new byte[HeaderMac.KeySize];
                    if (!TryDerive(privateKey, peerKey.Span, linkId, macKey))
                    {
                        return NegotiationResult.Fail(Reasons.BadKey, "X25519 key agreement failed (low-order server key)");
                    }
                }
                else if (peerKey.Length != 0 || policy.RequireHeaderMac)
                {
                    return NegotiationResult.Fail(
                        peerKey.Length == 0 ? Reasons.MissingKey : Reasons.BadKey, "public key length is invalid");
                }

                return new NegotiationResult(
                    new LinkSession(linkId, connectionType, reply.NodeId, reply.SlimVersion, reply.DeploymentName, macKey),
                    SlimErrorCode.Unspecified,
                    string.Empty,
                    string.Empty);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return NegotiationResult.Fail(Reasons.Timeout, "link negotiation timed out", SlimErrorCode.LinkNegotiationTimeout);
            }
        }
        catch (OperationCanceledException)
        {
            return NegotiationResult.Fail(Reasons.Canceled, "link negotiation was canceled", SlimErrorCode.ConnectionClosed);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SlimTransportException)
        {
            return NegotiationResult.Fail(Reasons.StreamClosed, $"stream failed during link negotiation: {ex.Message}", SlimErrorCode.ConnectionClosed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private static bool TryAgree(ReadOnlySpan<byte> peerKey, string linkId, out byte[] publicKey, out byte[]? macKey)
    {
        var privateKey = X25519.GeneratePrivateKey();
        try
        {
            publicKey = X25519.GetPublicKey(privateKey);
            macKey = new byte[HeaderMac.KeySize];
            if (TryDerive(privateKey, peerKey, linkId, macKey))
            {
                return true;
            }

            macKey = null;
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private static bool TryDerive(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerKey, string linkId, Span<byte> macKey)
    {
        Span<byte> shared = stackalloc byte[X25519.KeySize];
        try
        {
            X25519.Agree(privateKey, peerKey, shared);
            HeaderMac.DeriveKey(shared, linkId, macKey);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static async ValueTask WriteAsync(PipeWriter output, Message message, CancellationToken cancellationToken)
    {
        GrpcFraming.WriteFrame(output, message);
        var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        if (flush.IsCompleted)
        {
            throw new IOException("the peer stopped reading");
        }
    }

    private static async ValueTask<(Message? Message, NegotiationResult Failure)> ReadFirstAsync(
        PipeReader input, int maxMessageSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = GrpcFraming.TryReadFrame(ref buffer, maxMessageSize, out var payload);
            switch (status)
            {
                case FrameStatus.Complete:
                {
                    var parsed = GrpcFraming.TryParseMessage(payload, out var message, out _);
                    input.AdvanceTo(buffer.Start);
                    return parsed
                        ? (message, default)
                        : (null, NegotiationResult.Fail(Reasons.Malformed, "the first message is not a valid SLIM message"));
                }

                case FrameStatus.Incomplete:
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return (null, NegotiationResult.Fail(
                            Reasons.StreamClosed, "stream closed before link negotiation", SlimErrorCode.ConnectionClosed));
                    }

                    break;

                case FrameStatus.TooLarge:
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    return (null, NegotiationResult.Fail(Reasons.TooLarge, "the first message exceeds the size limit"));

                default:
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    return (null, NegotiationResult.Fail(Reasons.Malformed, "the first frame is invalid"));
            }
        }
    }
}
