using System.Buffers;
using System.Diagnostics;
using System.Text;
using CliWrap;

namespace MmOperator.Host;

/// <summary>
/// The only place in the module that starts a process. It runs one allow-listed
/// <see cref="HostCommand"/> as an argument array (no shell), with a timeout after which the whole
/// process tree is killed, in the environment its caller built (<see cref="HostEnvironment"/>) and
/// nothing else, and captures stdout, stderr and the exit code. It never judges success: that is the
/// readers' job, from the JSON.
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
    /// CliWrap starts from this process's environment and only overlays: every variable this process has
    /// is removed, then the child's own are set, so the child gets exactly <paramref name="environment"/>.
    /// </summary>
    internal static IReadOnlyDictionary<string, string?> Overlay(System.Collections.IDictionary inherited, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(inherited);
        ArgumentNullException.ThrowIfNull(environment);
        var overlay = inherited.Keys.Cast<string>().ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);
        foreach (var (name, value) in environment)
        {
            overlay[name] = value;
        }

        return overlay;
    }

    /// <param name="environment">The child's whole environment (<see cref="HostEnvironment"/>).</param>
    public static async Task<HostRunResult> RunAsync(HostCommand command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        var stdout = new CappedCapture(MaxCapturedBytes);
        var stderr = new CappedCapture(MaxCapturedBytes);
        var cli = Cli.Wrap(Setsid ?? command.Executable)
            .WithArguments(Setsid is null ? command.Arguments : [command.Executable, .. command.Arguments])
            .WithWorkingDirectory(command.WorkingDirectory)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(Overlay(Environment.GetEnvironmentVariables(), environment))
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
