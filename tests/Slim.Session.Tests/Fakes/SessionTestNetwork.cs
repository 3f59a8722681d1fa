using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal;
using Slim.Testing;

namespace Slim.Session.Tests.Fakes;

/// <summary>
/// Several apps (each a <see cref="SessionLayer"/>) on one <see cref="InMemoryRouter"/>, all on one virtual clock.
/// <see cref="SettleAsync"/> waits until no session loop has work left; <see cref="AdvanceAsync"/> moves the clock timer
/// by timer, settling after each, so every timer's consequences happen before the next one fires.
/// </summary>
internal sealed class SessionTestNetwork : IAsyncDisposable
{
    public const string Secret = "session-tests-shared-secret-0123456789abcdef";

    private readonly WorkTracker _tracker = new();
    private readonly List<TestApp> _apps = [];
    private readonly List<IDisposable> _cleanups = [];

    public SessionTestNetwork(DateTimeOffset? start = null)
    {
        Time = new ManualTimeProvider(start ?? new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
        Verifier = new TestVerifier(Secret, Time);
    }

    public ManualTimeProvider Time { get; }

    public InMemoryRouter Router { get; } = new();

    public TestVerifier Verifier { get; }

    public ConcurrentQueue<RecordingLoggerFactory.LogEntry> Logs { get; } = new();

    public IReadOnlyList<TestApp> Apps => _apps;

    /// <summary>Adds an app named <paramref name="name"/> (org/ns/service) with a fresh shared-secret identity.</summary>
    public TestApp AddApp(string name, SessionLayerOptions? options = null, string? identitySuffix = null)
    {
        var identity = new TestIdentity(name, Secret, Time, identitySuffix);
        var localName = SlimName.Parse(name).WithId(SlimIds.AppIdFromIdentity(identity.Id));
        var transport = Router.Connect(localName);
        var layer = new SessionLayer(
            localName,
            transport,
            identity,
            Verifier,
            (options ?? SessionLayerOptions.Default) with { MeterFactory = (options?.MeterFactory) ?? new TestMeterFactory() },
            Time,
            new RecordingLoggerFactory(name, Logs),
            _tracker);
        Router.Attach(transport, m => layer.OnMessageAsync(m));
        var app = new TestApp(this, name, localName, layer, transport, identity);
        _apps.Add(app);
        return app;
    }

    /// <summary>Waits until every loop is idle and no reordered message is held back.</summary>
    public async Task SettleAsync()
    {
        while (true)
        {
            await _tracker.WhenIdleAsync().WithTimeout(what: "the session loops settling");
            if (Router.FlushHeld() == 0 && _tracker.Pending == 0)
            {
                return;
            }
        }
    }

    /// <summary>Moves virtual time forward timer by timer, settling after each.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var target = Time.GetUtcNow() + by;
        await SettleAsync();
        while (Time.NextDue is { } due && due <= target)
        {
            Time.AdvanceTo(due);
            await SettleAsync();
        }

        Time.AdvanceTo(target);
        await SettleAsync();
    }

    /// <summary>
    /// Runs <paramref name="operation"/> while moving time forward timer by timer until it completes (bounded by
    /// <paramref name="limit"/> of virtual time), then returns its outcome.
    /// </summary>
    /// <summary>
    /// The traffic of the fault tests: each session sends a warm-up message on a clean network (so every receiver learns
    /// where each stream starts), then data messages are dropped, duplicated and reordered (seeded) while each sends
    /// <paramref name="perSender"/> messages <c>"{label}#{i}"</c>, 300 ms of virtual time passing every 5 rounds; then
    /// 15 s pass for the retransmissions. Asserts that the faults really happened.
    /// </summary>
    public async Task SendUnderDataFaultsAsync(IReadOnlyList<(TestApp App, SessionHandle Session)> senders, int seed, int perSender)
    {
        foreach (var (_, session) in senders)
        {
            await session.PublishAsync(Encoding.UTF8.GetBytes("warm-up")).WithTimeout();
        }

        await SettleAsync();
        Router.Faults = new FaultOptions(seed) { Drop = 0.15, Duplicate = 0.1, Reorder = 0.15, Applies = m => m.GetSessionMessageType().IsData() };
        for (var i = 0; i < perSender; i++)
        {
            foreach (var (app, session) in senders)
            {
                await session.PublishAsync(Encoding.UTF8.GetBytes($"{app.Label}#{i}")).WithTimeout();
            }

            if (i % 5 == 4)
            {
                await AdvanceAsync(TimeSpan.FromMilliseconds(300));
            }
        }

        await AdvanceAsync(TimeSpan.FromSeconds(15));
        Assert.True(Router.FaultCount.Dropped > 20 && Router.FaultCount.Reordered > 20 && Router.FaultCount.Duplicated > 10);
    }

    public async Task<T> RunAsync<T>(Task<T> operation, TimeSpan? limit = null)
    {
        await DriveAsync(operation, limit);
        return await operation;
    }

    /// <inheritdoc cref="RunAsync{T}(Task{T}, TimeSpan?)"/>
    public async Task RunAsync(Task operation, TimeSpan? limit = null)
    {
        await DriveAsync(operation, limit);
        await operation;
    }

    private async Task DriveAsync(Task operation, TimeSpan? limit)
    {
        var end = Time.GetUtcNow() + (limit ?? TimeSpan.FromMinutes(5));
        await SettleAsync();
        while (!operation.IsCompleted && Time.NextDue is { } due && due <= end)
        {
            Time.AdvanceTo(due);
            await SettleAsync();
        }

        // Completing an app-facing task can take one thread-pool hop after the last loop item: wait for it (bounded).
        try
        {
            await operation.WaitAsync(TaskTimeoutExtensions.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"The operation did not complete within {limit ?? TimeSpan.FromMinutes(5)} of virtual time.\n{Describe()}");
        }
        catch (Exception) when (operation.IsCompleted)
        {
            // Its outcome is observed by the caller.
        }
    }

    /// <summary>The wire history and the warnings, for failure messages.</summary>
    public string Describe(int last = 80) =>
        "Sent:\n" + string.Join("\n", Router.Sent.TakeLast(last)) +
        "\nLogs:\n" + string.Join("\n", Logs.TakeLast(last));

    /// <summary>Log entries at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<RecordingLoggerFactory.LogEntry> LogsAtLeast(LogLevel level) => Logs.Where(e => e.Level >= level).ToList();

    /// <summary>Disposes <paramref name="disposable"/> with the network, after its apps.</summary>
    public void AddCleanup(IDisposable disposable) => _cleanups.Add(disposable);

    /// <summary>Fails when a loop logged an unexpected error (a bug, not a peer's fault).</summary>
    public void AssertNoErrors() => Assert.Empty(LogsAtLeast(LogLevel.Error));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.Layer.DisposeAsync();
            app.Identity.Dispose();
        }

        foreach (var cleanup in _cleanups)
        {
            cleanup.Dispose();
        }
    }

}

/// <summary>One app of a <see cref="SessionTestNetwork"/>.</summary>
internal sealed class TestApp(
    SessionTestNetwork network, string label, SlimName name, SessionLayer layer, RouterTransport transport, TestIdentity identity)
{
    public string Label { get; } = label;

    /// <summary>The full name (with the app id).</summary>
    public SlimName Name { get; } = name;

    /// <summary>The name without the id, as others invite it.</summary>
    public SlimName Prefix => Name.WithoutId();

    public SessionLayer Layer { get; } = layer;

    public RouterTransport Transport { get; } = transport;

    public TestIdentity Identity { get; } = identity;

    /// <summary>The messages this app sent.</summary>
    public IReadOnlyList<SentRecord> Sent => network.Router.Sent.Where(r => r.App == Name).ToList();

    public override string ToString() => Label;
}

/// <summary>Gives each layer its own <c>Slim.Session</c> meter instance, so tests can read their own counters.</summary>
internal sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
{
    private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

    public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
    {
        var meter = new System.Diagnostics.Metrics.Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
