using System.Management.Automation.Runspaces;
using MmOperator.Fleet;

namespace MmOperator.Tests.Fleet;

/// <summary>
/// Hosts without SSH: each target answers as its test says (objects and errors, a terminating
/// failure, or nothing until released), or cannot be reached. What each host was asked is kept.
/// </summary>
public sealed class FakeFleet : IFleetConnector
{
    public Dictionary<string, Func<FleetCall, FakeRun>> Hosts { get; } = new(StringComparer.Ordinal);

    public List<IReadOnlyList<string>> Opened { get; } = [];

    public List<(string Host, FleetCall Call)> Asked { get; } = [];

    public int Closed { get; private set; }

    public IReadOnlyList<FleetHost> Open(IReadOnlyList<FleetTarget> targets, string? keyFilePath, TimeSpan timeout)
    {
        Opened.Add(targets.Select(t => t.Given).ToList());
        KeyFilePath = keyFilePath;
        return targets.Select(t => Hosts.TryGetValue(t.Given, out var answer)
            ? new FleetHost(t.Given, new Remote(this, t.Given, answer))
            : new FleetHost(t.Given, null, new OperatorException(ErrorIds.FleetHostUnreachable, ErrorCategory.ConnectionError, $"{t.Given} is unreachable", t.Given))).ToList();
    }

    public string? KeyFilePath { get; private set; }

    public IReadOnlyList<FleetHost> Adopt(IReadOnlyList<PSSession> sessions) => throw new NotSupportedException();

    public void Close() => Closed++;

    /// <summary>A host's answer: objects typed as a module object that crossed remoting.</summary>
    public static PSObject Crossed(string typeName, params (string Name, object? Value)[] properties)
    {
        var item = new PSObject();
        item.TypeNames.Clear();
        item.TypeNames.Add("Deserialized." + typeName);
        foreach (var (name, value) in properties)
        {
            item.Properties.Add(new PSNoteProperty(name, value));
        }

        return item;
    }

    private sealed class Remote(FakeFleet fleet, string name, Func<FleetCall, FakeRun> answer) : IRemoteHost
    {
        public IRemoteRun Begin(FleetCall command)
        {
            lock (fleet.Asked)
            {
                fleet.Asked.Add((name, command));
            }

            return answer(command);
        }
    }
}

/// <summary>
/// One call on a fake host: finished with its answer at once, or when the test releases it, or (as a
/// host running a plan) on its own once its caller watches it: its objects as events, then its end.
/// </summary>
public sealed class FakeRun(RemoteAnswer answer, bool finished = true, bool runsWhenWatched = false) : IRemoteRun
{
    private readonly ManualResetEvent _finished = new(finished);
    private int _started;

    public static FakeRun Answering(params PSObject[] output) => new(new RemoteAnswer(output, [], null));

    public static FakeRun Running(params PSObject[] output) => new(new RemoteAnswer(output, [], null), finished: false, runsWhenWatched: true);

    public WaitHandle Finished
    {
        get
        {
            if (runsWhenWatched && Interlocked.Exchange(ref _started, 1) == 0)
            {
                Task.Run(Release);
            }

            return _finished;
        }
    }

    public bool StopRequested { get; private set; }

    public event EventHandler<PSObject>? Output;

    public RemoteAnswer Answer() => answer;

    /// <summary>As a host does when asked to stop: what was under way ends, and the call with it.</summary>
    public void RequestStop()
    {
        StopRequested = true;
        _finished.Set();
    }

    public void Release()
    {
        foreach (var item in answer.Output)
        {
            Output?.Invoke(this, item);
        }

        _finished.Set();
    }

    public void Dispose() => _finished.Dispose();
}
