namespace Slim.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test calls <see cref="Advance"/>.
/// Timers fire synchronously inside <see cref="Advance"/>, in due-time order.
/// (Microsoft.Extensions.TimeProvider.Testing is not available on the package feed.)
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(Func<TimeSpan, bool> Match, TaskCompletionSource<TimeSpan> Armed)> _armWaiters = [];
    private DateTimeOffset _now;
    private long _ticks;

    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _now = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + delta;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt is { } d && d <= target).MinBy(t => t.DueAt);
                if (next is null)
                {
                    _ticks += (target - _now).Ticks;
                    _now = target;
                    return;
                }

                var due = next.DueAt!.Value;
                if (due > _now)
                {
                    _ticks += (due - _now).Ticks;
                    _now = due;
                }

                next.DueAt = next.Period > TimeSpan.Zero ? _now + next.Period : null;
            }

            next.Fire();
        }
    }

    /// <summary>
    /// Completes when some code arms a timer with exactly <paramref name="dueTime"/> (or one is armed now, due that
    /// long from the current time). Lets a test advance the clock only once the code under test is waiting on it,
    /// without polling or sleeping.
    /// </summary>
    public Task WhenTimerArmedAsync(TimeSpan dueTime) => WhenTimerArmedAsync(d => d == dueTime);

    /// <summary>
    /// Completes with the due time of the first timer armed (or already armed) whose due time satisfies
    /// <paramref name="match"/>; for delays that are not known exactly (jittered backoff).
    /// </summary>
    public Task<TimeSpan> WhenTimerArmedAsync(Func<TimeSpan, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            foreach (var timer in _timers)
            {
                if (timer.DueAt is { } due && match(due - _now))
                {
                    return Task.FromResult(due - _now);
                }
            }

            var armed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            _armWaiters.Add((match, armed));
            return armed.Task;
        }
    }

    private void OnArmed(TimeSpan dueTime)
    {
        // Called under _gate.
        for (var i = _armWaiters.Count - 1; i >= 0; i--)
        {
            if (_armWaiters[i].Match(dueTime))
            {
                _armWaiters[i].Armed.TrySetResult(dueTime);
                _armWaiters.RemoveAt(i);
            }
        }
    }

    /// <summary>When the earliest armed timer falls due, or null when none is armed.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _timers.Where(t => t.DueAt is not null).Select(t => t.DueAt).Min();
            }
        }
    }

    /// <summary>Moves the clock to <paramref name="target"/> (no-op when it is not in the future), firing due timers.</summary>
    public void AdvanceTo(DateTimeOffset target)
    {
        var delta = target - GetUtcNow();
        if (delta > TimeSpan.Zero)
        {
            Advance(delta);
        }
    }

    /// <summary>Number of armed timers (for assertions on cleanup).</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }

                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                if (DueAt is not null)
                {
                    owner.OnArmed(dueTime);
                }
            }

            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
