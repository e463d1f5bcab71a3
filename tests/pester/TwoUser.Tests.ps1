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
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Op = "mmop$suffix"
    $script:Ag = "mmag$suffix"
    $script:Tools = "/opt/mmoperator-twouser-$suffix"
    $script:Sshd = $null

    function script:Native([string] $File, [string[]] $Arguments) {
        $output = & $File @Arguments 2>&1
        [pscustomobject]@{ Text = (@($output | ForEach-Object { "$_" }) -join "`n"); ExitCode = $LASTEXITCODE }
    }
    # The agent's own shell: its account, its home, and variables it would set to redirect the module.
    function script:AsAgent([string[]] $Arguments) {
        Native runuser (@('-u', $Ag, '--', 'env', '-i', "HOME=/home/$Ag", 'PATH=/usr/bin:/bin', "USER=$Ag",
                'MMOPERATOR_PWSH=/bin/sh', 'MMOPERATOR_MMCTL=/bin/echo', "MMOPERATOR_REPO=/home/$Ag", 'MMOPERATOR_AUDIT_LOG=/tmp/forged.jsonl',
                'MMOPERATOR_AGENT=', 'BASH_ENV=/home/agent-rc') + $Arguments)
    }
    function script:ViaSudo([string] $Command) { AsAgent @('sudo', '-n', '-u', $Op, $Launcher, $Command) }
    function script:ViaSsh([string] $Command) {
        AsAgent @('ssh', '-i', "/home/$Ag/.ssh/id_ed25519", '-p', $Port, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'SetEnv=MMOPERATOR_MMCTL=/bin/echo', "$Op@127.0.0.1", $Command)
    }
    # A human at the operator's account, in a normal (FullLanguage) session.
    function script:AsOperator([string] $Script, [hashtable] $Extra = @{}) {
        $environment = @("HOME=$OpHome", 'PATH=/usr/bin:/bin', "MMOPERATOR_MMCTL=$($Sandbox.MmctlPath)", "MMOPERATOR_REPO=$($Sandbox.RepoPath)", "MMOPERATOR_AUDIT_LOG=$($Sandbox.AuditLogPath)")
        $environment += @($Extra.Keys | ForEach-Object { "$_=$($Extra[$_])" })
        Native runuser (@('-u', $Op, '--', 'env', '-i') + $environment + @("$Tools/pwsh/pwsh", '-NoProfile', '-NonInteractive', '-Command', "Import-Module $ModuleDir/MmOperator.psd1; $Script"))
    }
    function script:RequestId([string] $Text) { ([regex]::Match($Text, 'apr-[0-9a-f]{12}')).Value }
    function script:Runs([string] $Verb) { @(Get-Invocation $Sandbox | Where-Object { $_.argv[0] -eq $Verb }).Count }

    if (-not $Runnable) { return }
    # sudo and sshd from the distribution, only if missing; the installation runs while PowerShell is laid out.
    $apt = $null
    if (-not (Get-Command sudo -ErrorAction Ignore) -or -not (Test-Path /usr/sbin/sshd)) {
        $aptLog = Join-Path $TestDrive 'apt.log'
        $apt = Use-Environment @{ DEBIAN_FRONTEND = 'noninteractive' } {
            Start-Process bash -ArgumentList '-c', "`"exec >'$aptLog' 2>&1; apt-get update -qq && apt-get install -y -qq sudo openssh-server`"" -PassThru
        }
    }

    # A PowerShell every account can run (root's home, where the NuGet cache is, is private): the PowerShell
    # this test runs on, the tool package 'dotnet tool restore' put in the cache, copied to a world-readable folder.
    $null = New-Item -ItemType Directory "$Tools/sshd", "$Tools/pwsh" -Force
    & cp -R $PSHOME "$Tools/pwsh/lib"
    Set-Content "$Tools/pwsh/pwsh" "#!/bin/sh`nexec '$([Environment]::ProcessPath)' '$Tools/pwsh/lib/pwsh.dll' `"`$@`""
    & chmod -R a+rX "$Tools/pwsh"
    & chmod a+x "$Tools/pwsh/pwsh"

    if ($apt) {
        $apt.WaitForExit()
        if ($apt.ExitCode -ne 0) { throw "apt-get install sudo openssh-server failed: $(Get-Content -Raw $aptLog)" }
    }
    foreach ($user in $Op, $Ag) {
        & useradd --create-home --shell /bin/bash $user
        & usermod -p '*' $user
    }
    $script:OpHome = (& getent passwd $Op).Split(':')[5]

    # The module installed where only the operator reads it.
    $script:ModuleDir = "$OpHome/modules/MmOperator"
    $null = New-Item -ItemType Directory (Split-Path $ModuleDir) -Force
    Copy-Item (Split-Path $env:MMOPERATOR_TEST_MODULE) $ModuleDir -Recurse
    $script:Launcher = "$ModuleDir/bin/mm-operator"
    $script:Sandbox = New-MmSandbox -Path "$OpHome/host" -Market eth
    & chown -R "${Op}:" $OpHome

    $null = & runuser -u $Ag -- ssh-keygen -q -t ed25519 -N '' -f "/home/$Ag/.ssh/id_ed25519"
    $script:Setup = Native bash @("$ModuleDir/bin/mm-operator-setup", '--operator', $Op, '--agent', $Ag, '--pwsh', "$Tools/pwsh/pwsh",
        '--ssh-key', "/home/$Ag/.ssh/id_ed25519.pub", '--mmctl', $Sandbox.MmctlPath, '--repo', $Sandbox.RepoPath, '--audit-log', $Sandbox.AuditLogPath)

    # sshd on a loopback port; the operator's authorized_keys forces the agent's key to the launcher.
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $script:Port = "$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $null = & ssh-keygen -q -t ed25519 -N '' -f "$Tools/sshd/host_key"
    @"
Port $Port
ListenAddress 127.0.0.1
HostKey $Tools/sshd/host_key
PidFile $Tools/sshd/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
PermitUserEnvironment no
AllowUsers $Op
"@ | Set-Content "$Tools/sshd/sshd_config"
    $null = New-Item -ItemType Directory /run/sshd -Force
    $script:Sshd = Start-Process /usr/sbin/sshd -ArgumentList '-D', '-f', "$Tools/sshd/sshd_config", '-E', "$Tools/sshd/log" -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(120)   # a backstop: sshd listens within a second on a quiet machine
    do {
        $client = [Net.Sockets.TcpClient]::new()
        $up = try { $client.Connect('127.0.0.1', [int] $Port); $true } catch { Start-Sleep -Milliseconds 100; $false } finally { $client.Dispose() }
    } until ($up -or [DateTime]::UtcNow -gt $deadline)
}

AfterAll {
    if (-not $Runnable) { return }
    if ($Sshd) { Stop-Process -Id $Sshd.Id -Force -ErrorAction Ignore }
    if ($Sandbox) { Remove-TestSandbox $Sandbox }
    foreach ($user in $Op, $Ag) { & userdel --remove $user 2>$null }
    Remove-Item "/etc/sudoers.d/mm-operator-$Ag", $Tools -Recurse -Force -ErrorAction Ignore
}

Describe 'Two OS users: the agent reaches MmOperator only through the launcher' -Skip:(-not $Runnable) {
    It 'the setup writes the sudoers rule, the forced key and the modes, and its check passes' {
        $Setup.Text | Should -Match "OK: $Ag reaches MmOperator only through"
        $Setup.ExitCode | Should -Be 0
        Get-Content "/etc/sudoers.d/mm-operator-$Ag" | Should -Contain "$Ag ALL=($Op) NOPASSWD: $Launcher"
        (Get-Content -Raw "$OpHome/.ssh/authorized_keys") | Should -Match "(?m)^command=""$([regex]::Escape($Launcher))"",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc ssh-ed25519 "
    }

    It 'the check reports each problem it finds' {
        $env = Get-ChildItem $Sandbox.RepoPath -Filter '.env*' -Force | Select-Object -First 1
        $opened = $OpHome, $Sandbox.Path, (Split-Path $Sandbox.RepoPath), $Sandbox.RepoPath
        & chmod 755 @opened
        & chmod 644 $env.FullName
        try { $check = Native bash @("$ModuleDir/bin/mm-operator-setup", '--operator', $Op, '--agent', $Ag, '--check') }
        finally { & chmod 700 @opened; & chmod 600 $env.FullName }
        $check.ExitCode | Should -Be 1
        $check.Text | Should -Match "PROBLEM: $Ag can read $([regex]::Escape($env.FullName))"
        $check.Text | Should -Match "PROBLEM: $Ag can list $([regex]::Escape($Sandbox.RepoPath))"
        (Native bash @("$ModuleDir/bin/mm-operator-setup", '--operator', $Op, '--agent', $Ag, '--check')).ExitCode | Should -Be 0
    }

    It 'the agent cannot read the .env files, the seal key, the journal or its key, nor run mmctl or the module' {
        $null = ViaSudo 'Stop-MmMarket eth -Reason "make the store and the journal"'
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

    It 'the agent''s environment changes nothing, over sudo and over SSH' {
        $expected = [regex]::Escape($Sandbox.MmctlPath)
        (ViaSudo '(Get-MmOperatorOption).MmctlPath').Text | Should -Match $expected
        (ViaSsh '(Get-MmOperatorOption).MmctlPath').Text | Should -Match $expected
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
        $human = @((AsOperator "(Get-MmApprovalRequest $id).Requester; (Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:`$false).State").Text -split "`n")
        $human[0] | Should -Match "via $(if ($Path -eq 'sudo') { "sudo:$Ag" } else { 'ssh' })"
        $human[-1] | Should -Be 'Approved'
        (& $agent "$Command -ApprovalId $id").Text | Should -Match $Done
        Runs $Verb | Should -Be ($runs + 1)
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
            $hang.ExitCode | Should -Be 124
        }
        finally { (Get-Content "$ModuleDir/mm-operator.conf") -ne 'MMOPERATOR_WALL_SEC=2' | Set-Content "$ModuleDir/mm-operator.conf" }
        (ViaSudo '$s = "x" * 1mb; $t = $s * 600; $t.Length').Text | Should -Match 'OutOfMemory'
    }
}
