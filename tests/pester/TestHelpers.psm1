# Helpers shared by the Pester files: a fresh sandbox per file, the stand-ins' invocation log,
# fresh pwsh processes, and fault injection that is always undone.

# A person's terminal, as the module meets it: it keeps every prompt (title and text exactly as handed to
# PromptForChoice) and everything written to the host, and answers each prompt with its default (No),
# unless a test queued the person's answers: a choice's index, or a line typed at ReadLine.
# It runs on the thread of whichever runspace calls it, so it has no runspace affinity.
[NoRunspaceAffinity()]
class RecordingHostUi : System.Management.Automation.Host.PSHostUserInterface {
    [System.Collections.Generic.List[string]] $Shown = [System.Collections.Generic.List[string]]::new()
    [System.Collections.Generic.Queue[object]] $Answers = [System.Collections.Generic.Queue[object]]::new()
    [System.Management.Automation.Host.PSHostRawUserInterface] get_RawUI() { return $null }
    [int] PromptForChoice([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.ChoiceDescription]] $choices, [int] $defaultChoice) {
        $this.Shown.Add("$caption`n$message")
        if ($this.Answers.Count -and $this.Answers.Peek() -is [int]) { return $this.Answers.Dequeue() }
        return $defaultChoice
    }
    [void] Write([string] $value) { $this.Shown.Add($value) }
    [void] Write([ConsoleColor] $foreground, [ConsoleColor] $background, [string] $value) { $this.Shown.Add($value) }
    [void] WriteLine([string] $value) { $this.Shown.Add($value) }
    [void] WriteErrorLine([string] $value) { $this.Shown.Add($value) }
    [void] WriteWarningLine([string] $value) { $this.Shown.Add($value) }
    [void] WriteDebugLine([string] $value) { }
    [void] WriteVerboseLine([string] $value) { }
    [void] WriteProgress([long] $sourceId, [System.Management.Automation.ProgressRecord] $record) { }
    [string] ReadLine() {
        if (-not $this.Answers.Count -or $this.Answers.Peek() -isnot [string]) { throw [NotSupportedException]::new() }
        $line = $this.Answers.Dequeue()
        $this.Shown.Add($line)
        return $line
    }
    [securestring] ReadLineAsSecureString() { throw [NotSupportedException]::new() }
    [System.Collections.Generic.Dictionary[string, psobject]] Prompt([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.FieldDescription]] $descriptions) { throw [NotSupportedException]::new() }
    [pscredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName) { throw [NotSupportedException]::new() }
    [pscredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName, [System.Management.Automation.PSCredentialTypes] $types, [System.Management.Automation.PSCredentialUIOptions] $options) { throw [NotSupportedException]::new() }
}

[NoRunspaceAffinity()]
class RecordingHost : System.Management.Automation.Host.PSHost {
    hidden [RecordingHostUi] $Recorder = [RecordingHostUi]::new()
    hidden [guid] $Id = [guid]::NewGuid()
    [string] get_Name() { return 'RecordingHost' }
    [version] get_Version() { return [version] '1.0' }
    [guid] get_InstanceId() { return $this.Id }
    [System.Management.Automation.Host.PSHostUserInterface] get_UI() { return $this.Recorder }
    [cultureinfo] get_CurrentCulture() { return [cultureinfo]::InvariantCulture }
    [cultureinfo] get_CurrentUICulture() { return [cultureinfo]::InvariantCulture }
    [void] SetShouldExit([int] $exitCode) { }
    [void] EnterNestedPrompt() { throw [NotSupportedException]::new() }
    [void] ExitNestedPrompt() { throw [NotSupportedException]::new() }
    [void] NotifyBeginApplication() { }
    [void] NotifyEndApplication() { }
}

function Import-MmTestModule {
    # The sandbox's bot dies 0.3 s after a start it refuses, so half a second of watching catches it
    # (the README's advice for sandboxes); the real host's one second is kept by the bench and Options tests.
    if (-not $env:MMOPERATOR_START_SETTLE_MS) { $env:MMOPERATOR_START_SETTLE_MS = '500' }
    Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
}

function New-TestSandbox {
    param([string[]] $Market = @('ETH-USD', 'BTC-USD', 'MU_24_5-USD', 'SPX500m-USD'))
    $path = Join-Path ([IO.Path]::GetTempPath()) ("mmop-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $sandbox = New-MmSandbox -Path $path -Market $Market
    $sandbox | Set-MmOperatorOption -WarningAction Stop
    $sandbox
}

function Remove-TestSandbox {
    param($Sandbox)
    if (-not $Sandbox) { return }
    # Stop what the tests started, then remove the folder: a bot that mmctl no longer lists (it ignored
    # the signals) ends by itself once its folder is gone.
    Stop-SandboxBot $Sandbox
    Remove-Item $Sandbox.Path -Recurse -Force -ErrorAction Ignore
}

function Stop-SandboxBot {
    <#
    Puts a sandbox back to what mmctl stop leaves (no bot, no pid file) without mmctl: a test's reset, not what
    it tests. mmctl's stop checks once a second and each call starts a Python, which a reset before every test
    pays dozens of times. Only a process of the sandbox's own Python is ended (a pid file holds the bare pid,
    which may name a stranger by now), and each is gone before this returns.
    #>
    param([Parameter(Mandatory)] $Sandbox)
    foreach ($file in Get-ChildItem (Join-Path $Sandbox.RepoPath 'data/pids') -Filter '*.pid' -ErrorAction Ignore) {
        $bot = 0
        if ([int]::TryParse((Get-Content -Raw $file.FullName), [ref] $bot) -and (Get-Content -Raw "/proc/$bot/cmdline" -ErrorAction Ignore) -like "*$($Sandbox.RepoPath)*") {
            Stop-Process -Id $bot -Force -ErrorAction Ignore
            if (-not (Wait-Until { -not (Test-Alive $bot) })) { throw "The sandbox's bot $bot outlived SIGKILL." }
        }
        Remove-Item $file.FullName -Force
    }
}

function Test-Alive {
    <# A process that exists and is not a zombie (an init may reap an exited bot seconds late). #>
    param([Parameter(Mandatory)][int] $Id)
    $stat = Get-Content -Raw "/proc/$Id/stat" -ErrorAction Ignore
    [bool] $stat -and $stat.Substring($stat.LastIndexOf(')') + 2, 1) -ne 'Z'
}

function Wait-Until {
    <# Polls a condition every 50 ms until it holds or the time is up (a backstop: generous for a loaded machine); returns whether it held. #>
    param([Parameter(Mandatory, Position = 0)][scriptblock] $Condition, [double] $TimeoutSec = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -ge $deadline) { return $false }
        Start-Sleep -Milliseconds 50
    }
    $true
}

function Get-Invocation {
    param([Parameter(Mandatory)] $Sandbox)
    if (-not (Test-Path $Sandbox.InvocationLogPath)) { return @() }
    @(Get-Content $Sandbox.InvocationLogPath | ForEach-Object { $_ | ConvertFrom-Json })
}

function Get-InvocationCount {
    <# How many commands the stand-ins have run (lines of the invocation log), without parsing them. #>
    param([Parameter(Mandatory)] $Sandbox)
    if (-not (Test-Path $Sandbox.InvocationLogPath)) { return 0 }
    [IO.File]::ReadAllLines($Sandbox.InvocationLogPath).Count
}

function Invoke-WithFault {
    <# Runs a script block with MM_SANDBOX_FAULT (and optionally MM_SANDBOX_FAULT_ON) set, restoring them after. #>
    param([Parameter(Mandatory, Position = 0)][string] $Fault, [Parameter(Mandatory, Position = 1)][scriptblock] $ScriptBlock, [string] $On)
    Use-Environment @{ MM_SANDBOX_FAULT = $Fault; MM_SANDBOX_FAULT_ON = $On } $ScriptBlock
}

function Use-Environment {
    <# Runs a script block with process environment variables set (null removes one), restoring them after. #>
    param([Parameter(Mandatory)][hashtable] $Environment, [Parameter(Mandatory)][scriptblock] $ScriptBlock)
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        # An empty value removes the variable too: .NET keeps an empty one, which a child would still see.
        [Environment]::SetEnvironmentVariable($name, $(if ("$($Environment[$name])") { $Environment[$name] } else { $null }))
    }
    try { & $ScriptBlock }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Invoke-FreshPwsh {
    <# Runs a command in a new pwsh process with the given environment; returns its stdout lines and exit code. #>
    param([Parameter(Mandatory)][string] $Command, [hashtable] $Environment = @{})
    Use-Environment $Environment {
        $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Command 2>&1
        [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); ExitCode = $LASTEXITCODE }
    }
}

function Start-InTerminal {
    <#
    Runs a command in a fresh pwsh inside a pseudo-terminal of its own, as at a person's console
    (tools/terminal.py): Ctrl+C there is the terminal's SIGINT to its whole foreground process group
    (pwsh and each child it did not move out of it), then pwsh's own handling. What the terminal shows
    goes to -Transcript; Send-CtrlC presses Ctrl+C. -Answer is a person at the keyboard: pairs of the
    text to wait for and the keys to type then (with Enter); a session given answers is interactive
    (not -NonInteractive), so it really prompts. -File runs a script instead of -Command. Returns the
    driver process (python3, as the sandbox needs anyway); its exit code is pwsh's.
    #>
    param([Parameter(Mandatory)][string] $Command, [Parameter(Mandatory)][string] $Transcript, [string[]] $Answer = @(), [switch] $File)
    $info = [Diagnostics.ProcessStartInfo]::new('python3')
    $info.ArgumentList.Add((Join-Path $PSScriptRoot '../../tools/terminal.py'))
    $info.ArgumentList.Add($Transcript)
    for ($i = 0; $i -lt $Answer.Count; $i += 2) {
        foreach ($argument in '--answer', $Answer[$i], $Answer[$i + 1]) { $info.ArgumentList.Add($argument) }
    }

    $pwsh = @('--', 'dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile') + @(if ($Answer.Count -eq 0) { '-NonInteractive' }) + @(if ($File) { '-File' } else { '-Command' }) + $Command
    foreach ($argument in $pwsh) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardInput = $true
    [Diagnostics.Process]::Start($info)
}

function Send-CtrlC {
    param([Parameter(Mandatory)][Diagnostics.Process] $Terminal)
    $Terminal.StandardInput.WriteLine('ctrl-c')
    $Terminal.StandardInput.Flush()
}

function Read-Terminal {
    <# What a terminal showed, as text: colours and cursor moves removed, lines joined with newlines. #>
    param([Parameter(Mandatory)][string] $Transcript)
    ((Get-Content -Raw $Transcript -ErrorAction Ignore) ?? '') -replace "`e\[[0-9;?]*[A-Za-z]", '' -replace "`r", ''
}

function Invoke-InRestrictedRunspace {
    <#
    Runs a command in a runspace of this process built from a session configuration file (.pssc), as
    pwsh -ConfigurationFile builds its session, with process environment variables set for the time of
    the call (the module reads them at import). Returns the output (through Out-String), host information
    (plans), warnings and errors (with their ids) as one text, and whether there were errors.
    #>
    param([Parameter(Mandatory)][Management.Automation.Runspaces.InitialSessionState] $SessionState, [Parameter(Mandatory)][string] $Command, [hashtable] $Environment = @{})
    Use-Environment $Environment {
        # PowerShell looks at every executable on PATH for each visible cmdlet while it builds such a
        # session (~0.35 s of CPU here); none is visible in it, so the session is built with an empty PATH.
        $path = $env:PATH
        $env:PATH = [IO.Path]::GetTempPath() + 'mmop-no-executables'
        try { $runspace = [runspacefactory]::CreateRunspace($SessionState); $runspace.Open() } finally { $env:PATH = $path }
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $text = try { @($ps.AddScript($Command).AddCommand('Out-String').Invoke()) } catch { "$($_.Exception.InnerException ?? $_.Exception)" }
            $text += @($ps.Streams.Information) + @($ps.Streams.Warning) +
                @($ps.Streams.Error | ForEach-Object { "$($_.InvocationInfo.MyCommand.Name): $_ ($($_.FullyQualifiedErrorId))" })
            [pscustomobject]@{ Text = (@($text | ForEach-Object { "$_" }) -join "`n"); ExitCode = [int] $ps.HadErrors }
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
    }
}

function Invoke-AsPerson {
    <#
    Runs a command on a sandbox in a normal (FullLanguage) runspace of this process whose host is a
    person's terminal that answers every prompt with its default, No. Returns what the person was shown:
    each prompt (its title and text exactly as handed to the host) and host text, then the output as
    Out-String renders it at 80 columns, as one text. -Answer queues the person's answers instead: a
    choice's index (0 is Yes) for each prompt, a string for each line typed.
    #>
    param([Parameter(Mandatory)][string] $ModulePath, [Parameter(Mandatory)] $Sandbox, [Parameter(Mandatory)][string] $Command, [object[]] $Answer = @())
    $terminal = [RecordingHost]::new()
    foreach ($given in $Answer) { $terminal.Recorder.Answers.Enqueue($given) }
    $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
    $state.ImportPSModule($ModulePath)
    $runspace = [runspacefactory]::CreateRunspace($terminal, $state)
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    try {
        # Importing the module there read the options afresh: point them at the sandbox again.
        $null = $ps.AddCommand('Set-MmOperatorOption').Invoke(@($Sandbox))
        $ps.Commands.Clear()
        $output = @($ps.AddScript($Command).AddCommand('Out-String').AddParameter('Width', 80).Invoke())
        (@($terminal.Recorder.Shown) + $output + @($ps.Streams.Error | ForEach-Object { "$_" })) -join "`n"
    }
    finally { $ps.Dispose(); $runspace.Dispose() }
}

function Invoke-Mmctl {
    <# Runs the sandbox's stand-in mmctl directly (tests only; the module never does this) and parses its JSON. #>
    param([Parameter(Mandatory)] $Sandbox, [Parameter(ValueFromRemainingArguments)][string[]] $Arguments)
    $stdout = & $Sandbox.MmctlPath @Arguments 2>$null
    $exitCode = $LASTEXITCODE
    $text = $stdout -join "`n"
    $json = try { $text | ConvertFrom-Json -ErrorAction Stop } catch { $null }
    [pscustomobject]@{ Json = $json; Text = $text; ExitCode = $exitCode }
}

function Get-FileHashes {
    param([Parameter(Mandatory)] $Sandbox)
    Get-ChildItem $Sandbox.RepoPath -Force -Filter '.env*' | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, (Get-FileHash $_.FullName).Hash }
}

function Invoke-NativeText {
    <# Runs a program; returns its output and error lines as one text, and its exit code. #>
    param([Parameter(Mandatory, Position = 0)][string] $FilePath, [Parameter(Position = 1)][string[]] $ArgumentList = @())
    $output = & $FilePath @ArgumentList 2>&1
    [pscustomobject]@{ Text = (@($output | ForEach-Object { "$_" }) -join "`n"); ExitCode = $LASTEXITCODE }
}

function New-TwoUserDeployment {
    <#
    The accounts of the supported deployment, for real (as root on Linux): the distribution's packages that are
    missing (sudo, and the ones named with the file each provides), an operator and an agent account, this
    PowerShell (the tool package in root's private NuGet cache) copied to a folder every account can read, and the
    built module installed where only the operator reads it, with a sandbox host of its own. The caller runs
    bin/mm-operator-setup with the options it tests, and Remove-TwoUserDeployment at the end.
    #>
    param([Parameter(Mandatory)][string] $Name, [hashtable] $Package = @{}, [string[]] $Market = @('eth'))
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $tools = "/opt/mmoperator-$Name-$suffix"
    # The packages install while PowerShell is laid out.
    $Package['sudo'] = '/usr/bin/sudo'
    $missing = @($Package.Keys | Where-Object { -not (Test-Path $Package[$_]) })
    $apt = $null
    $aptLog = "$tools.apt.log"
    if ($missing) {
        $apt = Use-Environment @{ DEBIAN_FRONTEND = 'noninteractive' } {
            # Serialised: the two-user and OpenClaw tests may install at once in two workers, and apt holds its locks.
            Start-Process bash -ArgumentList '-c', "`"exec >'$aptLog' 2>&1; exec flock /var/lock/mmoperator-test-apt.lock bash -c 'apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq $($missing -join ' ')'`"" -PassThru
        }
    }
    $null = New-Item -ItemType Directory "$tools/pwsh" -Force
    & cp -R $PSHOME "$tools/pwsh/lib"
    Set-Content "$tools/pwsh/pwsh" "#!/bin/sh`nexec '$([Environment]::ProcessPath)' '$tools/pwsh/lib/pwsh.dll' `"`$@`""
    & chmod -R a+rX "$tools/pwsh"
    & chmod a+x "$tools/pwsh/pwsh"
    if ($apt) {
        $apt.WaitForExit()
        if ($apt.ExitCode -ne 0) { throw "apt-get install $missing failed: $(Get-Content -Raw $aptLog)" }
        Remove-Item $aptLog
    }

    $operator = "mmop$suffix"
    $agent = "mmag$suffix"
    foreach ($user in $operator, $agent) {
        & useradd --create-home --shell /bin/bash $user
        & usermod -p '*' $user
    }
    $operatorHome = (& getent passwd $operator).Split(':')[5]
    $moduleDir = "$operatorHome/modules/MmOperator"
    $null = New-Item -ItemType Directory (Split-Path $moduleDir) -Force
    Copy-Item (Split-Path $env:MMOPERATOR_TEST_MODULE) $moduleDir -Recurse
    $sandbox = New-MmSandbox -Path "$operatorHome/host" -Market $Market
    & chown -R "${operator}:" $operatorHome
    [pscustomobject]@{
        Operator = $operator; Agent = $agent; OperatorHome = $operatorHome; AgentHome = (& getent passwd $agent).Split(':')[5]
        ModuleDir = $moduleDir; Launcher = "$moduleDir/bin/mm-operator"; Setup = "$moduleDir/bin/mm-operator-setup"
        Pwsh = "$tools/pwsh/pwsh"; Sandbox = $sandbox; Tools = $tools
    }
}

function Remove-TwoUserDeployment {
    <#
    Ends every process of the deployment's two accounts (they exist only for the test), then removes them and their
    files: their homes, and what they left in /tmp (OpenClaw keeps its locks and log there, by user id).
    #>
    param($Deployment)
    if (-not $Deployment) { return }
    foreach ($user in $Deployment.Operator, $Deployment.Agent) { & pkill -KILL -u $user }
    $null = Wait-Until { -not (& pgrep -u "$($Deployment.Operator),$($Deployment.Agent)") } -TimeoutSec 10
    foreach ($user in $Deployment.Operator, $Deployment.Agent) { & find /tmp -mindepth 1 -maxdepth 1 -user $user -exec rm -rf '{}' + }
    Remove-TestSandbox $Deployment.Sandbox
    foreach ($user in $Deployment.Operator, $Deployment.Agent) { & userdel --remove $user 2>$null }
    Remove-Item "/etc/sudoers.d/mm-operator-$($Deployment.Agent)", $Deployment.Tools -Recurse -Force -ErrorAction Ignore
}

function Invoke-AsOperator {
    <# A human at the deployment's operator account, in a normal (FullLanguage) session with the module and its sandbox. #>
    param([Parameter(Mandatory)] $Deployment, [Parameter(Mandatory)][string] $Script, [hashtable] $Environment = @{})
    $sandbox = $Deployment.Sandbox
    $variables = @("HOME=$($Deployment.OperatorHome)", 'PATH=/usr/bin:/bin', "MMOPERATOR_MMCTL=$($sandbox.MmctlPath)", "MMOPERATOR_REPO=$($sandbox.RepoPath)", "MMOPERATOR_AUDIT_LOG=$($sandbox.AuditLogPath)")
    $variables += @($Environment.Keys | ForEach-Object { "$_=$($Environment[$_])" })
    Invoke-NativeText runuser (@('-u', $Deployment.Operator, '--', 'env', '-i') + $variables +
        @($Deployment.Pwsh, '-NoProfile', '-NonInteractive', '-Command', "Import-Module $($Deployment.ModuleDir)/MmOperator.psd1; $Script"))
}

Export-ModuleMember -Function *
