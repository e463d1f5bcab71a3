using System.Collections;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;

namespace MmOperator.Fleet;

/// <summary>
/// The fleet over PowerShell remoting on SSH, the engine PowerShell already has: New-PSSession opens
/// every host side by side (it starts one ssh client per host, with the fixed options below), and a
/// command runs in each host's session on its own (a PowerShell whose runspace is the session's).
/// The module references PowerShellStandard, which has no SSH connection type, so the sessions are
/// opened by running New-PSSession in the calling runspace, on its pipeline thread.
/// </summary>
public sealed partial class PsRemoting : IFleetConnector
{
    /// <summary>
    /// ssh never asks anything (a password or an unknown host key fails the host instead of waiting for
    /// a person); it says nothing on the terminal (the host's error says it); a host whose network goes
    /// away is noticed within 15 s. Host keys are checked as the person's ssh checks them.
    /// </summary>
    private static Hashtable SshOptions => new()
    {
        ["BatchMode"] = "yes",
        ["LogLevel"] = "QUIET",
        ["ServerAliveInterval"] = "5",
        ["ServerAliveCountMax"] = "3",
    };

    private readonly List<PSSession> _opened = [];

    public IReadOnlyList<FleetHost> Open(IReadOnlyList<FleetTarget> targets, string? keyFilePath, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand(@"Microsoft.PowerShell.Core\New-PSSession")
            .AddParameter("HostName", targets.Select(t => t.Given).ToArray())
            .AddParameter("ConnectingTimeout", (int)timeout.TotalMilliseconds)
            .AddParameter("Options", SshOptions);
        if (keyFilePath is not null)
        {
            shell.AddParameter("KeyFilePath", keyFilePath);
        }

        var sessions = shell.Invoke().Select(o => o.BaseObject).OfType<PSSession>().ToList();
        _opened.AddRange(sessions);
        var failures = shell.Streams.Error.ToList();
        return targets.Select(target => Connected(target, sessions, failures, keyFilePath, timeout)).ToList();
    }

    private static FleetHost Connected(FleetTarget target, List<PSSession> sessions, List<ErrorRecord> failures, string? keyFilePath, TimeSpan timeout)
    {
        if (sessions.FirstOrDefault(s => IsTarget(target, s.Runspace.ConnectionInfo)) is { } session)
        {
            return new FleetHost(target.Given, new Remote(session.Runspace));
        }

        var failure = failures.FirstOrDefault(f => IsTarget(target, PSObject.AsPSObject(f.TargetObject ?? new object()).Properties["ConnectionInfo"]?.Value));
        var reason = failure?.Exception.Message ?? "New-PSSession gave neither a session nor an error";
        var check = $"ssh{(keyFilePath is null ? string.Empty : $" -i {keyFilePath}")}{(target.Port == 0 ? string.Empty : $" -p {target.Port}")} {(target.User.Length == 0 ? string.Empty : target.User + "@")}{target.Host}";
        return new FleetHost(target.Given, null, TimedOut().IsMatch(reason)
            ? new OperatorException(ErrorIds.FleetHostTimeout, ErrorCategory.OperationTimeout, $"{target.Given} did not answer within {timeout.TotalSeconds:0} s of connecting ({reason}). Nothing was asked there; the other hosts went on. Check that the host is up and its network reachable, or give it longer with -TimeoutSec.", target.Given, failure?.Exception)
            : new OperatorException(ErrorIds.FleetHostUnreachable, ErrorCategory.ConnectionError, $"{target.Given} is unreachable: ssh could not connect and start PowerShell there ({reason}). Nothing was asked there; the other hosts went on. See why with: {check} (the host's sshd needs 'Subsystem powershell <pwsh> -sshs -NoLogo', the key its authorized_keys, the host key your known_hosts).", target.Given, failure?.Exception));
    }

    /// <summary>PowerShell's words when a host did not answer within ConnectingTimeout ("SSH connection attempt failed after time out").</summary>
    [GeneratedRegex(@"time ?out", RegexOptions.IgnoreCase)]
    private static partial Regex TimedOut();

    /// <summary>The connection PowerShell made from this target's text: its user, computer and port.</summary>
    private static bool IsTarget(FleetTarget target, object? connectionInfo)
    {
        if (connectionInfo is null)
        {
            return false;
        }

        var properties = PSObject.AsPSObject(connectionInfo).Properties;
        return target.Is(properties["UserName"]?.Value as string, properties["ComputerName"]?.Value as string, properties["Port"]?.Value is int port ? port : 0);
    }

    public IReadOnlyList<FleetHost> Adopt(IReadOnlyList<PSSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        return sessions.Select(s => s.Runspace.RunspaceStateInfo.State == RunspaceState.Opened
            ? new FleetHost(s.ComputerName, new Remote(s.Runspace))
            : new FleetHost(s.ComputerName, null, new OperatorException(ErrorIds.FleetHostUnreachable, ErrorCategory.ConnectionError, $"The session {s.Name} to {s.ComputerName} is {s.Runspace.RunspaceStateInfo.State}, not open. Nothing was asked there; the other hosts went on. Open a new one (New-PSSession -HostName), or use -HostName.", s.ComputerName))).ToList();
    }

    public void Close()
    {
        if (_opened.Count == 0)
        {
            return;
        }

        try
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand(@"Microsoft.PowerShell.Core\Remove-PSSession").AddParameter("Session", _opened.ToArray());
            shell.Invoke();
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C: the stopping pipeline runs no more commands; each session is closed on its own, without waiting.
            _opened.ForEach(s => s.Runspace.CloseAsync());
        }

        _opened.Clear();
    }

    private sealed class Remote(Runspace runspace) : IRemoteHost
    {
        public IRemoteRun Begin(FleetCall command) => new RemoteRun(runspace, command);
    }

    /// <summary>Import-Module MmOperator (from the host's module path), then the command with its parameter values.</summary>
    private sealed class RemoteRun : IRemoteRun
    {
        private readonly PowerShell _shell = PowerShell.Create();
        private readonly PSDataCollection<PSObject> _output = [];
        private readonly IAsyncResult _running;

        public RemoteRun(Runspace runspace, FleetCall call)
        {
            _shell.Runspace = runspace;
            // The host's own progress bars would reach this console through the session, each host's over the
            // others' (they share their ids): the fleet shows one bar per host instead (FleetChange).
            _shell.AddCommand("Set-Variable").AddParameter("Name", "ProgressPreference").AddParameter("Value", ActionPreference.SilentlyContinue);
            _shell.AddStatement().AddCommand("Import-Module").AddParameter("Name", FleetCall.Module).AddParameter("ErrorAction", ActionPreference.Stop);
            _shell.AddStatement().AddCommand(call.Command);
            foreach (var (name, value) in call.Parameters)
            {
                _shell.AddParameter(name, value);
            }

            _output.DataAdded += OnOutput;
            _running = _shell.BeginInvoke<PSObject, PSObject>(null, _output);
        }

        private void OnOutput(object? sender, DataAddedEventArgs added) => Output?.Invoke(this, _output[added.Index]);

        public WaitHandle Finished => _running.AsyncWaitHandle;

        public event EventHandler<PSObject>? Output;

        public RemoteAnswer Answer()
        {
            ErrorRecord? failure = null;
            try
            {
                _shell.EndInvoke(_running);
            }
            catch (RuntimeException ended)
            {
                failure = ended.ErrorRecord;
            }
            catch (InvalidOperationException broken)
            {
                failure = new ErrorRecord(broken, ErrorIds.FleetHostFailed, ErrorCategory.ConnectionError, null);
            }

            return new RemoteAnswer([.. _output], [.. _shell.Streams.Error], failure) { Warnings = [.. _shell.Streams.Warning.Select(w => w.Message)] };
        }

        public void RequestStop() => _shell.BeginStop(null, null);

        /// <summary>
        /// A host asked to stop on a timeout may not answer (its network is down): it is no longer listened
        /// to, and released once its call ends (ssh gives up on a silent host within 15 s), without waiting here.
        /// </summary>
        public void Dispose()
        {
            _output.DataAdded -= OnOutput;
            if (_running.IsCompleted)
            {
                Release();
                return;
            }

            ThreadPool.RegisterWaitForSingleObject(_running.AsyncWaitHandle, (_, _) => Release(), null, Timeout.Infinite, executeOnlyOnce: true);
        }

        private void Release()
        {
            _shell.Dispose();
            _output.Dispose();
        }
    }
}
