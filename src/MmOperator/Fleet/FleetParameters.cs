using System.Management.Automation.Runspaces;

namespace MmOperator.Fleet;

/// <summary>
/// The parameters that send a command to several hosts: -HostName, -Session or -Fleet (the saved
/// list), with -KeyFilePath and -TimeoutSec. One class for every command that takes them, given to
/// PowerShell as the command's dynamic parameters; none of them given means this host only.
/// </summary>
public class FleetParameters
{
    /// <summary>The parameter set of a command on this host only, the default.</summary>
    public const string LocalSet = "Local";

    public const string HostNameSet = "HostName";

    public const string SessionSet = "Session";

    public const string FleetSet = "Fleet";

    public const int DefaultTimeoutSec = 20;

    /// <summary>SSH targets, [user@]host[:port], as New-PSSession -HostName takes them; asked side by side.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostNameSet)]
    [ValidateNotNullOrEmpty]
    public string[]? HostName { get; set; }

    /// <summary>Open PowerShell sessions to the hosts (New-PSSession); left open afterwards.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    /// <summary>Every host of the saved fleet (Set-MmOperatorOption -Fleet ... -Save).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FleetSet)]
    public SwitchParameter Fleet { get; set; }

    /// <summary>The SSH private key for the hosts; else the saved FleetKeyFilePath, else ssh's own defaults.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = FleetSet)]
    [ValidateNotNullOrEmpty]
    public string? KeyFilePath { get; set; }

    /// <summary>How long each host is given to connect, and then to answer (default 20 s); a host that takes longer is that host's error.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = SessionSet)]
    [Parameter(ParameterSetName = FleetSet)]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = DefaultTimeoutSec;

    /// <summary>The command goes to other hosts.</summary>
    public bool IsGiven => HostName is not null || Session is not null || Fleet.IsPresent;

    private readonly List<string> _markets = [];

    /// <summary>
    /// For other hosts, keeps the markets as given (each host resolves them in its own repo), across the
    /// pipeline's records; false on one host, where the command resolves them itself.
    /// </summary>
    public bool Keep(IEnumerable<Markets.Market>? markets)
    {
        if (IsGiven)
        {
            _markets.AddRange((markets ?? []).Select(m => m.Input));
        }

        return IsGiven;
    }

    /// <summary>The markets kept for the hosts, or null for none (every market).</summary>
    public string[]? MarketNames => _markets.Count == 0 ? null : [.. _markets];

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSec);
}

/// <summary>
/// A fleet's state change: the parameters above, and the two a host's side of it receives over
/// remoting (hidden: the fleet command passes them, never a person).
/// </summary>
public sealed class FleetChangeParameters : FleetParameters
{
    /// <summary>On a host of a fleet command: plan only, and write the plan (MmOperator.FleetPlan); nothing runs or is journalled.</summary>
    [Parameter(ParameterSetName = LocalSet, DontShow = true)]
    public SwitchParameter FleetPlanOnly { get; set; }

    /// <summary>On a host of a fleet command: the person's approval of this host's plan, from their own session (refused anywhere else).</summary>
    [Parameter(ParameterSetName = LocalSet, DontShow = true)]
    public System.Collections.Hashtable? FleetApproval { get; set; }
}
