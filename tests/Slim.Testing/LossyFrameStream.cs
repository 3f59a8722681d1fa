using System.Buffers;
using System.IO.Pipelines;
using Slim.DataPlane.Transport;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Testing;

/// <summary>What a <see cref="LossyFrameStream"/> does to the frames it carries.</summary>
/// <param name="DropRate">Fraction (0–1) of eligible messages that vanish.</param>
/// <param name="DuplicateRate">Fraction of eligible messages sent twice.</param>
/// <param name="ReorderRate">Fraction of eligible messages held back and sent after the next message.</param>
/// <param name="Seed">Seed of the random draws (each direction has its own generator, so a run is repeatable).</param>
/// <param name="Eligible">Which messages may be affected; null for every Publish. Link negotiation, subscriptions and
/// their acks are never touched.</param>
public sealed record LossOptions(
    double DropRate = 0,
    double DuplicateRate = 0,
    double ReorderRate = 0,
    int Seed = 1,
    Func<Message, bool>? Eligible = null)
{
    /// <summary>Only session data (MSG, MSG_ACK, RTX_REQUEST, RTX_REPLY): the session's reliability machinery under test.</summary>
    public static bool SessionData(Message message) =>
        message.Publish?.Session?.SessionMessageType is SessionMessageType.Msg or SessionMessageType.MsgAck
            or SessionMessageType.RtxRequest or SessionMessageType.RtxReply;
}

/// <summary>
/// An <see cref="IFrameStream"/> decorator that drops, duplicates and reorders a configurable, seeded fraction of the
/// messages going either way, for testing what sessions do on a bad network. Frames are passed whole (the per-link
/// header MAC of each stays valid).
/// </summary>
public sealed class LossyFrameStream : IFrameStream
{
    private static readonly TimeSpan HoldLimit = TimeSpan.FromMilliseconds(20);

    private readonly IFrameStream _inner;
    private readonly LossOptions _options;
    private readonly Pipe _outbound = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _inbound = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Task _outboundPump;
    private readonly Task _inboundPump;
    private Exception? _completion;
    private int _completed;
    private long _passed;
    private long _dropped;
    private long _duplicated;
    private long _reordered;

    /// <summary>Wraps <paramref name="inner"/>; the disturbance starts when <see cref="Enabled"/> is set.</summary>
    public LossyFrameStream(IFrameStream inner, LossOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        _options = options;
        _outboundPump = Task.Run(() => PumpAsync(_outbound.Reader, inner.Output, new Random(options.Seed), completeInner: true));
        _inboundPump = Task.Run(() => PumpAsync(inner.Input, _inbound.Writer, new Random(options.Seed + 1), completeInner: false));
    }

    /// <summary>When false, every frame passes untouched.</summary>
    public bool Enabled { get; set; }

    /// <summary>Eligible messages passed unchanged while enabled.</summary>
    public long Passed => Interlocked.Read(ref _passed);

    /// <summary>Messages dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages sent twice so far.</summary>
    public long Duplicated => Interlocked.Read(ref _duplicated);

    /// <summary>Messages sent after the one that followed them.</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    public PipeReader Input => _inbound.Reader;

    public PipeWriter Output => _outbound.Writer;

    public string RemoteDescription => _inner.RemoteDescription + " (lossy)";

    public CancellationToken Aborted => _inner.Aborted;

    public ValueTask CompleteAsync(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _completion = error;
            _outbound.Writer.Complete();
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await _inbound.Reader.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAll(_outboundPump, _inboundPump).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"passed {Passed}, dropped {Dropped}, duplicated {Duplicated}, reordered {Reordered}";

    private async Task PumpAsync(PipeReader from, PipeWriter to, Random random, bool completeInner)
    {
        Exception? failure = null;
        byte[]? held = null;
        try
        {
            while (true)
            {
                ReadResult result;
                if (held is null)
                {
                    result = await from.ReadAsync().ConfigureAwait(false);
                }
                else
                {
                    // A held frame goes out after the next one, or on its own if nothing follows soon.
                    using var limit = new CancellationTokenSource(HoldLimit);
                    try
                    {
                        result = await from.ReadAsync(limit.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        await WriteAsync(to, held).ConfigureAwait(false);
                        held = null;
                        continue;
                    }
                }

                var buffer = result.Buffer;
                var consumed = buffer.Start;
                while (true)
                {
                    var frameStart = buffer.Start;
                    var status = GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out var payload);
                    if (status != FrameStatus.Complete)
                    {
                        break;
                    }

                    var frame = result.Buffer.Slice(frameStart, buffer.Start).ToArray();
                    consumed = buffer.Start;
                    var action = Decide(payload, random);
                    switch (action)
                    {
                        case Action.Drop:
                            Interlocked.Increment(ref _dropped);
                            break;
                        case Action.Duplicate:
                            Interlocked.Increment(ref _duplicated);
                            await WriteAsync(to, frame, frame).ConfigureAwait(false);
                            break;
                        case Action.Hold when held is null:
                            Interlocked.Increment(ref _reordered);
                            held = frame;
                            break;
                        default:
                            if (action == Action.Pass)
                            {
                                Interlocked.Increment(ref _passed);
                            }

                            await WriteAsync(to, frame).ConfigureAwait(false);
                            if (held is not null)
                            {
                                await WriteAsync(to, held).ConfigureAwait(false);
                                held = null;
                            }

                            break;
                    }
                }

                from.AdvanceTo(consumed, result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            if (held is not null)
            {
                await WriteAsync(to, held).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = ex;
        }

        await from.CompleteAsync().ConfigureAwait(false);
        if (completeInner)
        {
            try
            {
                await _inner.CompleteAsync(_completion).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The inner stream is already gone.
            }
        }
        else
        {
            await to.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    private Action Decide(ReadOnlySequence<byte> payload, Random random)
    {
        if (!Enabled || !GrpcFraming.TryParseMessage(payload, out var message, out _) || message?.Publish is null)
        {
            return Action.Untouched;
        }

        if (_options.Eligible is { } eligible && !eligible(message))
        {
            return Action.Untouched;
        }

        var roll = random.NextDouble();
        if (roll < _options.DropRate)
        {
            return Action.Drop;
        }

        roll -= _options.DropRate;
        if (roll < _options.DuplicateRate)
        {
            return Action.Duplicate;
        }

        roll -= _options.DuplicateRate;
        return roll < _options.ReorderRate ? Action.Hold : Action.Pass;
    }

    private static async ValueTask WriteAsync(PipeWriter to, params byte[][] frames)
    {
        foreach (var frame in frames)
        {
            to.Write(frame);
        }

        await to.FlushAsync().ConfigureAwait(false);
    }

    private enum Action
    {
        Untouched,
        Pass,
        Drop,
        Duplicate,
        Hold,
    }
}
