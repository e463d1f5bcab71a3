using System.Management.Automation.Runspaces;

namespace MmOperator.Fleet;

/// <summary>
/// Connects to the hosts of a fleet and hands back each one's way to run a command there: PowerShell
/// remoting over SSH (<see cref="PsRemoting"/>), or a test's fake hosts.
/// </summary>
public interface IFleetConnector
{
    /// <summary>
    /// Connects to every target side by side, each given <paramref name="timeout"/>; on the pipeline
    /// thread. Each comes back connected, or with the error that says why not.
    /// </summary>
    IReadOnlyList<FleetHost> Open(IReadOnlyList<FleetTarget> targets, string? keyFilePath, TimeSpan timeout);

    /// <summary>The person's open sessions, which are theirs: never closed here.</summary>
    IReadOnlyList<FleetHost> Adopt(IReadOnlyList<PSSession> sessions);

    /// <summary>Closes the connections <see cref="Open"/> made; on the pipeline thread.</summary>
    void Close();
}

/// <summary>One host of the fleet: where a command runs, or why it cannot.</summary>
public sealed class FleetHost(string name, IRemoteHost? remote, OperatorException? failure = null)
{
    /// <summary>The host as given (PSComputerName of its objects, TargetObject of its errors).</summary>
    public string Name { get; } = name;

    public IRemoteHost? Remote { get; } = remote;

    /// <summary>Why it has no connection (FleetHostUnreachable, FleetHostTimeout).</summary>
    public OperatorException? Failure { get; } = failure;

    public override string ToString() => Name;
}

/// <summary>A connected host.</summary>
public interface IRemoteHost
{
    /// <summary>Starts the call there and returns at once; its answer is collected as it comes.</summary>
    IRemoteRun Begin(FleetCall command);
}

/// <summary>A call under way on one host.</summary>
public interface IRemoteRun : IDisposable
{
    /// <summary>Set when the call has ended there, however it ended.</summary>
    WaitHandle Finished { get; }

    /// <summary>Called with each object the host writes, on a thread of the remoting's (the answer keeps them too).</summary>
    event EventHandler<PSObject>? Output;

    /// <summary>Everything the host answered; once <see cref="Finished"/> is set.</summary>
    RemoteAnswer Answer();

    /// <summary>Asks the host to stop the call (as Ctrl+C would there); returns at once.</summary>
    void RequestStop();
}

/// <summary>
/// What one host answered: its objects, its non-terminating errors, and the error that ended the call
/// there (a terminating one: the module missing, a precondition), if one did; and its warnings.
/// </summary>
public sealed record RemoteAnswer(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, ErrorRecord? Failure)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
