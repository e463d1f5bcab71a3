using System.Text.Json;
using MmOperator.IO;

namespace MmOperator.Host;

/// <summary>
/// Turns a run into the JSON the contract promises, or into a <see cref="HostCommandException"/> that
/// says which of the ways it failed: not started, timed out, cancelled, unexpected exit code, output
/// that is not the expected JSON, or JSON that reports an error. The exit code alone never means success.
/// </summary>
public static class HostResultReader
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        AllowTrailingCommas = false,
    };

    /// <summary>Exit codes that still come with a JSON answer: mmctl always 0; the advisor scripts 1 for a reported failure.</summary>
    public static IReadOnlyList<int> ExpectedExitCodes(HostCommandShape shape) =>
        shape is HostCommandShape.AdvisorSubmit or HostCommandShape.AdvisorApprove or HostCommandShape.AdvisorWarrenAuto or HostCommandShape.AdvisorListPending
            ? [0, 1]
            : [0];

    public static T Read<T>(HostRunResult run)
        where T : class
    {
        var element = ReadObject(run);
        try
        {
            return element.Deserialize<T>(Json) ?? throw new JsonException("null");
        }
        catch (JsonException error)
        {
            throw Invalid(run, $"its JSON does not have the shape the contract gives ({error.Message})");
        }
    }

    public static JsonElement ReadObject(HostRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var line = run.Command.CommandLine;
        switch (run.Status)
        {
            case HostRunStatus.NotStarted:
                throw new HostCommandException(ErrorIds.HostCommandNotStarted, ErrorCategory.ResourceUnavailable, $"Could not start '{line}': {run.StartError}. Nothing ran.", run);
            case HostRunStatus.TimedOut:
                throw new HostCommandException(ErrorIds.HostCommandTimedOut, ErrorCategory.OperationTimeout, $"'{line}' did not finish within {run.Duration.TotalSeconds:0} s; its process tree was killed. Its effect is unknown: check Get-MmStatus, or raise TimeoutSec with Set-MmOperatorOption.", run);
            case HostRunStatus.Cancelled when run.StartError is { } notStarted:
                throw new HostCommandException(ErrorIds.HostCommandCancelled, ErrorCategory.OperationStopped, $"'{line}' never ran: {notStarted}.", run);
            case HostRunStatus.Cancelled:
                throw new HostCommandException(ErrorIds.HostCommandCancelled, ErrorCategory.OperationStopped, $"'{line}' was stopped by the user; its process tree was killed. Its effect is unknown: check Get-MmStatus.", run);
        }

        if (!ExpectedExitCodes(run.Command.Shape).Contains(run.ExitCode ?? -1))
        {
            var said = LastLine(run.StdErr) is { Length: > 0 } err ? $": {err}" : string.Empty;
            throw new HostCommandException(ErrorIds.HostCommandFailed, ErrorCategory.InvalidResult, $"'{line}' failed with exit code {run.ExitCode}{said}. No success is claimed.", run);
        }

        JsonElement element;
        try
        {
            using var document = PythonJson.Parse(run.StdOut);
            element = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Invalid(run, run.StdOut.Trim().Length == 0 ? "it printed nothing on stdout" : "its output is not JSON");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(run, "its output is not a JSON object");
        }

        if (element.TryGetProperty("error", out var reported) && reported.ValueKind == JsonValueKind.String)
        {
            throw new HostCommandException(ErrorIds.HostReportedError, ErrorCategory.InvalidResult, $"'{line}' reported an error: {reported.GetString()}", run);
        }

        return element;
    }

    /// <summary>The answer's JSON object when it has one, whatever it says; for reporting a failure with the host's own words.</summary>
    public static JsonElement? ReadObjectOrNull(HostRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            using var document = PythonJson.Parse(run.StdOut);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An answer that is not the JSON the contract promises.</summary>
    public static HostCommandException Invalid(HostRunResult run, string why) =>
        new(ErrorIds.HostOutputInvalid, ErrorCategory.InvalidData, $"'{run.Command.CommandLine}' gave no usable answer: {why}. No success is claimed.", run);

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
}
