using System.Text.Json;
using System.Text.Json.Nodes;
using Slim.Testing.Interop.Internal;

namespace Slim.Testing.Interop;

/// <summary>A session of an <see cref="OfficialApp"/>, known to the app process by a handle ("s1", "s2", ...).</summary>
public sealed class OfficialSession : ISessionUnderTest
{
    private readonly OfficialApp _app;
    private readonly Mailbox<SessionMessage> _messages = new();
    private readonly Mailbox<SessionClosed> _closed = new();
    private readonly Mailbox<SessionError> _errors = new();

    internal OfficialSession(OfficialApp app, string handle)
    {
        _app = app;
        Handle = handle;
    }

    /// <summary>The app process's handle for this session.</summary>
    public string Handle { get; }

    /// <inheritdoc />
    public uint SessionId { get; private set; }

    /// <inheritdoc />
    public TestSessionKind Kind { get; private set; }

    /// <inheritdoc />
    public bool IsInitiator { get; private set; }

    /// <summary>The session's destination as the official app reports it (peer or channel, with id).</summary>
    public string Destination { get; private set; } = string.Empty;

    /// <summary>Session metadata as the official app reports it.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public IReadOnlyList<SessionMessage> ReceivedMessages => _messages.Snapshot();

    private string Label => $"{_app.Description} session {Handle} ({SessionId})";

    /// <inheritdoc />
    public Task InviteAsync(string participant, CancellationToken cancellationToken = default) =>
        Send("invite", new JsonObject { ["name"] = participant }, cancellationToken);

    /// <inheritdoc />
    public Task RemoveAsync(string participant, CancellationToken cancellationToken = default) =>
        Send("remove", new JsonObject { ["name"] = participant }, cancellationToken);

    /// <inheritdoc />
    public Task PublishAsync(
        ReadOnlyMemory<byte> payload, PublishOptions? options = null, CancellationToken cancellationToken = default) =>
        Send("publish", PublishArguments(payload, options), cancellationToken);

    /// <inheritdoc />
    public Task PublishToAsync(
        SessionMessage replyTo,
        ReadOnlyMemory<byte> payload,
        PublishOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replyTo);
        if (!ReceivedMessages.Any(m => ReferenceEquals(m, replyTo)))
        {
            throw new ArgumentException($"{Label} did not receive this message; reply through the session that did.", nameof(replyTo));
        }

        var arguments = PublishArguments(payload, options);
        arguments["replyTo"] = replyTo.Number;
        return Send("publish_to", arguments, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionMessage> WaitForMessageAsync(
        Func<SessionMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _messages.WaitAsync(
            match ?? (_ => true),
            consume: true,
            timeout ?? OfficialSlim.CommandTimeout,
            $"{Label}: waiting for a message",
            Describe,
            cancellationToken);

    /// <inheritdoc />
    public Task<SessionClosed> WaitForClosedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _closed.WaitAsync(
            _ => true,
            consume: false,
            timeout ?? OfficialSlim.CommandTimeout,
            $"{Label}: waiting for the session to close",
            Describe,
            cancellationToken);

    /// <inheritdoc />
    public Task<SessionError> WaitForErrorAsync(
        Func<SessionError, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _errors.WaitAsync(
            match ?? (_ => true),
            consume: true,
            timeout ?? OfficialSlim.CommandTimeout,
            $"{Label}: waiting for a session error",
            Describe,
            cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SessionParticipant>> GetParticipantsAsync(CancellationToken cancellationToken = default)
    {
        var result = await _app.SendCommandAsync("participants", new JsonObject { ["session"] = Handle }, cancellationToken)
            .ConfigureAwait(false);
        return
        [
            .. result.GetProperty("participants").EnumerateArray().Select(p => new SessionParticipant(
                p.GetProperty("name").GetString() ?? string.Empty,
                p.GetProperty("id").GetString() ?? string.Empty,
                p.GetProperty("status").GetString() != "offline")),
        ];
    }

    /// <inheritdoc />
    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        Send("delete_session", null, cancellationToken);

    internal void Describe(JsonElement description)
    {
        SessionId = description.GetProperty("sessionId").GetUInt32();
        Kind = description.GetProperty("type").GetString() == "group" ? TestSessionKind.Group : TestSessionKind.PointToPoint;
        IsInitiator = description.GetProperty("initiator").GetBoolean();
        if (description.TryGetProperty("destination", out var destination) && destination.ValueKind == JsonValueKind.Object)
        {
            Destination = $"{destination.GetProperty("name").GetString()}/{destination.GetProperty("id").GetString()}";
        }

        if (description.TryGetProperty("metadata", out var metadata))
        {
            Metadata = ReadStrings(metadata);
        }
    }

    internal void OnMessage(JsonElement e)
    {
        SessionId = e.GetProperty("sessionId").GetUInt32();
        string? destination = null;
        if (e.TryGetProperty("destination", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            destination = $"{d.GetProperty("name").GetString()}/{d.GetProperty("id").GetString()}";
        }

        _messages.Add(new SessionMessage(
            e.GetProperty("message").GetInt64(),
            SessionId,
            e.GetProperty("source").GetString() ?? string.Empty,
            e.GetProperty("sourceId").GetString() ?? string.Empty,
            destination,
            e.TryGetProperty("payloadType", out var type) ? type.GetString() ?? string.Empty : string.Empty,
            e.TryGetProperty("metadata", out var metadata) ? ReadStrings(metadata) : new Dictionary<string, string>(),
            Convert.FromBase64String(e.GetProperty("payloadBase64").GetString() ?? string.Empty)));
    }

    internal void OnClosed(JsonElement e) =>
        _closed.Add(new SessionClosed(
            e.TryGetProperty("sessionId", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetUInt32() : SessionId,
            e.TryGetProperty("reason", out var reason) ? reason.GetString() ?? string.Empty : string.Empty));

    internal void OnError(JsonElement e) =>
        _errors.Add(new SessionError(
            SessionId,
            e.TryGetProperty("errorType", out var type) ? type.GetString() ?? string.Empty : string.Empty,
            e.TryGetProperty("error", out var error) ? error.GetString() ?? string.Empty : string.Empty));

    internal void Fail(Exception failure)
    {
        _messages.Fail(failure);
        _closed.Fail(failure);
        _errors.Fail(failure);
    }

    private static Dictionary<string, string> ReadStrings(JsonElement obj)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in obj.EnumerateObject())
            {
                values[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        return values;
    }

    private JsonObject PublishArguments(ReadOnlyMemory<byte> payload, PublishOptions? options)
    {
        var arguments = new JsonObject
        {
            ["payloadBase64"] = Convert.ToBase64String(payload.Span),
            ["waitAck"] = options?.WaitForAck ?? true,
        };
        if (options?.PayloadType is { } type)
        {
            arguments["payloadType"] = type;
        }

        if (options?.Metadata is { } metadata)
        {
            arguments["metadata"] = OfficialApp.ToJson(metadata);
        }

        return arguments;
    }

    private async Task Send(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        arguments ??= [];
        arguments["session"] = Handle;
        await _app.SendCommandAsync(command, arguments, cancellationToken).ConfigureAwait(false);
    }

    private string Describe() => _app.RecentDiagnostics();
}
