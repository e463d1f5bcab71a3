using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using MmOperator.Commands;
using MmOperator.Sandbox;

namespace MmOperator.Tests.Flow;

/// <summary>Stops the flow the way ThrowTerminatingError stops a cmdlet.</summary>
public sealed class FlowTerminatedException(ErrorRecord record) : Exception(record.Exception.Message)
{
    public ErrorRecord Record { get; } = record;
}

/// <summary>
/// <see cref="IFlowContext"/> without PowerShell: a temporary repo with .env.eth (ETH-USD), scripted host
/// answers, prompt answers and process watches, and every stream kept for the test to read.
/// </summary>
public sealed class FakeFlowContext : IFlowContext, IDisposable
{
    private readonly TempDir _dir = new();

    /// <param name="moreMarkets">Slugs of further market files beside .env.eth.</param>
    public FakeFlowContext(params string[] moreMarkets)
        : this(dir =>
        {
            dir.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\nMM_SPREAD_MULTIPLIER=1.5\n");
            foreach (var slug in moreMarkets)
            {
                dir.Write($".env.{slug}", $"MM_MARKET_NAME={slug.ToUpperInvariant()}-USD\n");
            }

            var mmctl = dir.Write("bin/mmctl", "#!/bin/sh\n");
            File.SetUnixFileMode(mmctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            dir.WritePolicyFixtures();
            return new OperatorOptions { MmctlPath = mmctl, RepoPath = dir.Path, AuditLogPath = Path.Combine(dir.Path, "state", "audit.jsonl") };
        })
    {
    }

    private FakeFlowContext(Func<TempDir, OperatorOptions> layOut)
    {
        _options = layOut(_dir);
        Catalog = MarketCatalog.Load(_options.RepoPath);
        Journal = new AuditJournal(_options.AuditLogPath);
    }

    /// <summary>
    /// A host laid out by New-MmSandbox (its .env files with their fake credentials, policy, mmctl and the
    /// advisor scripts), whose commands really run there, with the environment a person's session gives
    /// them plus <see cref="SandboxHooks"/>, and whose answers are masked by the repo's secrets as a session masks them.
    /// </summary>
    public static FakeFlowContext OnSandbox(params string[] markets)
    {
        var host = new FakeFlowContext(dir =>
        {
            var sandbox = SandboxBuilder.Create(Path.Combine(dir.Path, "host"), markets.Length > 0 ? markets : ["eth"], TestPaths.Python);
            return new OperatorOptions { MmctlPath = sandbox.MmctlPath, RepoPath = sandbox.RepoPath, AuditLogPath = sandbox.AuditLogPath };
        });
        host.Masker = SecretMasker.ForRepo(host.RepoPath);
        host.Run = host.RunOnSandbox;
        return host;
    }

    /// <summary>The sandbox stand-ins' fault hooks for the next runs (MM_SANDBOX_FAULT, MM_SANDBOX_FAULT_ON).</summary>
    public Dictionary<string, string> SandboxHooks { get; } = new(StringComparer.Ordinal);

    /// <summary>The stand-ins answer their sub-command <paramref name="on"/> (status, list-pending, approve, submit...) with <paramref name="fault"/> (see sandbox_host/common.py).</summary>
    public void Fault(string fault, string on) => (SandboxHooks["MM_SANDBOX_FAULT"], SandboxHooks["MM_SANDBOX_FAULT_ON"]) = (fault, on);

    /// <summary>
    /// How a host command fails, and the error each is: not JSON, a JSON error (exit 0: the host's tools
    /// report errors so), an unexpected exit code, an expected one with no answer, an error quoting a secret.
    /// </summary>
    public static TheoryData<string, string> HostFaults { get; } = new()
    {
        { "garbage", MmOperator.Errors.ErrorIds.HostOutputInvalid },
        { "error-json", MmOperator.Errors.ErrorIds.HostReportedError },
        { "exit:3", MmOperator.Errors.ErrorIds.HostCommandFailed },
        { "exit:1", MmOperator.Errors.ErrorIds.HostOutputInvalid },
        { "leak", MmOperator.Errors.ErrorIds.HostReportedError },
    };

    private HostRunResult RunOnSandbox(HostCommand command) =>
        HostRunner.RunAsync(command, HostEnvironment.Build(UserAccount.Current, Options.PassEnv, SandboxHooks), Options.Timeout, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The sandbox's root (bin/, Code/MM, state/, sandbox/), or the plain repo.</summary>
    public string Root => _dir.Path;

    /// <summary>
    /// Every file under <see cref="Root"/> but the journal (and its lock), with a digest of its bytes: a
    /// refusal, a decline and -WhatIf change none of them. The journal is read as records.
    /// </summary>
    public IReadOnlyDictionary<string, string> Files() =>
        Directory.EnumerateFiles(_dir.Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(path => !path.StartsWith(_options.AuditLogPath, StringComparison.Ordinal))
            .ToDictionary(path => path, path => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), StringComparer.Ordinal);

    /// <summary>No process ran (none asked for, none the sandbox logged) and no byte of any file but the journal changed since <paramref name="before"/>.</summary>
    public void AssertNothingRanOrChanged(IReadOnlyDictionary<string, string> before)
    {
        Xunit.Assert.Empty(Ran);
        Xunit.Assert.Empty(Invocations);
        Xunit.Assert.Equal(before.OrderBy(f => f.Key), Files().OrderBy(f => f.Key));
    }

    /// <summary>
    /// A refusal before anything ran: that one error, that one record of the <paramref name="action"/> (no market, no key),
    /// no process, no file changed.
    /// </summary>
    public void AssertRefusedBeforeRunning(string action, string errorId, IReadOnlyDictionary<string, string> before)
    {
        Xunit.Assert.Equal([errorId], WrittenErrorIds);
        Xunit.Assert.Equal([(action, (string?)null, (string?)null, AuditOutcome.Refused, (string?)errorId)], EndedAs);
        AssertNothingRanOrChanged(before);
    }

    /// <summary>
    /// Only told (-WhatIf's plan, or that there is nothing to do): one line for the person, which it returns; no error,
    /// output or record; no process; no file changed.
    /// </summary>
    public string AssertOnlyTold(IReadOnlyDictionary<string, string> before)
    {
        var line = Xunit.Assert.Single(HostText);
        Xunit.Assert.Empty(Errors);
        Xunit.Assert.Empty(Output);
        Xunit.Assert.Empty(Journalled);
        AssertNothingRanOrChanged(before);
        return line;
    }

    /// <summary>Runs <paramref name="change"/> just before each command of <paramref name="shape"/>: what happens on the host meanwhile.</summary>
    public void BeforeRunning(HostCommandShape shape, Action change)
    {
        var run = Run;
        Run = command =>
        {
            if (command.Shape == shape)
            {
                change();
            }

            return run(command);
        };
    }

    /// <summary>Approves each prompt once <paramref name="meanwhile"/> happened: what changes on the host while the person reads the Plan.</summary>
    public void ApprovesAfter(Action meanwhile) => Answer = () =>
    {
        meanwhile();
        return true;
    };

    /// <summary>A write to the journal cut short (a torn tail): it takes no record from then on.</summary>
    public void TearJournal()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_options.AuditLogPath)!);
        File.AppendAllText(_options.AuditLogPath, "{\"torn\":");
    }

    /// <summary>A value of the repo's shared .env (a sandbox's fake credentials).</summary>
    public string SecretOf(string key) =>
        File.ReadAllLines(Path.Combine(RepoPath, ".env")).Select(line => line.Split('=', 2)).First(pair => pair[0] == key)[1];

    /// <summary>
    /// Every text the command showed or kept: its output objects (as JSON), errors with their targets,
    /// warnings, host text, prompts, and the journal's and the approval requests' files as written.
    /// </summary>
    public string Everything()
    {
        var kept = new[] { Options.AuditLogPath }.Concat(Directory.Exists(Options.ApprovalStorePath) ? Directory.GetFiles(Options.ApprovalStorePath) : [])
            .Where(File.Exists).Select(File.ReadAllText);
        return string.Join(
            "\n",
            Output.Select(o => System.Text.Json.JsonSerializer.Serialize(o, o.GetType()))
                .Concat(Errors.Select(e => $"{e.Exception.Message} {e.TargetObject}"))
                .Concat(Warnings).Concat(HostWarnings).Concat(HostText).Concat(Prompts).Concat(LinePrompts)
                .Concat(kept));
    }

    /// <summary>The stand-ins' invocation log: one line per process the sandbox ran.</summary>
    public IReadOnlyList<string> Invocations
    {
        get
        {
            var log = Path.Combine(_dir.Path, "host", "sandbox", "invocations.jsonl");
            return File.Exists(log) ? File.ReadAllLines(log) : [];
        }
    }

    private OperatorOptions _options;

    /// <summary>A session loads its options lazily (and may warn, on the pipeline thread only): each read's thread is kept.</summary>
    public OperatorOptions Options
    {
        get => Loaded(_options);
        set => _options = value;
    }

    /// <summary>The threads that read <see cref="Options"/> or <see cref="Truth"/>, which a session loads lazily.</summary>
    public ConcurrentBag<int> LoadedOnThreads { get; } = [];

    private T Loaded<T>(T value)
    {
        LoadedOnThreads.Add(Environment.CurrentManagedThreadId);
        return value;
    }

    /// <summary>None unless a test masks by the repo's secrets (<see cref="SecretMasker.ForRepo"/>).</summary>
    public SecretMasker Masker { get; set; } = SecretMasker.None;

    /// <summary>Read when the host is made; a test that changes a market file reloads it.</summary>
    public MarketCatalog Catalog { get; set; }

    public AuditJournal Journal { get; }

    public ApprovalStore Approvals => new(Options.ApprovalStorePath);

    /// <summary>The process table the flow reads: by default none (no /proc), so mmctl's word stands.</summary>
    public ProcessTable Processes { get; set; } = new("/nonexistent-proc");

    public ProcessTruth Truth => Loaded(new ProcessTruth(Catalog, Processes, new OrphanStore(_options.OrphanStorePath)));

    public string CmdletName { get; set; } = "Start-MmMarket";

    /// <summary>A person's session by default; a test gives the launcher's values (or sudo's) as the import would read them.</summary>
    public CallerIdentity Caller { get; set; } = new(_ => null, new Dictionary<string, string>());

    public PSLanguageMode LanguageMode { get; set; } = PSLanguageMode.FullLanguage;

    public bool IsWhatIf { get; set; }

    /// <summary>The prompt's answer; throw PSInvalidOperationException for a session that cannot ask.</summary>
    public Func<bool> Answer { get; set; } = () => true;

    /// <summary>The host's answer per command; a test that runs nothing leaves the default, which fails it.</summary>
    public Func<HostCommand, HostRunResult> Run { get; set; } = command => throw new InvalidOperationException($"nothing should run: {command}");

    /// <summary>Whether a watched pid is gone within the window.</summary>
    public Func<int, TimeSpan, bool> Exits { get; set; } = (_, _) => true;

    public List<HostCommand> Ran { get; } = [];

    public List<(int Pid, TimeSpan Window)> Watched { get; } = [];

    public List<TimeSpan> Paused { get; } = [];

    public List<object> Output { get; } = [];

    public List<ErrorRecord> Errors { get; } = [];

    public List<string> HostText { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<string> Prompts { get; } = [];

    /// <summary>What the host's UI showed after Ctrl+C, when the streams refuse writes.</summary>
    public List<string> HostWarnings { get; } = [];

    /// <summary>The person's Ctrl+C: cancel it to stop the command.</summary>
    public CancellationTokenSource CtrlC { get; } = new();

    public CancellationToken Stopping => CtrlC.Token;

    public string RepoPath => _options.RepoPath;

    public IReadOnlyList<AuditRecord> Journalled => File.Exists(Options.AuditLogPath) ? Journal.Read().ToList() : [];

    /// <summary>The journal without the records of intent: how each attempt ended.</summary>
    public IReadOnlyList<AuditRecord> Ended => Journalled.Where(r => r.Outcome != AuditOutcome.Intended).ToList();

    /// <summary>How each attempt ended, as tests compare it: action, market, key, outcome and error id.</summary>
    public List<(string Action, string? Market, string? Key, AuditOutcome Outcome, string? ErrorId)> EndedAs =>
        Ended.Select(r => (r.Action, r.Market, r.Key, r.Outcome, r.ErrorId)).ToList();

    /// <summary>The ids of the errors written, in order.</summary>
    public List<string> WrittenErrorIds => Errors.Select(e => e.FullyQualifiedErrorId).ToList();

    /// <summary>Each prompt's text as a person reads it: the Plan, then the question.</summary>
    public bool ShouldProcess(string plan, string query, string caption)
    {
        Prompts.Add(query);
        return _person ? Choose(caption, query, PromptChoice.YesNo, PromptChoice.No) == 0 : Answer();
    }

    private bool _person;

    /// <summary>
    /// A person at the terminal (<see cref="ApprovalMode.Prompted"/>), who answers as <see cref="CmdletContext"/>
    /// asks: ShouldProcess becomes the Yes/No question. Each answer in order picks a choice by its label
    /// ("Yes", "No", "Yes to all", "Per market"), or is the line typed at a line prompt (a risk change's
    /// retyped market); <see cref="EndOfInput"/> is the input ending there. A question with no answer left fails the test.
    /// </summary>
    public void Person(params string?[] answers)
    {
        (_person, Approval) = (true, ApprovalMode.Prompted);
        foreach (var answer in answers)
        {
            _said.Enqueue(answer);
        }
    }

    /// <summary>An answer of <see cref="Person"/>: the input ends (Choose throws as the console host does; ReadLine gives null).</summary>
    public const string? EndOfInput = null;

    private readonly Queue<string?> _said = new();

    /// <summary>The answers of <see cref="Person"/> not given yet.</summary>
    public int Unanswered => _said.Count;

    /// <summary>The session's input is a pipe or a file, as the real host refuses it: no question is put to anyone.</summary>
    public void NotATerminal() =>
        NoPerson = new System.Management.Automation.Host.HostException("its input is redirected from a pipe or a file, so an answer would come from there, not from a person");

    /// <summary>The agent's restricted endpoint: approval only by a human's ticket.</summary>
    public void Restricted() => LanguageMode = PSLanguageMode.ConstrainedLanguage;

    /// <summary>A human approves every pending request in a person's session; their ids, to pass as -ApprovalId.</summary>
    public IReadOnlyList<string> HumanApprovesAll() =>
        Approvals.List().Where(r => r.State == ApprovalState.Pending).Select(r => Approvals.Decide(r.Id, approve: true, "human").Id).ToList();

    /// <summary>How ShouldProcess approves: -Confirm:$false unless a test asks a person (Prompted).</summary>
    public string Approval { get; set; } = ApprovalMode.ConfirmFalse;

    public string DescribeApproval() => Approval;

    /// <summary>What the person types at a line prompt; null is the end of input.</summary>
    public Func<string?> Typed { get; set; } = () => throw new InvalidOperationException("nothing should be asked to type");

    public List<string> LinePrompts { get; } = [];

    public string? ReadLine(string prompt)
    {
        if (NoPerson is { } noPerson)
        {
            throw noPerson;
        }

        LinePrompts.Add(prompt);
        return _said.Count > 0 ? _said.Dequeue() : Typed();
    }

    /// <summary>The person's answers to Choose, in order (an index into its choices); a test that asks more fails.</summary>
    public Queue<int> Choices { get; } = new();

    /// <summary>Each question a person was asked with Choose, with the labels of its choices.</summary>
    public List<(string Query, IReadOnlyList<string> Labels)> Questions { get; } = [];

    /// <summary>Throws what the console host throws when no person can answer; null when one can.</summary>
    public Exception? NoPerson { get; set; }

    public int Choose(string caption, string query, IReadOnlyList<PromptChoice> choices, int defaultChoice)
    {
        if (NoPerson is { } noPerson)
        {
            throw noPerson;
        }

        var labels = choices.Select(c => c.Label.Replace("&", string.Empty, StringComparison.Ordinal)).ToList();
        Questions.Add((query, choices.Select(c => c.Label).ToList()));
        if (_said.Count == 0)
        {
            return Choices.Dequeue();
        }

        var answer = _said.Dequeue() ?? throw new System.Management.Automation.Host.HostException("the input ended before an answer was given");
        var picked = labels.IndexOf(answer);
        return picked >= 0 ? picked : throw new InvalidOperationException($"'{answer}' is none of the choices {string.Join(", ", labels)} of: {query}");
    }

    /// <summary>Set when the flow ended the script as well as the command (<see cref="IFlowContext.ThrowScriptTerminatingError"/>).</summary>
    public bool EndedScript { get; private set; }

    [DoesNotReturn]
    public void ThrowScriptTerminatingError(ErrorRecord record)
    {
        EndedScript = true;
        throw new FlowTerminatedException(record);
    }

    public List<ProgressRecord> Progress { get; } = [];

    /// <summary>As a session's runs: what the host printed comes back masked by <see cref="Masker"/>.</summary>
    public HostRunResult RunHost(HostCommand command)
    {
        lock (Ran)
        {
            Ran.Add(command);
        }

        var run = Run(command);
        return run with { StdOut = Masker.ApplyToOutput(run.StdOut), StdErr = Masker.Apply(run.StdErr) };
    }

    /// <summary>On the caller's thread: a market's own run thread, which is what the flow uses it from.</summary>
    public Task<HostRunResult> StartHost(HostCommand command) => Task.FromResult(RunHost(command));

    public void ReportStarting(HostCommand command) { }

    public void ReportFinished(HostRunResult run) { }

    public void WriteProgress(ProgressRecord record)
    {
        Progress.Add(record);
        Written(record);
    }

    private volatile Action? _redraw;

    /// <summary>No redraw comes by itself: the test calls <see cref="Redraw"/> when the bars are due.</summary>
    public IDisposable StartRedraws(Action redraw)
    {
        _redraw = redraw;
        return new Redraws(this);
    }

    /// <summary>The redraw tick a session's clock would give; nothing when no batch is running.</summary>
    public void Redraw() => _redraw?.Invoke();

    private sealed class Redraws(FakeFlowContext host) : IDisposable
    {
        public void Dispose() => host._redraw = null;
    }

    public bool WaitForExit(int pid, TimeSpan window)
    {
        lock (Watched)
        {
            Watched.Add((pid, window));
        }

        return Exits(pid, window);
    }

    /// <summary>Zombies waited for, and whether they were reaped within the window.</summary>
    public List<int> AwaitedReaping { get; } = [];

    public Func<int, bool> Reaped { get; set; } = _ => false;

    public bool WaitForReaping(int pid, TimeSpan window)
    {
        AwaitedReaping.Add(pid);
        return Reaped(pid);
    }

    /// <summary>How old every watched process reads.</summary>
    public TimeSpan Age { get; set; }

    public TimeSpan ProcessAge(int pid) => Age;

    public void Pause(TimeSpan time)
    {
        lock (Paused)
        {
            Paused.Add(time);
        }
    }

    public void WriteObject(object value, string typeName)
    {
        Output.Add(ThrowIfStopped(value));
        Written(value);
    }

    /// <summary>Called with each result and progress record as it is written, on the pipeline thread.</summary>
    public Action<object> Written { get; set; } = _ => { };

    public void WriteError(ErrorRecord record)
    {
        Errors.Add(ThrowIfStopped(record));
        if (StopsOnError)
        {
            throw new ActionPreferenceStopException(record.Exception.Message);
        }
    }

    /// <summary>As -ErrorAction Stop: PowerShell throws the first error written out of WriteError, which stops the command there.</summary>
    public bool StopsOnError { get; set; }

    public void WriteHostWarning(string text)
    {
        HostWarnings.Add(text);
        Warned.Set();
    }

    /// <summary>Set once the host's UI showed a warning: after Ctrl+C, its notice.</summary>
    public ManualResetEventSlim Warned { get; } = new();

    /// <summary>As a stopping pipeline refuses output and errors.</summary>
    private T ThrowIfStopped<T>(T written) => CtrlC.IsCancellationRequested ? throw new PipelineStoppedException() : written;

    [DoesNotReturn]
    public void ThrowTerminatingError(ErrorRecord record) => throw new FlowTerminatedException(record);

    public void WriteHostText(string text) => HostText.Add(text);

    public void WriteVerbose(string text) { }

    public void WriteWarning(string text) => Warnings.Add(text);

    /// <summary>A completed run that printed <paramref name="json"/>.</summary>
    public static HostRunResult Answered(HostCommand command, string json, int exitCode = 0) =>
        new(command, HostRunStatus.Completed, exitCode, json, string.Empty, TimeSpan.FromMilliseconds(5));

    public void Dispose()
    {
        CtrlC.Dispose();
        Warned.Dispose();
        _dir.Dispose();
    }
}

public static class RunbookFlowTestExtensions
{
    /// <summary>What a market cmdlet does: every approval in ProcessRecord, then the runs in EndProcessing.</summary>
    public static void ApproveAndRun(this RunbookFlow flow, MarketAction action, IEnumerable<Market> markets, string reason)
    {
        flow.Approve(action, markets, reason);
        flow.RunApproved();
    }
}
