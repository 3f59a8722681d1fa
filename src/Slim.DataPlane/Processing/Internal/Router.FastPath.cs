using System.Security.Cryptography;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Tables;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Processing.Internal;

// The byte-level fast path for publishes between remote connections: no protobuf object graph, no re-encoding of
// names, identity or payload, one copy of the message shared by every output. Same checks, same outcome, same bytes
// as the general path (ProcessRemote), which still handles everything this one declines.
internal sealed partial class Router
{
    /// <summary>
    /// Forwards a publish from a remote connection without parsing it into objects. Returns false, having done
    /// nothing, when the message is not a publish in the accepted shape or goes to a local app; the caller then
    /// takes the general path.
    /// </summary>
    public bool TryForwardRaw(ReadOnlySpan<byte> message, RemoteConnection from, HeaderMacContext? mac)
    {
        if (!RawPublish.TryRead(message, out var raw) || !raw.HasSession)
        {
            return false;
        }

        var destination = raw.DestinationKey;
        var filter = from.Type == ConnectionType.Peer && !Options.RelayPeerPublishes
            ? ConnectionTypeFilter.ExcludePeer
            : ConnectionTypeFilter.All;
        Connection? single = null;
        MatchSet matches = default;
        var anycast = raw.Fanout == SlimConstants.AnycastFanout;
        if (anycast)
        {
            if (Subscriptions.TryMatchOne(destination, from.Id, filter, out var id) && _connections.TryGet(id, out var target))
            {
                if (target.IsLocal)
                {
                    return false;
                }

                single = target;
            }
        }
        else if (Subscriptions.TryMatchAll(destination, from.Id, filter, out matches))
        {
            foreach (var id in matches)
            {
                if (_connections.TryGet(id, out var target) && target.IsLocal)
                {
                    return false;
                }
            }
        }

        Metrics.Received(MessageKind.Publish);
        if (mac is not null && !VerifyRaw(message, in raw, mac))
        {
            var reason = raw.HasMac ? "invalid" : "missing";
            Metrics.MacFailure(reason);
            Metrics.Dropped(raw.HasMac ? DropReasons.MacInvalid : DropReasons.MacMissing);
            Log.HeaderMacFailed(Logger, "publish", from.Id, from.Description, reason);
            return true;
        }

        if (raw.Ttl <= 1)
        {
            Metrics.Dropped(DropReasons.TtlExpired);
            Log.TtlExpired(Logger, "publish", from.Id);
            return true;
        }

        if (single is null && (anycast || matches.IsEmpty))
        {
            Metrics.Dropped(DropReasons.NoRoute);
            if (Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
            {
                Log.NoRoute(Logger, destination.ToString(), raw.Fanout, from.Id);
            }

            return true;
        }

        var frame = OutboundFrame.Create(message, in raw, raw.Ttl - 1, from.Id);
        try
        {
            if (single is not null)
            {
                Deliver(single, frame);
            }
            else
            {
                foreach (var id in matches)
                {
                    if (_connections.TryGet(id, out var target))
                    {
                        Deliver(target, frame);
                    }
                }
            }
        }
        finally
        {
            frame.Release();
        }

        return true;
    }

    private void Deliver(Connection target, OutboundFrame frame) =>
        Count(target is RemoteConnection remote ? remote.TryDeliver(frame) : target.TryDeliver(frame.ToMessage()), target);

    private static bool VerifyRaw(ReadOnlySpan<byte> message, in RawPublish raw, HeaderMacContext mac)
    {
        if (!raw.HasMac || raw.MacValue.Length != HeaderMac.TagSize)
        {
            return false;
        }

        var length = raw.MacBodyLength(received: true);
        raw.WriteMacBody(message, mac.BodyBuffer(length), received: true, raw.Ttl);
        Span<byte> expected = stackalloc byte[HeaderMac.TagSize];
        mac.ComputeTagOverBody(length, expected);
        return CryptographicOperations.FixedTimeEquals(expected, message.Slice(raw.MacValue.Start, HeaderMac.TagSize));
    }
}
