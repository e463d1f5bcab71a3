using System.Buffers;
using System.Diagnostics;
using System.Text;
using CliWrap;

namespace MmOperator.Host;

/// <summary>
/// The only place in the module that starts a process. It runs one allow-listed
/// <see cref="HostCommand"/> as an argument array (no shell), with a timeout after which the whole
/// process tree is killed, and captures stdout, stderr and the exit code. It never judges success:
/// that is the readers' job, from the JSON.
/// </summary>
public static class HostRunner
{
    /// <summary>
    /// The terminal sends Ctrl+C's SIGINT to its whole foreground process group: a child in ours would
    /// die mid-stop (exit 130) whatever the module decides. setsid execs the command in a session of its
    /// own (same pid, no fork: a child of ours never leads a group), so only the module's cancellation
    /// ends it. Where the system has none (macOS), commands run directly and a terminal's Ctrl+C reaches them.
    /// </summary>
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>util-linux setsid's own failure to run the command: 126 (not executable) or 127 (not found).</summary>
    private const string SetsidFailure = "setsid: failed to execute ";

    /// <summary>More than any real answer; a runaway process cannot fill memory.</summary>
    public const int MaxCapturedBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Variables that make a child load code of the caller's choosing. A restricted session can still
    /// set $env: variables, so they never reach mmctl, the advisor scripts or the bot they start.
    /// </summary>
    private static readonly string[] CodeInjectingPrefixes = ["LD_", "DYLD_", "PYTHON", "PERL5", "RUBY", "NODE_OPTIONS", "BASH_ENV", "BASH_FUNC_"];

    private static readonly string[] CodeInjectingNames = ["ENV", "IFS", "CDPATH", "GLOBIGNORE", "SHELLOPTS"];

    /// <summary>
    /// In the agent's session, the launcher gives PowerShell no PATH (building the restricted session
    /// would read every program on it, a third of a second each time) and the host commands this one.
    /// </summary>
    public const string HostPathVariable = "MMOPERATOR_HOST_PATH";

    /// <summary>
    /// What a child's environment changes from ours: each code-injecting variable removed (null), and
    /// in the agent's session PATH set to the launcher's. The agent cannot set either: its session has
    /// no environment provider, and the launcher starts PowerShell with env -i.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ChildEnvironment(System.Collections.IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var changes = environment.Keys.Cast<string>()
            .Where(name => CodeInjectingPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || CodeInjectingNames.Contains(name, StringComparer.Ordinal))
            .ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);
        if (environment[Options.AgentSession.MarkerVariable] is string { Length: > 0 } && environment[HostPathVariable] is string { Length: > 0 } hostPath)
        {
            changes["PATH"] = hostPath;
            changes[HostPathVariable] = null;
        }

        return changes;
    }

    public static async Task<HostRunResult> RunAsync(HostCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var stdout = new CappedCapture(MaxCapturedBytes);
        var stderr = new CappedCapture(MaxCapturedBytes);
        var cli = Cli.Wrap(Setsid ?? command.Executable)
            .WithArguments(Setsid is null ? command.Arguments : [command.Executable, .. command.Arguments])
            .WithWorkingDirectory(command.WorkingDirectory)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(env =>
            {
                foreach (var (name, value) in ChildEnvironment(Environment.GetEnvironmentVariables()))
                {
                    env.Set(name, value);
                }
            })
            .WithStandardOutputPipe(PipeTarget.Create(stdout.ReadAsync))
            .WithStandardErrorPipe(PipeTarget.Create(stderr.ReadAsync));

        // CliWrap starts the process even for a token already cancelled, then kills it: mmctl could have
        // spawned a bot or signalled one by then. A command whose Ctrl+C came first is never started.
        if (cancellationToken.IsCancellationRequested)
        {
            return new HostRunResult(command, HostRunStatus.Cancelled, null, string.Empty, string.Empty, TimeSpan.Zero, "the user stopped the command before it started");
        }

        using var timer = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await cli.ExecuteAsync(linked.Token).ConfigureAwait(false);
            if (Setsid is not null && result.ExitCode is 126 or 127 && stderr.Text.StartsWith(SetsidFailure, StringComparison.Ordinal))
            {
                return new HostRunResult(command, HostRunStatus.NotStarted, null, string.Empty, string.Empty, clock.Elapsed, stderr.Text[SetsidFailure.Length..].Trim());
            }

            return new HostRunResult(command, HostRunStatus.Completed, result.ExitCode, stdout.Text, stderr.Text, clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            var status = timer.IsCancellationRequested ? HostRunStatus.TimedOut : HostRunStatus.Cancelled;
            return new HostRunResult(command, status, null, stdout.Text, stderr.Text, clock.Elapsed);
        }
        catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            var reason = error.InnerException?.Message ?? error.Message;
            return new HostRunResult(command, HostRunStatus.NotStarted, null, string.Empty, string.Empty, clock.Elapsed, reason);
        }
    }

    /// <summary>Keeps the first bytes of a stream and drains the rest, so the child never blocks on a full pipe.</summary>
    private sealed class CappedCapture(int capacity)
    {
        private readonly ArrayBufferWriter<byte> _kept = new();

        public string Text => Encoding.UTF8.GetString(_kept.WrittenSpan);

        public async Task ReadAsync(Stream source, CancellationToken cancellationToken)
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var room = capacity - _kept.WrittenCount;
                if (room > 0)
                {
                    _kept.Write(buffer.AsSpan(0, Math.Min(room, read)));
                }
            }
        }
    }
}
