using System.Diagnostics;
using MmOperator.Flow;

namespace MmOperator.Fleet;

/// <summary>
/// A read-only command on every host of a fleet, side by side: each host's objects carry its name
/// (PSComputerName) and come host by host in the order the hosts were given, so a view groups them.
/// A host that cannot be reached, does not answer within the timeout, or fails is one error for that
/// host (its TargetObject the host), and the others' objects still come. Ctrl+C stops the waiting.
/// </summary>
public sealed class FleetRead(IFlowContext host)
{
    /// <summary>
    /// Connects to the hosts given (-HostName, the saved fleet, or -Session), runs <paramref name="call"/> on them,
    /// and closes the connections it opened. A malformed host name or an empty fleet stops the command before anything connects.
    /// </summary>
    /// <param name="resolvePath">A -KeyFilePath as the person meant it (relative to their location).</param>
    public void Ask(IFleetConnector connector, FleetParameters given, FleetCall call, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var hosts = Connect(host, connector, given, resolvePath);
        try
        {
            Run(hosts, call, given.Timeout, Write);
        }
        finally
        {
            connector.Close();
        }
    }

    /// <summary>Each host given, connected side by side or with its error; the person's own sessions as they are.</summary>
    public static IReadOnlyList<FleetHost> Connect(IFlowContext host, IFleetConnector connector, FleetParameters given, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(resolvePath);
        if (given.Session is { } sessions)
        {
            return connector.Adopt(sessions);
        }

        var names = given.HostName ?? host.Options.Fleet;
        if (names.Count == 0)
        {
            host.ThrowTerminatingError(new OperatorException(ErrorIds.FleetRequired, ErrorCategory.InvalidArgument, "No fleet is saved, so -Fleet names no host. Nothing was asked anywhere. Save one with Set-MmOperatorOption -Fleet 'alice@10.1.0.2:22','alice@10.1.1.2:22' -Save, or name the hosts with -HostName.", null).ToErrorRecord());
        }

        List<FleetTarget> targets = [];
        try
        {
            targets = names.Select(FleetTarget.Parse).DistinctBy(t => t.Given, StringComparer.OrdinalIgnoreCase).ToList();
        }
        catch (OperatorException malformed)
        {
            host.ThrowTerminatingError(malformed.ToErrorRecord());
        }

        var key = given.KeyFilePath is { } path ? resolvePath(path) : host.Options.FleetKeyFilePath;
        return connector.Open(targets, key, given.Timeout);
    }

    /// <summary>
    /// Runs <paramref name="call"/> on every connected host side by side and hands each one's answer to
    /// <paramref name="answered"/>, host by host in order; a host without a connection, or without an answer
    /// in time, is its error instead. Ctrl+C ends the waiting.
    /// </summary>
    public void Run(IReadOnlyList<FleetHost> hosts, FleetCall call, TimeSpan timeout, Action<string, FleetCall, RemoteAnswer> answered)
    {
        ArgumentNullException.ThrowIfNull(call);
        Run(hosts, _ => call, timeout, answered);
    }

    /// <summary>As above, with each host's own call (a host's metrics carry that host's name as given).</summary>
    public void Run(IReadOnlyList<FleetHost> hosts, Func<FleetHost, FleetCall> callOn, TimeSpan timeout, Action<string, FleetCall, RemoteAnswer> answered)
    {
        ArgumentNullException.ThrowIfNull(answered);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(callOn);
        var started = Stopwatch.StartNew();
        var calls = hosts.Select(callOn).ToList();
        var runs = hosts.Select((h, i) => Begin(h, calls[i], host.WriteError)).ToList();
        try
        {
            for (var i = 0; i < hosts.Count; i++)
            {
                if (runs[i] is not { } run)
                {
                    continue;
                }

                var left = timeout - started.Elapsed;
                var woke = WaitHandle.WaitAny([run.Finished, host.Stopping.WaitHandle], left > TimeSpan.Zero ? left : TimeSpan.Zero);
                if (woke == 1)
                {
                    return;
                }

                if (woke == WaitHandle.WaitTimeout)
                {
                    run.RequestStop();
                    host.WriteError(new OperatorException(ErrorIds.FleetHostTimeout, ErrorCategory.OperationTimeout, $"{hosts[i].Name} did not answer {calls[i].Command} within {timeout.TotalSeconds:0} s; it was asked to stop. Its objects are missing here; the other hosts went on. Give it longer with -TimeoutSec, or look at the host.", hosts[i].Name).ToErrorRecord());
                    continue;
                }

                answered(hosts[i].Name, calls[i], run.Answer());
            }
        }
        finally
        {
            foreach (var run in runs.OfType<IRemoteRun>())
            {
                run.Dispose();
            }
        }
    }

    private void Write(string name, FleetCall call, RemoteAnswer answer)
    {
        foreach (var item in answer.Output)
        {
            host.WriteObject(Tag(item, name), FleetTypeName(item));
        }

        WriteErrors(name, call, answer);
    }

    /// <summary>A host's warnings and its own errors, then the one that ended its command, if one did.</summary>
    public void WriteErrors(string name, FleetCall call, RemoteAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        foreach (var warning in answer.Warnings)
        {
            host.WriteWarning($"{name}: {warning}");
        }

        foreach (var error in answer.Errors)
        {
            host.WriteError(FromHost(name, error));
        }

        if (answer.Failure is { } failure)
        {
            host.WriteError(Failed(name, call, failure).ToErrorRecord());
        }
    }

    /// <summary>
    /// The call under way on a host, or null after its error: a host that could not be reached, or whose
    /// connection broke since (PowerShell refuses to start a command in a broken session).
    /// </summary>
    public static IRemoteRun? Begin(FleetHost fleetHost, FleetCall call, Action<ErrorRecord> writeError)
    {
        ArgumentNullException.ThrowIfNull(fleetHost);
        ArgumentNullException.ThrowIfNull(writeError);
        if (fleetHost.Remote is not { } remote)
        {
            writeError(fleetHost.Failure!.ToErrorRecord());
            return null;
        }

        try
        {
            return remote.Begin(call);
        }
        catch (Exception broken) when (broken is InvalidOperationException or RuntimeException)
        {
            writeError(new OperatorException(ErrorIds.FleetHostFailed, ErrorCategory.ConnectionError, $"{fleetHost.Name}: {call.Command} could not start there: its connection broke ({broken.Message}). Nothing ran there; the other hosts went on.", fleetHost.Name, broken).ToErrorRecord());
            return null;
        }
    }

    /// <summary>The host's name on the object, as given (remoting's own PSComputerName would drop the user and the port).</summary>
    public static PSObject Tag(PSObject item, string hostName)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Properties.Remove("PSComputerName");
        item.Properties.Add(new PSNoteProperty("PSComputerName", hostName));
        return item;
    }

    /// <summary>
    /// The fleet's view of a module object that crossed from a host (Deserialized.MmOperator.MarketStatus
    /// is shown as MmOperator.Fleet.MarketStatus: the same columns, grouped by host); anything else keeps its name.
    /// </summary>
    public static string FleetTypeName(PSObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        const string Crossed = "Deserialized.MmOperator.";
        var first = item.TypeNames.Count > 0 ? item.TypeNames[0] : string.Empty;
        return first.StartsWith(Crossed, StringComparison.Ordinal) ? "MmOperator.Fleet." + first[Crossed.Length..] : first;
    }

    /// <summary>A host's own error, kept with its id (StatusRefreshFailed stays StatusRefreshFailed), its text naming the host.</summary>
    public static ErrorRecord FromHost(string hostName, ErrorRecord error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var id = error.FullyQualifiedErrorId.Split(',')[0];
        return new ErrorRecord(new OperatorException(id, error.CategoryInfo.Category, $"{hostName}: {error.Exception.Message}", hostName, error.Exception), id, error.CategoryInfo.Category, hostName);
    }

    /// <summary>The error that ended the command on a host (its module missing, mmctl missing there): FleetHostFailed, with the host's own id in its text.</summary>
    public static OperatorException Failed(string hostName, FleetCall call, ErrorRecord failure)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(failure);
        return new OperatorException(ErrorIds.FleetHostFailed, ErrorCategory.InvalidResult, $"{hostName}: {call.Command} failed there ({failure.FullyQualifiedErrorId.Split(',')[0]}): {failure.Exception.Message} The other hosts went on.", hostName, failure.Exception);
    }
}
