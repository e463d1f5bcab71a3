using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation.Host;
using System.Security;

namespace MmOperator.Tests.Support;

/// <summary>A PowerShell host that answers confirmation prompts from a script and keeps what it was shown.</summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedUi _ui;

    public ScriptedHost(params string[] answers) => _ui = new ScriptedUi(new Queue<string>(answers), this);

    /// <summary>Runs just before a prompt is answered: what happens elsewhere while a person reads the Plan.</summary>
    public Action? BeforeAnswer { get; set; }

    public IReadOnlyList<string> Prompts => _ui.Prompts;

    public IReadOnlyList<string> Lines => _ui.Lines;

    public IReadOnlyList<string> WarningLines => _ui.WarningLines;

    public override string Name => "ScriptedHost";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override void SetShouldExit(int exitCode) { }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication() { }

    public override void NotifyEndApplication() { }

    private sealed class ScriptedUi(Queue<string> answers, ScriptedHost owner) : PSHostUserInterface
    {
        public List<string> Prompts { get; } = [];

        public List<string> Lines { get; } = [];

        public List<string> WarningLines { get; } = [];

        public override PSHostRawUserInterface? RawUI => null;

        /// <summary>Answers "Yes" or "No" by the label of the choice, in order; no answer left fails the test.</summary>
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(caption + "\n" + message);
            owner.BeforeAnswer?.Invoke();
            var answer = answers.Count > 0 ? answers.Dequeue() : throw new InvalidOperationException("Unexpected prompt: " + caption);
            return choices.Select((c, i) => (c, i)).First(x => x.c.Label.Replace("&", string.Empty, StringComparison.Ordinal) == answer).i;
        }

        public override void WriteLine(string value) => Lines.Add(value);

        public override void Write(string value) => Lines.Add(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);

        public override void WriteErrorLine(string value) { }

        public override void WriteDebugLine(string message) { }

        public override void WriteVerboseLine(string message) { }

        public override void WriteWarningLine(string message) => WarningLines.Add(message);

        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public override string ReadLine() => throw new NotSupportedException();

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    }
}
