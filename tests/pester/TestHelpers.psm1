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
    text to wait for and the keys to type then (with Enter); a session given answers, or -Interactive
    (the test types with Send-Keys), is interactive (not -NonInteractive), so it really prompts. -File runs a script instead of -Command. Returns the
    driver process (python3, as the sandbox needs anyway); its exit code is pwsh's.
    #>
    param([Parameter(Mandatory)][string] $Command, [Parameter(Mandatory)][string] $Transcript, [string[]] $Answer = @(), [switch] $Interactive, [switch] $File)
    $info = [Diagnostics.ProcessStartInfo]::new('python3')
    $info.ArgumentList.Add((Join-Path $PSScriptRoot '../../tools/terminal.py'))
    $info.ArgumentList.Add($Transcript)
    for ($i = 0; $i -lt $Answer.Count; $i += 2) {
        foreach ($argument in '--answer', $Answer[$i], $Answer[$i + 1]) { $info.ArgumentList.Add($argument) }
    }

    $pwsh = @('--', 'dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile') + @(if ($Answer.Count -eq 0 -and -not $Interactive) { '-NonInteractive' }) + @(if ($File) { '-File' } else { '-Command' }) + $Command
    foreach ($argument in $pwsh) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardInput = $true
    [Diagnostics.Process]::Start($info)
}

function Send-CtrlC {
    param([Parameter(Mandatory)][Diagnostics.Process] $Terminal)
    $Terminal.StandardInput.WriteLine('ctrl-c')
    $Terminal.StandardInput.Flush()
}

function Send-Keys {
    <# Types a line (and Enter) at a terminal of Start-InTerminal. #>
    param([Parameter(Mandatory)][Diagnostics.Process] $Terminal, [Parameter(Mandatory)][AllowEmptyString()][string] $Keys)
    $Terminal.StandardInput.WriteLine("keys $Keys")
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

function Install-TestTools {
    <#
    What a test's OS accounts need, as root on Linux: the distribution's packages that are missing (each named with
    the file it provides), installed while this PowerShell (the tool package in root's private NuGet cache) is
    copied to $Tools/pwsh, a folder every account can read, with $Tools/pwsh/pwsh to start it. Returns that path.
    #>
    param([Parameter(Mandatory)][string] $Tools, [hashtable] $Package = @{})
    $missing = @($Package.Keys | Where-Object { -not (Test-Path $Package[$_]) })
    $apt = $null
    $aptLog = "$Tools.apt.log"
    if ($missing) {
        $apt = Use-Environment @{ DEBIAN_FRONTEND = 'noninteractive' } {
            # Serialised: the two-user, OpenClaw and fleet tests may install at once in several workers, and apt holds its locks.
            Start-Process bash -ArgumentList '-c', "`"exec >'$aptLog' 2>&1; exec flock /var/lock/mmoperator-test-apt.lock bash -c 'apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq $($missing -join ' ')'`"" -PassThru
        }
    }
    $null = New-Item -ItemType Directory "$Tools/pwsh" -Force
    & cp -R $PSHOME "$Tools/pwsh/lib"
    # As build.ps1 sets for the suite's own processes (an sshd's subsystem starts this one with none of them).
    Set-Content "$Tools/pwsh/pwsh" "#!/bin/sh`nexport DOTNET_TieredPGO=0 DOTNET_TC_CallCounting=0`nexec '$([Environment]::ProcessPath)' '$Tools/pwsh/lib/pwsh.dll' `"`$@`""
    & chmod -R a+rX "$Tools/pwsh"
    & chmod a+x "$Tools/pwsh/pwsh"
    if ($apt) {
        $apt.WaitForExit()
        if ($apt.ExitCode -ne 0) { throw "apt-get install $missing failed: $(Get-Content -Raw $aptLog)" }
        Remove-Item $aptLog
    }
    "$Tools/pwsh/pwsh"
}

function New-TwoUserDeployment {
    <#
    The accounts of the supported deployment, for real (as root on Linux): the distribution's packages that are
    missing (sudo, and the ones named with the file each provides), an operator and an agent account, this
    PowerShell copied to a folder every account can read (Install-TestTools), and the built module installed
    where only the operator reads it, with a sandbox host of its own. The caller runs bin/mm-operator-setup with
    the options it tests, and Remove-TwoUserDeployment at the end.
    #>
    param([Parameter(Mandatory)][string] $Name, [hashtable] $Package = @{}, [string[]] $Market = @('eth'))
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $tools = "/opt/mmoperator-$Name-$suffix"
    $Package['sudo'] = '/usr/bin/sudo'
    $pwsh = Install-TestTools $tools $Package

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
        Pwsh = $pwsh; Sandbox = $sandbox; Tools = $tools
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

function Wait-TcpPort {
    <# Whether a TCP port takes connections within the time (a backstop: a daemon listens within a second on a quiet machine). #>
    param([Parameter(Mandatory)][string] $Address, [Parameter(Mandatory)][int] $Port, [double] $TimeoutSec = 120)
    Wait-Until {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect($Address, $Port); $true } catch { $false } finally { $client.Dispose() }
    } -TimeoutSec $TimeoutSec
}

function Start-TestSshd {
    <#
    An sshd of a test's own (as root): a host key of its own in -Folder (host_key, its .pub beside), keys only (no
    password, no PAM, no root), one account allowed, on the address and port given, its log in -Folder/sshd.log;
    -Line adds configuration lines, -Namespace runs it in that network namespace. Returns its process (the test ends
    it); the caller waits for the port (Wait-TcpPort).
    #>
    param([Parameter(Mandatory)][string] $Folder, [Parameter(Mandatory)][string] $Address, [Parameter(Mandatory)][int] $Port,
        [Parameter(Mandatory)][string] $User, [string[]] $Line = @(), [string] $Namespace)
    $null = New-Item -ItemType Directory $Folder, /run/sshd -Force
    $null = & ssh-keygen -q -t ed25519 -N '' -f "$Folder/host_key"
    @("ListenAddress $Address", "Port $Port", "HostKey $Folder/host_key", "PidFile $Folder/sshd.pid", 'AuthorizedKeysFile .ssh/authorized_keys',
        'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'PermitRootLogin no', "AllowUsers $User") + $Line |
        Set-Content "$Folder/sshd_config"
    $sshd = @('/usr/sbin/sshd', '-D', '-f', "$Folder/sshd_config", '-E', "$Folder/sshd.log")
    if ($Namespace) { $sshd = @('ip', 'netns', 'exec', $Namespace) + $sshd }
    Start-Process $sshd[0] -ArgumentList $sshd[1..($sshd.Count - 1)] -PassThru
}

function New-FleetLab {
    <#
    A fleet on this machine, for real (as root on Linux). Each host is a network namespace of its own, reached from
    here over a veth pair (10.231.N.1 on this side, 10.231.N.2 inside, a /30 no address of this machine is in),
    running sshd there with PowerShell's remoting subsystem, and an operator account whose home holds the host's
    sandbox (its markets started by that account inside the namespace), the built module on its PSModulePath and
    its saved options (Set-MmOperatorOption -Save) pointing at that sandbox. This process is the desk's console:
    one key of its own (KeyFilePath) reaches every operator, and an ssh configuration file for the lab's addresses
    only knows each host's key (no file of root's own is touched). Remove-FleetLab removes it all; a lab that fails
    half-built is removed before the error is thrown.
    #>
    param([int] $HostCount = 3, [string[]] $Market = @('eth', 'btc'))
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $tools = "/opt/mmoperator-fleet-$suffix"
    $lab = [pscustomobject]@{
        Tools = $tools; KeyFilePath = "$tools/console_key"; SshConfig = "/etc/ssh/ssh_config.d/mmoperator-fleet-$suffix.conf"
        Hosts = [Collections.Generic.List[object]]::new()
    }
    try {
        $pwsh = Install-TestTools $tools @{ 'openssh-server' = '/usr/sbin/sshd'; 'openssh-client' = '/usr/bin/ssh'; 'iproute2' = '/usr/sbin/ip' }
        $null = & ssh-keygen -q -t ed25519 -N '' -C 'mmoperator fleet console' -f $lab.KeyFilePath
        $taken = "$(& ip -4 -o address show) $(& ip -4 route show)"
        $octets = @(0..255 | Where-Object { $taken -notmatch "\b10\.231\.$_\." } | Get-Random -Count $HostCount)
        if ($octets.Count -lt $HostCount) { throw "10.231.0.0/16 has no $HostCount free /24s for the lab's hosts" }
        foreach ($n in 1..$HostCount) {
            $address = "10.231.$($octets[$n - 1])"
            $user = "mmfl$suffix$n"
            # Added before each step, so that a failure removes what the steps made so far.
            $fleetHost = [pscustomobject]@{
                Namespace = "mmfl$suffix-$n"; Link = $user; Address = "$address.2"; Console = "$address.1"; Operator = $user; Home = $null
                Target = "$user@$address.2:22"; Sandbox = $null; Sshd = $null; Config = "$tools/host$n"
            }
            $lab.Hosts.Add($fleetHost)
            & ip netns add $fleetHost.Namespace
            & ip link add $fleetHost.Link type veth peer name eth0 netns $fleetHost.Namespace
            & ip address add "$address.1/30" dev $fleetHost.Link
            & ip link set $fleetHost.Link up
            foreach ($step in @('address', 'add', "$address.2/30", 'dev', 'eth0'), @('link', 'set', 'eth0', 'up'), @('link', 'set', 'lo', 'up')) { & ip -n $fleetHost.Namespace @step }
            if ($LASTEXITCODE -ne 0) { throw "The namespace $($fleetHost.Namespace) could not be wired" }

            & useradd --create-home --shell /bin/bash $user
            & usermod -p '*' $user
            $fleetHost.Home = (& getent passwd $user).Split(':')[5]
            $null = New-Item -ItemType Directory "$($fleetHost.Home)/.local/share/powershell/Modules", "$($fleetHost.Home)/.ssh" -Force
            Copy-Item (Split-Path $env:MMOPERATOR_TEST_MODULE) "$($fleetHost.Home)/.local/share/powershell/Modules/MmOperator" -Recurse
            Copy-Item "$($lab.KeyFilePath).pub" "$($fleetHost.Home)/.ssh/authorized_keys"
            $fleetHost.Sandbox = New-MmSandbox -Path "$($fleetHost.Home)/host" -Market $Market
            # Saved by the module itself, in a runspace of its own: this session's options stay as they are.
            Use-Environment @{ XDG_CONFIG_HOME = "$($fleetHost.Home)/.config" } {
                $save = [powershell]::Create()
                try {
                    $null = $save.AddScript('param($Module, $Sandbox) Import-Module $Module; $Sandbox | Set-MmOperatorOption -Save -WarningAction Stop').
                        AddArgument($env:MMOPERATOR_TEST_MODULE).AddArgument($fleetHost.Sandbox).Invoke()
                    if ($save.HadErrors) { throw "Saving $user's options failed: $($save.Streams.Error)" }
                }
                finally { $save.Dispose() }
            }
            & chmod 700 "$($fleetHost.Home)/.ssh"
            & chown -R "${user}:" $fleetHost.Home
            foreach ($slug in $Market) {
                $started = Invoke-NativeText ip @('netns', 'exec', $fleetHost.Namespace, 'runuser', '-u', $user, '--', 'env', '-i', "HOME=$($fleetHost.Home)", 'PATH=/usr/bin:/bin',
                    $fleetHost.Sandbox.MmctlPath, 'start', $slug, '--json')
                if ($started.ExitCode -ne 0 -or $started.Text -notmatch '"started"') { throw "mmctl start $slug on $user's host: $($started.Text)" }
            }

            $fleetHost.Sshd = Start-TestSshd -Folder $fleetHost.Config -Address $fleetHost.Address -Port 22 -User $user -Namespace $fleetHost.Namespace -Line "Subsystem powershell $pwsh -sshs -NoLogo -NoProfile"
            Add-Content "$tools/known_hosts" "$($fleetHost.Address) $(Get-Content "$($fleetHost.Config)/host_key.pub")"
        }
        # BatchMode: a console's ssh never stops at a question (a key it does not know, a password) in a terminal.
        @(
            "# The MmOperator fleet test's lab (removed with it): its hosts' keys."
            "Host $($lab.Hosts.Address -join ' ')"
            "    UserKnownHostsFile $tools/known_hosts"
            '    StrictHostKeyChecking yes'
            '    BatchMode yes'
        ) | Set-Content $lab.SshConfig
        foreach ($fleetHost in $lab.Hosts) {
            if (-not (Wait-TcpPort $fleetHost.Address 22)) { throw "sshd in $($fleetHost.Namespace) does not listen: $(Get-Content -Raw "$($fleetHost.Config)/sshd.log" -ErrorAction Ignore)" }
        }
    }
    catch {
        Remove-FleetLab $lab
        throw
    }
    $lab
}

function Remove-FleetLab {
    <#
    Ends every process in the lab's namespaces (sshd, its sessions, the bots) and every one of its operators (they
    exist only for the lab), then removes the links, the namespaces, the accounts with their homes and what they left
    in /tmp, the ssh configuration file and the lab's folder. Safe on a lab removed already, or made only in part.
    #>
    param($Lab)
    if (-not $Lab) { return }
    $users = @($Lab.Hosts.Operator)
    foreach ($fleetHost in $Lab.Hosts) {
        $inside = @(& ip netns pids $fleetHost.Namespace 2>$null)
        if ($inside) { & kill -KILL @inside 2>$null }
    }
    if ($users) {
        foreach ($user in $users) { & pkill -KILL -u $user }
        $null = Wait-Until { -not (& pgrep -u ($users -join ',') 2>$null) } -TimeoutSec 10
    }
    foreach ($fleetHost in $Lab.Hosts) {
        & ip link delete $fleetHost.Link 2>$null
        & ip netns delete $fleetHost.Namespace 2>$null
        & find /tmp -mindepth 1 -maxdepth 1 -user $fleetHost.Operator -exec rm -rf '{}' + 2>$null
        & userdel --remove $fleetHost.Operator 2>$null
    }
    Remove-Item $Lab.SshConfig, $Lab.Tools -Recurse -Force -ErrorAction Ignore
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
