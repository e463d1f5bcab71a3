# The supported deployment, for real: an operator account and an agent account, sudo and sshd from
# the distribution, the module installed for the operator by bin/mm-operator-setup. Everything the
# agent tries runs as the agent's OS user (runuser), with a hostile environment of its own.
# Needs root on Linux (CI runs as root on a fresh machine); installs sudo and openssh-server if missing, and
# copies this PowerShell (the tool package in the NuGet cache) to a folder every account can read.
BeforeDiscovery {
    $script:Runnable = $IsLinux -and (& id -u) -eq '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sshd = $null

    function script:Native([string] $File, [string[]] $Arguments) { Invoke-NativeText $File $Arguments }
    # The agent's own shell: its account, its home, and variables it would set to redirect the module.
    function script:AsAgent([string[]] $Arguments) {
        Native runuser (@('-u', $Ag, '--', 'env', '-i', "HOME=/home/$Ag", 'PATH=/usr/bin:/bin', "USER=$Ag",
                'MMOPERATOR_PWSH=/bin/sh', 'MMOPERATOR_MMCTL=/bin/echo', "MMOPERATOR_REPO=/home/$Ag", 'MMOPERATOR_AUDIT_LOG=/tmp/forged.jsonl',
                'MMOPERATOR_AGENT=', 'BASH_ENV=/home/agent-rc') + $Arguments)
    }
    function script:ViaSudo([string] $Command, [string] $Limit) {
        if ($Limit) { AsAgent @('bash', '-c', "$Limit; exec sudo -n -u $Op $Launcher `"`$1`"", 'bash', $Command) }
        else { AsAgent @('sudo', '-n', '-u', $Op, $Launcher, $Command) }
    }
    function script:ViaSsh([string] $Command) {
        AsAgent @('ssh', '-i', "/home/$Ag/.ssh/id_ed25519", '-p', $Port, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'SetEnv=MMOPERATOR_MMCTL=/bin/echo', "$Op@127.0.0.1", $Command)
    }
    # A human at the operator's account, in a normal (FullLanguage) session.
    function script:AsOperator([string] $Script, [hashtable] $Extra = @{}) { Invoke-AsOperator $Deployment $Script $Extra }
    function script:RequestId([string] $Text) { ([regex]::Match($Text, 'apr-[0-9a-f]{12}')).Value }
    # What the issue's hostile agent wrote in its session before a command; none of it may reach the operator's processes.
    $script:Attack = @('GCONV_PATH', 'LOCPATH', 'LD_PRELOAD', 'PYTHONPATH') | ForEach-Object { "`$env:$_ = '/home/$Ag/lib'" }
    $script:Attack = ($Attack + "`$env:LC_ALL = 'evil'", "`$env:HOME = '/home/$Ag'", "`$env:PATH = '/home/$Ag/bin'", "`$env:EXTENDED_API_BASE = 'https://evil.example'",
        "`$env:MM_MAX_POSITION_SIZE = '100000'", "`$env:MMOPERATOR_AGENT = ''") -join '; '
    # mmctl's last run was given the operator's allow-list and the setup's passed variable, nothing else.
    function script:MmctlGotTheAllowList {
        $given = (Get-Invocation $Sandbox | Where-Object tool -eq 'mmctl' | Select-Object -Last 1).env
        $allowed = [ordered]@{ HOME = $OpHome; HTTPS_PROXY = 'http://proxy.desk:3128'; LANG = 'C.UTF-8'; LOGNAME = $Op; PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; USER = $Op }
        @($given.PSObject.Properties.Name | Sort-Object) | Should -Be @($allowed.Keys)
        foreach ($name in $allowed.Keys) { $given.$name | Should -Be $allowed[$name] -Because "mmctl's $name" }
    }
    function script:Runs([string] $Verb) { @(Get-Invocation $Sandbox | Where-Object { $_.argv[0] -eq $Verb }).Count }
    function script:Check { Native bash @($Deployment.Setup, '--operator', $Op, '--agent', $Ag, '--wrapper', $Wrapper, '--check') }
    function script:Transcripts { @(Get-ChildItem "$OpHome/.local/state/mmoperator/transcripts" -ErrorAction Ignore).Count }

    if (-not $Runnable) { return }
    $script:Deployment = New-TwoUserDeployment -Name twouser -Package @{ 'openssh-server' = '/usr/sbin/sshd' }
    $script:Op = $Deployment.Operator
    $script:Ag = $Deployment.Agent
    $script:OpHome = $Deployment.OperatorHome
    $script:ModuleDir = $Deployment.ModuleDir
    $script:Launcher = $Deployment.Launcher
    $script:Sandbox = $Deployment.Sandbox
    $script:Tools = $Deployment.Tools
    # The agent's wrapper in a folder of this test's own: the default one, /usr/local/bin, is the OpenClaw test's.
    $script:Wrapper = "$Tools/bin/mm-operator-agent"

    $null = & runuser -u $Ag -- ssh-keygen -q -t ed25519 -N '' -f "/home/$Ag/.ssh/id_ed25519"
    $script:Setup = Native bash @($Deployment.Setup, '--operator', $Op, '--agent', $Ag, '--pwsh', $Deployment.Pwsh, '--wrapper', $Wrapper,
        '--ssh-key', "/home/$Ag/.ssh/id_ed25519.pub", '--mmctl', $Sandbox.MmctlPath, '--repo', $Sandbox.RepoPath, '--audit-log', $Sandbox.AuditLogPath,
        '--pass-env', 'HTTPS_PROXY=http://proxy.desk:3128')

    # sshd on a loopback port; the operator's authorized_keys forces the agent's key to the launcher.
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $script:Port = "$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $script:Sshd = Start-TestSshd -Folder "$Tools/sshd" -Address 127.0.0.1 -Port $Port -User $Op -Line 'PermitUserEnvironment no'
    $null = Wait-TcpPort '127.0.0.1' $Port
}

AfterAll {
    if (-not $Runnable) { return }
    if ($Sshd) { Stop-Process -Id $Sshd.Id -Force -ErrorAction Ignore }
    Remove-TwoUserDeployment $Deployment
}

Describe 'Two OS users: the agent reaches MmOperator only through the launcher' -Skip:(-not $Runnable) {
    It 'the setup writes the sudoers rule, the forced key and the modes, and its check passes' {
        $Setup.Text | Should -Match "OK: $Ag reaches MmOperator only through"
        $Setup.ExitCode | Should -Be 0
        Get-Content "/etc/sudoers.d/mm-operator-$Ag" | Should -Contain "$Ag ALL=($Op) NOPASSWD: $Launcher"
        (Get-Content -Raw "$OpHome/.ssh/authorized_keys") | Should -Match "(?m)^command=""$([regex]::Escape($Launcher))"",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc ssh-ed25519 "
        & stat -c '%U %a' $Wrapper | Should -Be 'root 755'
        Get-Content $Wrapper | Should -Contain "exec /usr/bin/env -i /usr/bin/sudo -n -u $Op -- $Launcher ""`$1"""
    }

    It 'the agent''s wrapper takes exactly one command, never one that starts with -, and starts nothing else' {
        $transcripts = Transcripts
        foreach ($arguments in @('-x'), @('--', 'Get-MmStatus'), @('Get-MmStatus', 'eth'), @(''), @()) {
            $refused = AsAgent (@($Wrapper) + $arguments)
            $refused.ExitCode | Should -Be 2 -Because "the wrapper refuses '$arguments'"
            $refused.Text | Should -Match '^mm-operator-agent: '
        }
        Transcripts | Should -Be $transcripts
    }

    It 'for an agent on another host, the wrapper reaches the launcher over ssh, with -- before the host' {
        $remote = "$Tools/bin/mm-operator-agent-ssh"
        $options = @('--operator', $Op, '--agent', $Ag, '--remote', '127.0.0.1', '--ssh-port', $Port, '--ssh-identity', "/home/$Ag/.ssh/id_ed25519", '--wrapper', $remote)
        $unknown = Native bash (@($Deployment.Setup) + $options)
        $unknown.ExitCode | Should -Be 1
        $unknown.Text | Should -Match "PROBLEM: $Ag does not know the host key of \[127\.0\.0\.1\]:$Port"
        # The agent's account knows the operator host's key, as it would after its first connection.
        Set-Content "/home/$Ag/.ssh/known_hosts" "[127.0.0.1]:$Port $(Get-Content "$Tools/sshd/host_key.pub")"
        & chown "${Ag}:" "/home/$Ag/.ssh/known_hosts"
        $setup = Native bash (@($Deployment.Setup) + $options + '--check')
        $setup.Text | Should -Match "OK: $([regex]::Escape($remote)) reaches MmOperator's launcher as $Op@127.0.0.1 over ssh"
        Get-Content $remote | Should -Contain "exec /usr/bin/env -i /usr/bin/ssh -n -i /home/$Ag/.ssh/id_ed25519 -p $Port -o BatchMode=yes -o IdentitiesOnly=yes -- $Op@127.0.0.1 ""`$1"""
        (AsAgent @($remote, 'Get-MmStatus eth')).Text | Should -Match 'ETH-USD'
        $marker = Join-Path $TestDrive 'proxy-command-ran'
        (AsAgent @($remote, "-oProxyCommand=touch $marker")).ExitCode | Should -Be 2
        Test-Path $marker | Should -BeFalse
    }

    It 'the check reports each problem it finds' {
        $env = Get-ChildItem $Sandbox.RepoPath -Filter '.env*' -Force | Select-Object -First 1
        $opened = $OpHome, $Sandbox.Path, (Split-Path $Sandbox.RepoPath), $Sandbox.RepoPath
        $wrapperText = Get-Content -Raw $Wrapper
        & chmod 755 @opened
        & chmod 644 $env.FullName
        Add-Content $Wrapper 'id'
        & chmod 777 $Wrapper
        try { $check = Check }
        finally { & chmod 700 @opened; & chmod 600 $env.FullName; Set-Content $Wrapper $wrapperText -NoNewline; & chmod 755 $Wrapper }
        $check.ExitCode | Should -Be 1
        $check.Text | Should -Match "PROBLEM: $Ag can read $([regex]::Escape($env.FullName))"
        $check.Text | Should -Match "PROBLEM: $Ag can list $([regex]::Escape($Sandbox.RepoPath))"
        $check.Text | Should -Match "PROBLEM: $([regex]::Escape($Wrapper)) is not the wrapper mm-operator-setup writes for $Ag"
        $check.Text | Should -Match "PROBLEM: $([regex]::Escape($Wrapper)) is writable by group or others"
        (Check).ExitCode | Should -Be 0
    }

    It 'the agent cannot read the .env files, the seal key, the journal or its key, nor run mmctl or the module; nor cut the operator''s writes with its limits' {
        $null = ViaSudo 'Stop-MmMarket eth -Reason "make the store and the journal"'
        # A file size limit crosses sudo as a hard limit, which the operator's account cannot raise again: nothing runs.
        $records = @(Get-Content $Sandbox.AuditLogPath).Count
        $cut = ViaSudo 'Stop-MmMarket eth -Reason "cut"' -Limit 'ulimit -f 1'
        ($cut.ExitCode, $cut.Text) | Should -Be @(2, "mm-operator: the caller's hard limit 'ulimit -f' is 1, below the unlimited the operator's processes need; nothing ran. Run it without lowering that limit.")
        @(Get-Content $Sandbox.AuditLogPath).Count | Should -Be $records
        $store = Join-Path (Split-Path $Sandbox.AuditLogPath) 'approvals'
        foreach ($file in @(Get-ChildItem $Sandbox.RepoPath -Filter '.env*' -Force).FullName + "$store/seal.key" + $Sandbox.AuditLogPath + "$($Sandbox.AuditLogPath).key") {
            Test-Path $file | Should -BeTrue
            (AsAgent @('cat', $file)).ExitCode | Should -Not -Be 0 -Because "the agent must not read $file"
        }
        (AsAgent @($Sandbox.MmctlPath, 'stop', 'eth', '--json')).ExitCode | Should -Not -Be 0
        (AsAgent @('sudo', '-n', '-u', $Op, $Sandbox.MmctlPath, 'stop', 'eth', '--json')).ExitCode | Should -Not -Be 0
        (AsAgent @('sudo', '-n', '-u', $Op, "$Tools/pwsh/pwsh", '-c', 'Get-Content ~/.bashrc')).ExitCode | Should -Not -Be 0
        # The module's own files are unreadable to the agent, so no PowerShell of its own can load it.
        foreach ($file in 'MmOperator.psd1', 'MmOperator.dll') { (AsAgent @('cat', "$ModuleDir/$file")).ExitCode | Should -Not -Be 0 -Because "the agent must not read $file" }
        (AsAgent @('sudo', '-n', '-u', $Op, 'MMOPERATOR_PWSH=/bin/sh', $Launcher, 'Get-MmStatus')).ExitCode | Should -Not -Be 0
        (ViaSsh 'cat .env; /bin/sh -c id').Text | Should -Match 'not recognized'
        Runs 'stop' | Should -Be 0
    }

    It 'the agent''s environment, and what it sets in its session, change nothing, over <_>' -ForEach 'sudo', 'ssh' {
        $agent = if ($_ -eq 'sudo') { ${function:ViaSudo} } else { ${function:ViaSsh} }
        $result = & $agent "$Attack; (Get-MmOperatorOption).MmctlPath; `$null = Get-MmStatus eth"
        $result.Text | Should -Match ([regex]::Escape($Sandbox.MmctlPath))
        $result.Text | Should -Match "A drive with the name 'env' does not exist"
        MmctlGotTheAllowList
    }

    It 'the agent cannot approve: the cmdlet is not there, and its identity is refused whatever the language mode' {
        $id = RequestId (ViaSudo 'Start-MmMarket eth -Reason "open"').Text
        (ViaSudo "Approve-MmApprovalRequest $id -Reason mine -Confirm:`$false").Text | Should -Match 'not recognized'
        (ViaSsh "Approve-MmApprovalRequest $id -Reason mine -Confirm:`$false").Text | Should -Match 'not recognized'
        # As if a wider sudo rule let the agent run a full PowerShell as the operator: sudo names the agent.
        $refused = AsOperator "try { Approve-MmApprovalRequest $id -Reason mine -Confirm:`$false -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }" @{ SUDO_USER = $Ag }
        $refused.Text | Should -Match 'AgentDecisionRefused,MmOperator.Commands.ApproveMmApprovalRequestCommand'
        (AsOperator "(Get-MmApprovalRequest $id).State").Text | Should -Be 'Pending'
        Runs 'start' | Should -Be 0
    }

    It 'over <Path>: a request is filed, a human approves it, and the agent''s run succeeds once' -ForEach @(
        @{ Path = 'sudo'; Verb = 'start'; Command = 'Start-MmMarket eth -Reason "open for the session"'; Done = 'ETH-USD.*Succeeded|started' }
        @{ Path = 'ssh'; Verb = 'stop'; Command = 'Stop-MmMarket eth -Reason "close for the day"'; Done = 'stop ETH-USD: stopped' }
    ) {
        $agent = if ($Path -eq 'sudo') { ${function:ViaSudo} } else { ${function:ViaSsh} }
        $runs = Runs $Verb
        $filed = & $agent $Command
        $filed.Text | Should -Match 'ApprovalPending|needs a human''s approval'
        $id = RequestId $filed.Text
        Runs $Verb | Should -Be $runs

        # The human, in one session: who asked (and how), then the decision.
        # A person at their own account, through sudo to the operator's: the decision names them.
        $human = @((AsOperator "(Get-MmApprovalRequest $id).Requester; (Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:`$false).State; (Get-MmApprovalRequest $id).DecidedBy" @{ SUDO_USER = 'alice'; SUDO_UID = '1000' }).Text -split "`n")
        $human[0] | Should -Match "via $(if ($Path -eq 'sudo') { "sudo:$Ag" } else { 'ssh' })\)$"
        $human[1] | Should -Be 'Approved'
        $human[2] | Should -Match "^$Op \(sudo by alice(, login uid \d+)?\)$"
        (& $agent "$Attack; $Command -ApprovalId $id").Text | Should -Match $Done
        Runs $Verb | Should -Be ($runs + 1)
        MmctlGotTheAllowList
        if ($Verb -eq 'start') {
            # The bot mmctl started: the repo's settings and the operator's account, nothing the agent set.
            $bot = Get-Content -Raw (Get-ChildItem (Join-Path $Sandbox.RepoPath 'data/pids') -Filter '*.pid' | Sort-Object LastWriteTime | Select-Object -Last 1).FullName
            $environ = @{}
            foreach ($entry in [IO.File]::ReadAllText("/proc/$($bot.Trim())/environ").Split([char] 0, [StringSplitOptions]::RemoveEmptyEntries)) { $name, $value = $entry -split '=', 2; $environ[$name] = $value }
            foreach ($name in 'EXTENDED_API_BASE', 'GCONV_PATH', 'LOCPATH', 'LC_ALL', 'LD_PRELOAD') { $environ.Keys | Should -Not -Contain $name }
            ($environ.HOME, $environ.USER, $environ.MM_MAX_POSITION_SIZE) | Should -Be @($OpHome, $Op, '100')
        }
        (& $agent "$Command -ApprovalId $id").Text | Should -Match 'already used'
        Runs $Verb | Should -Be ($runs + 1)
    }

    It 'the journal verifies with its key, owned by the operator, and transcripts stay private' {
        (AsOperator '(Test-MmAuditLog).IsValid').Text | Should -Be 'True'
        (Get-Item "$($Sandbox.AuditLogPath).key").UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
        $transcripts = "$OpHome/.local/state/mmoperator/transcripts"
        (Get-Item $transcripts).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
        @(Get-ChildItem $transcripts).Count | Should -BeGreaterThan 0
        (& stat -c '%U' $transcripts) | Should -Be $Op
    }

    It 'bounds each command''s wall time and memory' {
        Add-Content "$ModuleDir/mm-operator.conf" 'MMOPERATOR_WALL_SEC=2'
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $hang = ViaSudo 'while ($true) { }'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
            # 124: the wall time's Ctrl+C stopped it. On a loaded machine that Ctrl+C can reach pwsh while it
            # is still starting, before it handles one, and then the kill 10 s later ends it: 137. Either way it is bounded.
            $hang.ExitCode | Should -BeIn 124, 137
        }
        finally { (Get-Content "$ModuleDir/mm-operator.conf") -ne 'MMOPERATOR_WALL_SEC=2' | Set-Content "$ModuleDir/mm-operator.conf" }
        (ViaSudo '$s = "x" * 1mb; $t = $s * 600; $t.Length').Text | Should -Match 'OutOfMemory'
    }
}
