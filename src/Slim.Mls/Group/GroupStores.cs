using System.Collections.Concurrent;

namespace Slim.Mls.Group;

/// <summary>
/// Persists one client's serialized group states (<see cref="MlsGroup.ExportState"/>), keyed by group id: clients
/// (SLIM apps) do not share a store. The state holds secrets: an implementation must protect it at rest.
/// Implementations are thread-safe.
/// </summary>
public interface IMlsGroupStore
{
    /// <summary>Stores the latest state of a group, replacing the previous one.</summary>
    ValueTask SaveAsync(ReadOnlyMemory<byte> groupId, ulong epoch, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default);

    /// <summary>The latest state of a group, or null.</summary>
    ValueTask<byte[]?> LoadAsync(ReadOnlyMemory<byte> groupId, CancellationToken cancellationToken = default);

    /// <summary>Forgets a group.</summary>
    ValueTask DeleteAsync(ReadOnlyMemory<byte> groupId, CancellationToken cancellationToken = default);
}

/// <summary>An <see cref="IMlsGroupStore"/> in process memory (tests, ephemeral groups).</summary>
public sealed class InMemoryMlsGroupStore : IMlsGroupStore
{
    private readonly ConcurrentDictionary<string, byte[]> _states = new();

    /// <summary>Number of stored groups.</summary>
    public int Count => _states.Count;

    /// <summary>Number of saves so far.</summary>
    public int SaveCount { get; private set; }

    /// <inheritdoc />
    public ValueTask SaveAsync(ReadOnlyMemory<byte> groupId, ulong epoch, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        _states[Convert.ToHexString(groupId.Span)] = state.ToArray();
        SaveCount++;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> LoadAsync(ReadOnlyMemory<byte> groupId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_states.TryGetValue(Convert.ToHexString(groupId.Span), out var state) ? (byte[])state.Clone() : null);

    /// <inheritdoc />
    public ValueTask DeleteAsync(ReadOnlyMemory<byte> groupId, CancellationToken cancellationToken = default)
    {
        _states.TryRemove(Convert.ToHexString(groupId.Span), out _);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Looks up external pre-shared keys by their <c>psk_id</c>.</summary>
public interface IExternalPskStore
{
    /// <summary>The PSK for <paramref name="pskId"/>, or null when unknown.</summary>
    byte[]? Find(ReadOnlySpan<byte> pskId);
}

/// <summary>An <see cref="IExternalPskStore"/> over a fixed set of keys.</summary>
public sealed class ExternalPskStore : IExternalPskStore
{
    private readonly Dictionary<string, byte[]> _psks = [];

    /// <summary>Adds (or replaces) a PSK.</summary>
    public ExternalPskStore Add(ReadOnlySpan<byte> pskId, ReadOnlySpan<byte> psk)
    {
        _psks[Convert.ToHexString(pskId)] = psk.ToArray();
        return this;
    }

    /// <inheritdoc />
    public byte[]? Find(ReadOnlySpan<byte> pskId) => _psks.TryGetValue(Convert.ToHexString(pskId), out var psk) ? psk : null;
}
