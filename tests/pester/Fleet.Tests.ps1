# A fleet, for real: three hosts on this machine, each a network namespace reached over a veth pair, running sshd
# with PowerShell's remoting subsystem and an operator account with its sandbox host, the module and its saved
# options (New-FleetLab). This process is the desk's console: it connects with a key of its own, and a person's
# SEV1 across the hosts runs in a fresh pwsh at a terminal of its own.
# Needs root on Linux (as TwoUser.Tests.ps1); installs openssh-server if missing.
BeforeDiscovery {
    $script:Runnable = $IsLinux -and (& id -u) -eq '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # The saved fleet goes to a settings file of this file's own, never the one the other files import.
    $script:ConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    Import-MmTestModule
    if (-not $Runnable) { return }
    $script:Lab = New-FleetLab -HostCount 3
    $script:Hosts = $Lab.Hosts
    $script:Sessions = New-PSSession -HostName $Hosts.Target -KeyFilePath $Lab.KeyFilePath

    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    # What a host's journal holds, read from its file here (the records of actions, not the intents written before them).
    function script:Journal($FleetHost) { @(Get-Content $FleetHost.Sandbox.AuditLogPath -ErrorAction Ignore | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object outcome -ne 'Intended') }
    function script:Stops($FleetHost) { @(Get-Invocation $FleetHost.Sandbox | Where-Object { $_.tool -eq 'mmctl' -and $_.argv[0] -eq 'stop' }).Count }
    function script:Bot($FleetHost, [string] $Slug) { [int] (Get-Content -Raw "$($FleetHost.Sandbox.RepoPath)/data/pids/env_$Slug.pid") }
    function script:Rows($Objects) { @($Objects | ForEach-Object { "$($_.PSComputerName) $($_.Market) $($_.State)" } | Sort-Object) }
    # A command in a new session of this console with the module imported: its output and errors. A backstop far above
    # the few seconds a command gives each host: one held by a dead link fails here rather than hang the suite.
    function script:InNewSession([string] $Script, [object] $Argument) {
        $shell = [powershell]::Create().AddScript("Import-Module '$env:MMOPERATOR_TEST_MODULE'; $Script").AddArgument($Argument)
        $running = $shell.BeginInvoke()
        if (-not $running.AsyncWaitHandle.WaitOne(120000)) { throw "'$Script' did not end within 120 s" }
        try { [pscustomobject]@{ Output = @($shell.EndInvoke($running)); Errors = @($shell.Streams.Error) } } finally { $shell.Dispose() }
    }
}

AfterAll {
    if ($Runnable) {
        if ($Sessions) { Remove-PSSession $Sessions }
        Remove-FleetLab $Lab
    }
    $env:XDG_CONFIG_HOME = $ConfigHome
}

Describe 'A fleet over PowerShell remoting on SSH' -Skip:(-not $Runnable) {
    It 'each host answers over its own link as its own operator, with the module and the options saved there' {
        $answers = Invoke-Command -Session $Sessions {
            Import-Module MmOperator
            [pscustomobject]@{ User = [Environment]::UserName; Link = $env:SSH_CONNECTION; Repo = (Get-MmOperatorOption).RepoPath }
        }
        foreach ($fleetHost in $Hosts) {
            $answer = @($answers | Where-Object PSComputerName -eq $fleetHost.Address)
            $answer.Count | Should -Be 1
            $answer.User | Should -Be $fleetHost.Operator
            $answer.Link | Should -Match "^$([regex]::Escape($fleetHost.Console)) \d+ $([regex]::Escape($fleetHost.Address)) 22$"
            $answer.Repo | Should -Be $fleetHost.Sandbox.RepoPath
        }
    }

    It 'every market of every host is one table, each row naming its host, and the hosts'' status and health' {
        Rows (Get-MmMarket -Session $Sessions) | Should -Be @($Hosts | ForEach-Object { "$($_.Address) ETH-USD Running"; "$($_.Address) BTC-USD Running" } | Sort-Object)
        # The view shows each row's host first.
        $shown = Get-MmMarket -Session $Sessions | Out-String -Width 200
        foreach ($fleetHost in $Hosts) { $shown | Should -Match "(?m)^$([regex]::Escape($fleetHost.Address))\s+ETH-USD\s+Running\s+\d+" }
        @(Get-MmStatus -Session $Sessions).PSComputerName | Sort-Object -Unique | Should -Be @($Hosts.Address | Sort-Object)
        # One line per host, in the order of the sessions given.
        @(Get-MmHealth -Session $Sessions).PSComputerName | Should -Be @($Sessions.ComputerName)
    }

    It 'the metrics of every host are one exposition in a file here, each host''s samples labelled with that host' {
        Export-MmMetric -Session $Sessions -Path "$TestDrive/fleet.prom"
        $text = Get-Content -Raw "$TestDrive/fleet.prom"
        foreach ($fleetHost in $Hosts) {
            $label = [regex]::Escape($fleetHost.Address)
            foreach ($market in 'ETH-USD', 'BTC-USD') { $text | Should -Match "(?m)^mm_market_up\{market=""$market"",host=""$label""\} 1$" }
            $text | Should -Match "(?m)^mm_read_ok\{host=""$label"",part=""host""\} 1$"
        }
        # Merged: each family once, its samples from every host together.
        ([regex]::Matches($text, '(?m)^# TYPE mm_market_up ')).Count | Should -Be 1
    }

    Context 'a SEV1 across the fleet, approved once at the console' {
        BeforeAll {
            $script:BotsBefore = @($Hosts | ForEach-Object { @{ Eth = Bot $_ 'eth'; Btc = Bot $_ 'btc' } })
            $script:Transcript = Join-Path $TestDrive 'sev1.txt'
            $targets = "'$($Hosts.Target -join "', '")'"
            # The console's own journal, where the approval is recorded with every host's plan hash.
            $script:ConsoleJournal = Join-Path $TestDrive 'console/audit.jsonl'
            $script:Terminal = Start-InTerminal -Interactive -Transcript $Transcript ("Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -AuditLogPath '$ConsoleJournal' -WarningAction SilentlyContinue; " +
                "Stop-MmMarket eth -Reason 'SEV1 across the fleet' -HostName $targets -KeyFilePath '$($Lab.KeyFilePath)' -ErrorVariable failed | ForEach-Object { 'RESULT {0} {1} {2}' -f `$_.PSComputerName, `$_.Outcome, `$_.Approval }; " +
                "`$failed | ForEach-Object { 'ERROR {0} {1}' -f `$_.FullyQualifiedErrorId, `$_.TargetObject }")
            try {
                # The person reads the question; meanwhile the third host's settings change.
                Wait-Until { (Read-Terminal $Transcript) -match '\(default is "N"\):' } | Should -BeTrue -Because (Read-Terminal $Transcript)
                $changed = "$($Hosts[2].Sandbox.RepoPath)/.env.eth"
                [IO.File]::WriteAllText($changed, ([IO.File]::ReadAllText($changed) -replace '(?m)^MM_SPREAD_MULTIPLIER=.*$', 'MM_SPREAD_MULTIPLIER=1.6'))
                Send-Keys $Terminal 'y'
                $Terminal.WaitForExit(120000) | Should -BeTrue
            }
            finally { if (-not $Terminal.HasExited) { $Terminal.Kill($true) } }
            $script:Screen = Read-Terminal $Transcript
        }

        It 'the person is asked one question, which lists every host''s own commands' {
            ([regex]::Matches($Screen, '\(default is "N"\):')).Count | Should -Be 1 -Because $Screen
            $question = $Screen.Substring(0, $Screen.IndexOf('(default is "N"):'))
            foreach ($fleetHost in $Hosts) { $question | Should -Match "$([regex]::Escape($fleetHost.Sandbox.MmctlPath)) stop eth --json" }
            $Terminal.ExitCode | Should -Be 0 -Because $Screen
        }

        It 'the two unchanged hosts stop the market, and each journal records the person''s approval at the console with the plan''s hash the console recorded' {
            $approved = @(Get-Content $ConsoleJournal | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.detail -like 'fleet approval: *' })
            $approved.Count | Should -Be 1
            $approved[0].approval | Should -Be 'Prompted'
            foreach ($n in 0, 1) {
                $fleetHost = $Hosts[$n]
                $Screen | Should -Match "RESULT $([regex]::Escape($fleetHost.Target)) Succeeded Fleet "
                Test-Alive $BotsBefore[$n].Eth | Should -BeFalse
                Test-Alive $BotsBefore[$n].Btc | Should -BeTrue
                Stops $fleetHost | Should -Be 1
                $stop = @(Journal $fleetHost | Where-Object action -eq 'stop')
                $stop.Count | Should -Be 1
                $stop[0].outcome | Should -Be 'Succeeded'
                $stop[0].approval -match "^Fleet root@$([regex]::Escape([Environment]::MachineName)):pts/\d+ plan sha256:(?<hash>[0-9a-f]{64}) \(Prompted at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)$" | Should -BeTrue -Because $stop[0].approval
                $approved[0].detail | Should -Match "$([regex]::Escape($fleetHost.Target)) plan sha256:$($Matches.hash) "
            }
        }

        It 'the host whose .env changed between the plan and the run refuses, and nothing runs there' {
            $Screen | Should -Match "ERROR $([regex]::Escape((Id FleetPlanChanged StopMmMarketCommand))) $([regex]::Escape($Hosts[2].Target))"
            $Screen | Should -Not -Match "RESULT $([regex]::Escape($Hosts[2].Target))"
            Test-Alive $BotsBefore[2].Eth | Should -BeTrue
            Stops $Hosts[2] | Should -Be 0
            $refused = @(Journal $Hosts[2])
            $refused.Count | Should -Be 1
            ($refused[0].action, $refused[0].market, $refused[0].outcome, $refused[0].error_id) | Should -Be @('stop', 'ETH-USD', 'Refused', 'FleetPlanChanged')
        }
    }

    It 'while one host''s network is down, the others finish: the fleet saved once starts the market again there, and the open sessions read them; that host is one error' {
        Set-MmOperatorOption -Fleet $Hosts.Target -FleetKeyFilePath $Lab.KeyFilePath -Save -WarningAction SilentlyContinue
        & ip -n $Hosts[2].Namespace link set eth0 down
        try {
            # A script's session: its import reads the fleet from the settings file.
            $start = InNewSession "Set-MmOperatorOption -AuditLogPath '$ConsoleJournal' -WarningAction SilentlyContinue; Start-MmMarket eth -Fleet -Reason 'SEV1 over' -Confirm:`$false -TimeoutSec 5"
            $read = InNewSession 'Get-MmMarket -Session $args[0] -TimeoutSec 5' $Sessions
        }
        finally {
            # Back up, so that the sessions left open to that host close at once at the end.
            & ip -n $Hosts[2].Namespace link set eth0 up
        }
        # Timeout or unreachable, whichever comes first: the time given, or the link's neighbour that no longer answers (ARP).
        $start.Errors.Count | Should -Be 1 -Because ($start.Errors -join "`n")
        "$($start.Errors[0].FullyQualifiedErrorId) $($start.Errors[0].TargetObject)" | Should -Match "^FleetHost(Timeout|Unreachable),MmOperator\.Commands\.StartMmMarketCommand $([regex]::Escape($Hosts[2].Target))$"
        @($start.Output | ForEach-Object { "$($_.PSComputerName) $($_.Market) $($_.Outcome)" } | Sort-Object) | Should -Be @($Hosts[0, 1] | ForEach-Object { "$($_.Target) ETH-USD Succeeded" } | Sort-Object)
        $read.Errors.Count | Should -Be 1 -Because ($read.Errors -join "`n")
        "$($read.Errors[0].FullyQualifiedErrorId) $($read.Errors[0].TargetObject)" | Should -Match "^FleetHost(Timeout|Unreachable|Failed),MmOperator\.Commands\.GetMmMarketCommand $([regex]::Escape($Hosts[2].Address))$"
        Rows $read.Output | Should -Be @($Hosts[0, 1] | ForEach-Object { "$($_.Address) ETH-USD Running"; "$($_.Address) BTC-USD Running" } | Sort-Object)
    }
}
