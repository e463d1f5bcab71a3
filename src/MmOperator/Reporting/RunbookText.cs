using System.Globalization;
using MmOperator.Status;

namespace MmOperator.Reporting;

/// <summary>The runbook's mandatory response format: the Plan block before, Result and New status after.</summary>
public static class RunbookText
{
    /// <summary>
    /// The Plan block. Its line breaks are its own: the action line and the reason are each one value,
    /// escaped (<see cref="VisibleText"/>), so neither can hide text or add a line to the Plan.
    /// </summary>
    public static string Plan(string actionLine, string reason, bool needsApproval) => Plan([actionLine], reason, needsApproval);

    /// <summary>
    /// The Plan block of several actions asked as one question: each on a numbered line of its own under
    /// Action(s), as the runbook wants for a SEV1 over several markets ("list each stop command explicitly").
    /// </summary>
    public static string Plan(IReadOnlyList<string> actionLines, string reason, bool needsApproval)
    {
        ArgumentNullException.ThrowIfNull(actionLines);
        var actions = actionLines.Count == 1
            ? $" {VisibleText.Of(actionLines[0])}"
            : string.Concat(actionLines.Select((line, i) => string.Create(CultureInfo.InvariantCulture, $"\n  {i + 1}. {VisibleText.Of(line)}")));
        return $"Plan:\n- Action(s):{actions}\n- Reason: {VisibleText.Of(reason)}\nNeed approval: {(needsApproval ? "YES" : "NO")}";
    }

    public static string Result(string summary) => $"Result:\n- {summary}";

    public static string NewStatus(string facts) => NewStatus([facts]);

    /// <summary>New status with one line of facts per instance.</summary>
    public static string NewStatus(IEnumerable<string> facts) => "New status:\n" + string.Join("\n", facts.Select(f => "- " + f));

    /// <summary>A value in a key diff: quoted, or (absent) for a key the file does not set.</summary>
    public static string Value(string? value) => value is null ? "(absent)" : $"'{value}'";

    /// <summary>mmctl status key facts of one instance: "ETH-USD: Running (pid 8340)".</summary>
    public static string StatusFacts(MarketStatus? status)
    {
        if (status is null)
        {
            return "unknown (mmctl status gave no usable answer)";
        }

        return $"{status.Market}: {StateFacts(status)}";
    }

    /// <summary>The state alone (Crashed (pid 4242), stale pid file), for a line that already names the market.</summary>
    public static string StateFacts(MarketStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var pid = status.Pid is { } p ? string.Create(CultureInfo.InvariantCulture, $" (pid {p})") : string.Empty;
        var stale = status.StalePidFile ? ", stale pid file" : string.Empty;
        return $"{status.State}{pid}{stale}";
    }
}
