using System.Globalization;
using System.Text.Json;
using MmOperator.Host;

namespace MmOperator.Lifecycle;

/// <summary>
/// What an mmctl answer means, per the host contract. Never success without the JSON saying so.
/// <see cref="StoppedPid"/> is the process mmctl says it stopped: the caller checks that it is gone;
/// <see cref="StartedPid"/> the bot it says it started: the caller watches that it stays up.
/// </summary>
public sealed record Interpretation(ActionOutcome Outcome, string Detail, JsonElement? Output, string? ErrorId, int? StoppedPid = null, int? StartedPid = null);

public static class LifecycleInterpreter
{
    public static Interpretation Interpret(MarketAction action, HostRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var output = HostResultReader.ReadObject(run);
            return action switch
            {
                MarketAction.Start => Start(HostResultReader.Read<MmctlStartResult>(run), output),
                MarketAction.Stop => Stop(HostResultReader.Read<MmctlStopResult>(run), output),
                _ => Restart(HostResultReader.Read<MmctlRestartResult>(run), output),
            };
        }
        catch (HostCommandException failure)
        {
            var reported = failure.ErrorId == ErrorIds.HostReportedError;
            JsonElement? output = reported ? HostResultReader.ReadObjectOrNull(run) : null;
            return new Interpretation(ActionOutcome.Failed, failure.Message, output, reported ? ErrorIds.MarketActionFailed : failure.ErrorId);
        }
    }

    private static Interpretation Start(MmctlStartResult start, JsonElement output) => start.Status switch
    {
        "started" => new(ActionOutcome.Succeeded, $"started (pid {Pid(start.Pid)})", output, null, StartedPid: start.Pid),
        "already_running" => new(ActionOutcome.NoChange, $"already running (pid {Pid(start.Pid)})", output, null),
        _ => Unexpected("start", start.Status, output),
    };

    private static Interpretation Stop(MmctlStopResult stop, JsonElement output) => stop.Status switch
    {
        "stopped" => new(ActionOutcome.Succeeded, $"stopped (pid {Pid(stop.Pid)})", output, null, stop.Pid),
        "not_running" => new(ActionOutcome.NoChange, $"not running ({stop.Env})", output, null),
        _ => Unexpected("stop", stop.Status, output),
    };

    /// <summary>A restart worked only if its start half says started (host contract).</summary>
    private static Interpretation Restart(MmctlRestartResult restart, JsonElement output)
    {
        var stopped = restart.Stop.Status switch
        {
            "stopped" => $"stopped (pid {Pid(restart.Stop.Pid)})",
            "not_running" => "was not running",
            _ => $"stop said '{restart.Stop.Status}'",
        };
        var stoppedPid = restart.Stop.Status == "stopped" ? restart.Stop.Pid : null;
        if (restart.Start.Status == "started")
        {
            return new(ActionOutcome.Succeeded, $"{stopped}, then started (pid {Pid(restart.Start.Pid)})", output, null, stoppedPid, restart.Start.Pid);
        }

        var why = restart.Start.Error is { } error ? $": {error}" : string.Empty;
        return new(ActionOutcome.Failed, $"{stopped}, but start said '{restart.Start.Status}'{why}", output, ErrorIds.MarketActionFailed, stoppedPid);
    }

    private static Interpretation Unexpected(string action, string status, JsonElement output) =>
        new(ActionOutcome.Failed, $"{action} answered status '{status}', which the contract does not define", output, ErrorIds.HostOutputInvalid);

    private static string Pid(int? pid) => pid?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
}
