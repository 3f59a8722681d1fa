using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Google.Protobuf;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections.Internal;

/// <summary>Limits of a remote connection's loops.</summary>
/// <param name="QueueCapacity">Messages the outbound queue holds before it drops.</param>
/// <param name="MaxMessageSize">Largest inbound message; a larger frame closes the connection.</param>
/// <param name="BatchBytes">The write loop flushes at least every this many bytes.</param>
/// <param name="StallTimeout">A flush pending this long means the peer stopped reading: disconnect.</param>
internal sealed record RemoteConnectionSettings(int QueueCapacity, int MaxMessageSize, int BatchBytes, TimeSpan StallTimeout);

/// <summary>An item of a remote connection's queue: a message object, or a forwarded frame.</summary>
internal readonly record struct Outgoing(Message? Message, OutboundFrame? Frame);

/// <summary>Why a stream run ended (also the <c>reason</c> tag of closed connections).</summary>
internal static class CloseReasons
{
    public const string PeerClosed = "peer_closed";
    public const string Aborted = "aborted";
    public const string Closed = "closed";
    public const string TooLarge = "too_large";
    public const string BadFrame = "bad_frame";
    public const string Truncated = "truncated";
    public const string Stalled = "stalled";
    public const string TransportError = "transport_error";
    public const string Failed = "failed";

    public static bool IsError(string reason) => reason is not (PeerClosed or Closed);
}

/// <summary>
/// A connection over gRPC streams: one read loop and one write loop per stream, a bounded outbound queue that
/// outlives streams (an outbound link reconnects and keeps draining the same queue).
/// </summary>
/// <remarks>
/// <para>
/// Read loop: frames are taken from the stream with the size limit checked on the 5-byte prefix; each message is
/// parsed and handed to the router synchronously (the router never waits). A malformed message inside a valid
/// frame is dropped; a frame that breaks the framing (too large, compressed, bad flag) closes the connection.
/// </para>
/// <para>
/// Write loop: drains the queue in batches, computes each message's header MAC with the link key, frames it into
/// the stream's writer and flushes once per batch (or every <see cref="RemoteConnectionSettings.BatchBytes"/>).
/// A flush that stays pending for <see cref="RemoteConnectionSettings.StallTimeout"/> means the peer stopped
/// reading: the flush is cancelled and the stream closed. Meanwhile the queue fills and further messages for this
/// connection are dropped (counted); no other connection waits for this one.
/// </para>
/// </remarks>
internal sealed class RemoteConnection : Connection, IDisposable
{
    /// <summary>A frame split across pipe segments is copied to take the fast path up to this size.</summary>
    private const int MaxCopiedFrame = 64 * 1024;

    private readonly Router _router;
    private readonly RemoteConnectionSettings _settings;
    private readonly Channel<Outgoing> _queue;
    private readonly ITimer _stallTimer;
    private readonly byte[] _tag = new byte[HeaderMac.TagSize];
    private LinkSession? _session;
    private LinkSession _lastSession;
    private PipeWriter? _output;
    private int _flushPending;
    private volatile bool _stalled;
    private volatile bool _closed;

    public RemoteConnection(
        ulong id,
        ConnectionType type,
        string description,
        LinkSession session,
        Router router,
        RemoteConnectionSettings settings,
        ForwardedSubscriptions? forwarded)
        : base(id, type, description)
    {
        _router = router;
        _settings = settings;
        _lastSession = session;
        Forwarded = forwarded;
        _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _stallTimer = router.Time.CreateTimer(static s => ((RemoteConnection)s!).OnStallTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The subscriptions forwarded on this connection (outbound Edge/Remote links only), for replay.</summary>
    public ForwardedSubscriptions? Forwarded { get; }

    // Identity of the most recent stream (kept while an outbound link is down).
    public override string LinkId => Volatile.Read(ref _lastSession).LinkId;

    public override string RemoteNodeId => Volatile.Read(ref _lastSession).RemoteNodeId;

    public override bool HasHeaderMac => Volatile.Read(ref _lastSession).HasMac;

    public override bool IsConnected => Volatile.Read(ref _session) is not null;

    public bool IsClosed => _closed;

    public override DeliveryResult TryDeliver(Message message) =>
        _queue.Writer.TryWrite(new Outgoing(message, null)) ? DeliveryResult.Delivered
        : _closed ? DeliveryResult.Closed
        : DeliveryResult.QueueFull;

    /// <summary>Queues a forwarded frame; on success the connection holds a reference it releases once written.</summary>
    public DeliveryResult TryDeliver(OutboundFrame frame)
    {
        frame.AddReference();
        if (_queue.Writer.TryWrite(new Outgoing(null, frame)))
        {
            return DeliveryResult.Delivered;
        }

        frame.Release();
        return _closed ? DeliveryResult.Closed : DeliveryResult.QueueFull;
    }

    /// <summary>Queues a frame, waiting for space (a local sender's single target).</summary>
    public async ValueTask<DeliveryResult> DeliverAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        frame.AddReference();
        try
        {
            await _queue.Writer.WriteAsync(new Outgoing(null, frame), cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Delivered;
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            frame.Release();
            if (ex is OperationCanceledException)
            {
                throw;
            }

            return DeliveryResult.Closed;
        }
    }

    public override async ValueTask<DeliveryResult> DeliverAsync(Message message, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(new Outgoing(message, null)))
        {
            return DeliveryResult.Delivered;
        }

        try
        {
            await _queue.Writer.WriteAsync(new Outgoing(message, null), cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Delivered;
        }
        catch (ChannelClosedException)
        {
            return DeliveryResult.Closed;
        }
    }

    /// <summary>
    /// Runs one negotiated stream until it ends: writes <paramref name="initialMessages"/> first (replays or a peer
    /// sync, computed once the connection is marked connected), calls <paramref name="started"/>, then runs the two
    /// loops. Returns the close reason. Completes our half of the stream; disposing it is the caller's business.
    /// </summary>
    public async Task<string> RunAsync(
        IFrameStream stream,
        LinkSession session,
        Func<IReadOnlyList<Message>>? initialMessages,
        CancellationToken cancellationToken,
        Action? started = null)
    {
        var (inboundMac, outboundMac) = session.CreateMacContexts();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stream.Aborted);
        _stalled = false;
        Volatile.Write(ref _output, stream.Output);
        Volatile.Write(ref _lastSession, session);
        Volatile.Write(ref _session, session);
        string reason;
        try
        {
            var failed = await WriteInitialAsync(stream.Output, initialMessages, outboundMac).ConfigureAwait(false);
            started?.Invoke();
            reason = failed ?? await RunLoopsAsync(stream, inboundMac, outboundMac, run).ConfigureAwait(false);
            if (reason == CloseReasons.Closed && stream.Aborted.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                reason = CloseReasons.Aborted;
            }
        }
        finally
        {
            Volatile.Write(ref _session, null);
            Volatile.Write(ref _output, null);
            _stallTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            inboundMac?.Dispose();
            outboundMac?.Dispose();
        }

        if (reason == CloseReasons.Stalled)
        {
            Log.WriteStalled(_router.Logger, Id, Description, _settings.StallTimeout);
        }

        try
        {
            await stream.CompleteAsync(CloseReasons.IsError(reason)
                ? new SlimDataPlaneException(SlimErrorCode.ConnectionClosed, $"connection closed: {reason}")
                : null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or SlimTransportException)
        {
            // The stream is already gone; nothing more to tell the peer.
        }

        return reason;
    }

    /// <summary>Closes the connection for good: the queue stops accepting and what it held is counted as dropped.</summary>
    public void Close()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        long dropped = 0;
        while (_queue.Reader.TryRead(out var outgoing))
        {
            outgoing.Frame?.Release();
            dropped++;
        }

        _router.Metrics.Dropped(DropReasons.ConnectionClosed, dropped);
    }

    public void Dispose()
    {
        Close();
        _stallTimer.Dispose();
    }

    private async Task<string> RunLoopsAsync(
        IFrameStream stream, HeaderMacContext? inboundMac, HeaderMacContext? outboundMac, CancellationTokenSource run)
    {
        var write = WriteLoopAsync(stream.Output, outboundMac, run.Token);
        var read = ReadLoopAsync(stream.Input, inboundMac, run.Token);
        var first = await Task.WhenAny(read, write).ConfigureAwait(false);
        var reason = await first.ConfigureAwait(false);
        await run.CancelAsync().ConfigureAwait(false);
        stream.Input.CancelPendingRead();
        stream.Output.CancelPendingFlush();
        await Task.WhenAll(read, write).ConfigureAwait(false);
        return reason;
    }

    private async Task<string?> WriteInitialAsync(
        PipeWriter output, Func<IReadOnlyList<Message>>? initialMessages, HeaderMacContext? mac)
    {
        if (initialMessages is null)
        {
            return null;
        }

        var messages = initialMessages();
        if (messages.Count == 0)
        {
            return null;
        }

        try
        {
            foreach (var message in messages)
            {
                Write(output, new Outgoing(message, null), mac);
            }

            return await FlushAsync(output).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or SlimTransportException)
        {
            return CloseReasons.TransportError;
        }
    }

    private async Task<string> ReadLoopAsync(PipeReader input, HeaderMacContext? mac, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var failure = ProcessFrames(ref buffer, mac);
                input.AdvanceTo(buffer.Start, result.Buffer.End);
                if (failure is not null)
                {
                    Log.ClosingConnection(_router.Logger, Id, Description, failure);
                    return failure;
                }

                if (result.IsCanceled)
                {
                    return CloseReasons.Closed;
                }

                if (result.IsCompleted)
                {
                    return buffer.IsEmpty ? CloseReasons.PeerClosed : CloseReasons.Truncated;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return CloseReasons.Closed;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SlimTransportException)
        {
            return CloseReasons.TransportError;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else is a defect (ours or the transport's); close this connection, keep the processor.
            Log.ConnectionFailed(_router.Logger, Id, Description, ex);
            return CloseReasons.Failed;
        }
    }

    private string? ProcessFrames(ref ReadOnlySequence<byte> buffer, HeaderMacContext? mac)
    {
        while (true)
        {
            switch (GrpcFraming.TryReadFrame(ref buffer, _settings.MaxMessageSize, out var payload))
            {
                case FrameStatus.Complete:
                    try
                    {
                        ProcessFrame(payload, mac);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // A defect in processing one message must not take the connection down: log it loudly, drop it.
                        Log.MessageFailed(_router.Logger, Id, Description, ex);
                        _router.Metrics.Dropped(DropReasons.Invalid);
                    }

                    break;
                case FrameStatus.Incomplete:
                    return null;
                case FrameStatus.TooLarge:
                    _router.Metrics.Dropped(DropReasons.Invalid);
                    return CloseReasons.TooLarge;
                default:
                    _router.Metrics.Dropped(DropReasons.Malformed);
                    return CloseReasons.BadFrame;
            }
        }
    }

    // Publishes take the byte-level fast path when they can; everything else is parsed with Google.Protobuf.
    private void ProcessFrame(in ReadOnlySequence<byte> payload, HeaderMacContext? mac)
    {
        if (payload.IsSingleSegment)
        {
            if (_router.TryForwardRaw(payload.FirstSpan, this, mac))
            {
                return;
            }
        }
        else if (payload.Length <= MaxCopiedFrame)
        {
            var copy = ArrayPool<byte>.Shared.Rent((int)payload.Length);
            try
            {
                payload.CopyTo(copy);
                if (_router.TryForwardRaw(copy.AsSpan(0, (int)payload.Length), this, mac))
                {
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        if (GrpcFraming.TryParseMessage(payload, out var message, out var error))
        {
            _router.ProcessRemote(message!, this, mac);
        }
        else
        {
            _router.DropMalformed(this, error);
        }
    }

    private async Task<string> WriteLoopAsync(PipeWriter output, HeaderMacContext? mac, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var unflushed = 0;
                while (reader.TryRead(out var outgoing))
                {
                    unflushed += Write(output, outgoing, mac);
                    if (unflushed >= _settings.BatchBytes)
                    {
                        unflushed = 0;
                        if (await FlushAsync(output).ConfigureAwait(false) is { } stopped)
                        {
                            return stopped;
                        }
                    }
                }

                if (unflushed > 0 && await FlushAsync(output).ConfigureAwait(false) is { } reason)
                {
                    return reason;
                }
            }

            return CloseReasons.Closed;
        }
        catch (OperationCanceledException)
        {
            return CloseReasons.Closed;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SlimTransportException)
        {
            return CloseReasons.TransportError;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ConnectionFailed(_router.Logger, Id, Description, ex);
            return CloseReasons.Failed;
        }
    }

    private int Write(PipeWriter output, Outgoing outgoing, HeaderMacContext? mac)
    {
        if (outgoing.Frame is { } frame)
        {
            try
            {
                return frame.WriteTo(output, mac, _tag);
            }
            finally
            {
                frame.Release();
            }
        }

        var message = outgoing.Message!;
        if (mac is not null && message.GetSlimHeader() is { } header)
        {
            mac.ComputeTag(header, _tag);

            // The message belongs to this connection and is dead once framed; the tag buffer is reused.
            header.HeaderMac = UnsafeByteOperations.UnsafeWrap(_tag);
            var written = GrpcFraming.WriteFrame(output, message);
            header.ClearHeaderMac();
            return written;
        }

        return GrpcFraming.WriteFrame(output, message);
    }

    private async ValueTask<string?> FlushAsync(PipeWriter output)
    {
        var pending = output.FlushAsync();
        FlushResult result;
        if (pending.IsCompleted)
        {
            result = pending.Result;
        }
        else
        {
            Volatile.Write(ref _flushPending, 1);
            _stallTimer.Change(_settings.StallTimeout, Timeout.InfiniteTimeSpan);
            try
            {
                result = await pending.ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _flushPending, 0);
                _stallTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        if (result.IsCanceled)
        {
            return _stalled ? CloseReasons.Stalled : CloseReasons.Closed;
        }

        return result.IsCompleted ? CloseReasons.PeerClosed : null;
    }

    private void OnStallTimer()
    {
        if (Volatile.Read(ref _flushPending) == 0)
        {
            return;
        }

        _stalled = true;
        Volatile.Read(ref _output)?.CancelPendingFlush();
    }
}
