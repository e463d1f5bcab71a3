using System.Globalization;
using System.Text.RegularExpressions;
using MmOperator.Reporting;

namespace MmOperator.Fleet;

/// <summary>
/// One host of a fleet as a person names it for <c>New-PSSession -HostName</c>: <c>[user@]host[:port]</c>.
/// Checked before anything connects (a name with spaces or options in it never reaches ssh); the text
/// as given is what every object and error of that host carries (PSComputerName, TargetObject).
/// </summary>
public sealed partial record FleetTarget
{
    private FleetTarget(string given, string user, string host, int port)
    {
        Given = given;
        User = user;
        Host = host;
        Port = port;
    }

    /// <summary>The host exactly as given (u@10.1.0.2:22).</summary>
    public string Given { get; }

    /// <summary>The account, or empty: ssh's default (the local user name).</summary>
    public string User { get; }

    public string Host { get; }

    /// <summary>The port, or 0: ssh's default (22).</summary>
    public int Port { get; }

    [GeneratedRegex(@"^(?:(?<user>[A-Za-z_][A-Za-z0-9_.-]{0,31})@)?(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::(?<port>[0-9]{1,5}))?$")]
    private static partial Regex Form();

    /// <summary>The target, or InvalidFleetHost naming the form: an account, a host name or IPv4 address, a port.</summary>
    public static FleetTarget Parse(string? text)
    {
        var match = Form().Match(text ?? string.Empty);
        var port = match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) : 0;
        if (!match.Success || port > 65535 || (match.Groups["port"].Success && port == 0))
        {
            throw new OperatorException(ErrorIds.InvalidFleetHost, ErrorCategory.InvalidArgument, $"'{VisibleText.Quote(text, 300)}' is not a fleet host: give [user@]host[:port], as New-PSSession -HostName takes it (alice@10.1.0.2:22). Nothing was asked anywhere.", text);
        }

        return new FleetTarget(text!, match.Groups["user"].Value, match.Groups["host"].Value, port);
    }

    /// <summary>Whether an SSH connection's user, computer and port (as PowerShell parsed this text) are this target's.</summary>
    public bool Is(string? user, string? computer, int port) =>
        string.Equals(user ?? string.Empty, User, StringComparison.Ordinal)
        && string.Equals(computer, Host, StringComparison.OrdinalIgnoreCase)
        && port == Port;

    public override string ToString() => Given;
}
