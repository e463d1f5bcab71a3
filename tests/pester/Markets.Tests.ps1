# Every market at a glance (Get-MmMarket), the health summary (Get-MmHealth), waiting and watching
# (Wait-MmMarket, Watch-MmMarket) and the bot log (Get-MmLog), on one sandbox. Bots are started with the
# stand-in mmctl directly and few: most cases read what is there.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    $script:Markets = 'BTC-USD', 'ETH-USD', 'MU_24_5-USD', 'SPX500m-USD'
    function script:Id([string] $Id, [string] $Command) { "$Id,MmOperator.Commands.$Command" }
    function script:StatusRuns([int] $Since) { @(Get-Invocation $Sandbox | Select-Object -Skip $Since | ForEach-Object { $_.argv -join ' ' }) }
    # What a bot that died leaves: its pid file, naming a process that is gone (a real crash is made once,
    # below). Above pid_max no process can be alive, so mmctl can never signal a stranger through it.
    $script:DeadPid = [int] (Get-Content /proc/sys/kernel/pid_max) + 1
    function script:Crash([string] $Slug) {
        $null = New-Item -ItemType Directory (Join-Path $Sandbox.RepoPath 'data/pids') -Force
        Set-Content (Join-Path $Sandbox.RepoPath "data/pids/env_$Slug.pid") $DeadPid
    }
    function script:StopAll { Stop-SandboxBot $Sandbox }
    function script:Fits80([string] $Text) {
        @($Text -split "`r?`n" | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
        $Text | Should -Not -Match '…'
    }
}

AfterAll {
    StopAll
    Remove-TestSandbox $Sandbox
}

Describe 'Get-MmMarket' {
    AfterEach { StopAll }

    It 'lists every market of the repo, never-started ones included, from one mmctl status' {
        Set-Content (Join-Path $Sandbox.RepoPath '.env.lock') 'MM_MARKET_NAME=LOCK-USD'
        try {
            $before = Get-InvocationCount $Sandbox
            $all = Get-MmMarket
            StatusRuns $before | Should -Be @('status --json')
        }
        finally { Remove-Item (Join-Path $Sandbox.RepoPath '.env.lock') -Force }
        $all.Market | Should -Be $Markets
        $all.State | Should -Be @('Stopped', 'Stopped', 'Stopped', 'Stopped')
        $all[0].PSObject.TypeNames[0] | Should -Be 'MmOperator.MarketStatus'
        $all[0].EnvFile | Should -Be (Join-Path $Sandbox.RepoPath '.env.btc')
        Fits80 ($all | Out-String -Width 80)
    }

    It 'shows running, crashed and unknown instances, filters by state, and pipes into Stop-MmMarket' {
        $running = (Invoke-Mmctl $Sandbox start eth --json).Json.pid
        Crash btc
        Crash gone
        try {
            $all = Get-MmMarket
            $all.Market | Should -Be @('BTC-USD', 'ETH-USD', 'gone', 'MU_24_5-USD', 'SPX500m-USD')
            $all.State | Should -Be @('Crashed', 'Running', 'Crashed', 'Stopped', 'Stopped')
            $all.Pid | Should -Be @($DeadPid, $running, $DeadPid, $null, $null)
            (Get-MmMarket -State Crashed).Market | Should -Be @('BTC-USD', 'gone')
            (Get-MmMarket -State Running, Crashed).Count | Should -Be 3
            ($all | Format-Table | Out-String) | Should -Match 'BTC-USD\s+Crashed\s+\d+ testnet\s+\.env\.btc\s+stale pid file'
            $plans = @(Get-MmMarket -State Running | Stop-MmMarket -Reason 'glance' -WhatIf 6>&1) -join "`n"
            $plans | Should -Match ([regex]::Escape("- Action(s): $($Sandbox.MmctlPath) stop eth --json"))
        }
        finally { Remove-Item (Join-Path $Sandbox.RepoPath 'data/pids/env_gone.pid') }
        StopAll
        Get-MmMarket -State Crashed | Should -BeNullOrEmpty -Because 'mmctl stop clears a stale pid file'
    }

    It 'shows a market file whose MM_MARKET_NAME follows a byte-order mark as the host reads it, and refuses to start it' {
        # The host keeps the mark in the key: mmctl reports market 'unknown' and the bot trades its default.
        $xau = Join-Path $Sandbox.RepoPath '.env.xau'
        [IO.File]::WriteAllBytes($xau, [byte[]] (0xEF, 0xBB, 0xBF) + [Text.Encoding]::UTF8.GetBytes("MM_MARKET_NAME=XAU-USD`nMM_ENVIRONMENT=testnet`n"))
        try {
            $listed = Get-MmMarket | Where-Object Slug -eq 'xau'
            $listed.Market | Should -Be 'xau'
            $listed.Problem | Should -BeLike '*byte-order mark*MM_MARKET_NAME (line 1)*market ''unknown''*'
            (Get-MmMarket | Format-Table | Out-String -Width 120) | Should -Match 'xau\s+Stopped\s+testnet\s+\.env\.xau\s+misread by host'
            $before = Get-InvocationCount $Sandbox
            { Start-MmMarket xau -Reason 'open' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id MarketFileMisread StartMmMarketCommand) -ExpectedMessage '*byte-order mark*Stop-MmMarket xau*'
            { Restart-MmMarket xau -Reason 'open' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id MarketFileMisread RestartMmMarketCommand)
            { Start-MmMarket XAU-USD -Reason 'open' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id UnknownMarket StartMmMarketCommand)
            Get-InvocationCount $Sandbox | Should -Be $before
            Join-Path $Sandbox.RepoPath 'data/pids/env_xau.pid' | Should -Not -Exist
            (Get-MmAuditLog -Last 2).ErrorId | Should -Be @('MarketFileMisread', 'UnknownMarket')
        }
        finally { Remove-Item $xau -Force }
    }

    It 'reports a failed listing as the host error, writing no market' {
        $failure = Invoke-WithFault 'garbage' { Get-MmMarket -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        @($failure).Count | Should -Be 1
        $failure.FullyQualifiedErrorId | Should -Be (Id HostOutputInvalid GetMmMarketCommand)
    }
}

Describe 'A market named in a read' {
    It 'Get-MmMarket <_> is the market eth (position 0 is -Market), from the one status listing' -ForEach 'eth', 'ETH', 'Eth', 'eth-usd', 'ETH-USD' {
        $before = Get-InvocationCount $Sandbox
        $listed = @(Get-MmMarket $_ -ErrorVariable errors)
        $errors | Should -BeNullOrEmpty
        $listed.Market | Should -Be 'ETH-USD'
        StatusRuns $before | Should -Be @('status --json')
    }

    It 'every read takes ETH, Eth and eth-usd for eth' {
        (Get-MmStatus ETH).Slug | Should -Be 'eth'
        (Get-MmEnvParam -Market eth-usd -Name MM_MARKET_NAME).Value | Should -Be 'ETH-USD'
        (Wait-MmMarket Eth -State Stopped -Timeout 60).Market | Should -Be 'ETH-USD'
        Get-MmLog SPX500M-usd -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be (Id BotLogNotFound GetMmLogCommand) -Because 'spx500m has written no log: the market was found'
        @(Get-MmMarket ETH, eth-usd, BTC -State Stopped).Market | Should -Be @('BTC-USD', 'ETH-USD')
    }

    It 'a name that is none of the markets is an error, and the others are still shown' {
        $listed = @(Get-MmMarket ETHUSDT, btc -ErrorAction SilentlyContinue -ErrorVariable errors)
        $listed.Market | Should -Be 'BTC-USD'
        $errors[0].FullyQualifiedErrorId | Should -Be (Id InvalidMarketFormat GetMmMarketCommand)
        $errors[0].Exception.Message | Should -BeLike "*Closest safe alternative: 'ETH-USD'*"
        @(Get-MmMarket DOGE -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty -Because 'every market named was refused'
    }

    It 'a state change stays strict: Stop-MmMarket ETH is refused with the exact name, and nothing runs' {
        $before = Get-InvocationCount $Sandbox
        { Stop-MmMarket ETH -Reason 'case' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidMarketFormat StopMmMarketCommand) -ExpectedMessage "*Closest safe alternative: 'ETH-USD'*"
        Get-InvocationCount $Sandbox | Should -Be $before
    }
}

Describe 'Export-MmMetric' {
    It 'refuses a path node_exporter would not read before anything runs or is written' {
        $before = Get-InvocationCount $Sandbox
        $path = Join-Path $TestDrive 'metrics.txt'
        { Export-MmMetric -Path $path -ErrorAction Stop } | Should -Throw -ErrorId (Id MetricsPathRefused ExportMmMetricCommand) -ExpectedMessage '*reads only `*.prom files*'
        { Export-MmMetric -Path (Join-Path $TestDrive 'none/metrics.prom') -ErrorAction Stop } | Should -Throw -ErrorId (Id MetricsPathRefused ExportMmMetricCommand)
        $path | Should -Not -Exist
        Get-InvocationCount $Sandbox | Should -Be $before
    }

    It 'writes the metrics of a host whose markets cannot be read, saying so' {
        $text = Invoke-WithFault 'garbage' { Export-MmMetric -HostLabel h -ErrorAction SilentlyContinue -ErrorVariable errors; $errors } -On status
        $errors = @($text | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors[0].FullyQualifiedErrorId | Should -Be (Id HostOutputInvalid ExportMmMetricCommand)
        $metrics = "$($text | Where-Object { $_ -is [string] })"
        $metrics | Should -Match 'mm_read_ok\{host="h",part="markets"\} 0'
        $metrics | Should -Not -Match 'mm_market_up\{'
        $metrics | Should -Match 'mm_journal_valid\{host="h"\} 1'
    }
}

Describe 'Get-MmHealth' {
    AfterEach {
        StopAll
        $Sandbox | Set-MmOperatorOption
        Remove-Item (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl') -ErrorAction Ignore
    }

    It 'sums up markets, stale pid files, the journal, pending decisions and the last failure' {
        $null = Invoke-WithFault 'start-error' { Start-MmMarket mu_24_5 -Reason 'health check' -Confirm:$false -ErrorAction SilentlyContinue }
        $null = Invoke-Mmctl $Sandbox start eth --json
        Crash btc
        $proposals = Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl'
        $null = New-Item -ItemType Directory (Split-Path $proposals) -Force
        Set-Content $proposals '{"proposal_id": "p-1", "ts": 1}', '{"proposal_id": "p-2", "ts": 2}'
        $request = [MmOperator.Approvals.ApprovalRequest]@{ Cmdlet = 'Stop-MmMarket'; Action = 'stop'; Target = 'ETH-USD'; Reason = 'r'; Plan = 'Plan'; Binding = 'b'; Requester = 'agent' }
        $null = [MmOperator.Approvals.ApprovalStore]::new((Get-MmOperatorOption).ApprovalStorePath).File($request, [timespan]::FromMinutes(30))

        $before = Get-InvocationCount $Sandbox
        $health = Get-MmHealth -ErrorVariable errors
        StatusRuns $before | Should -Be @('status --json')
        $errors | Should -BeNullOrEmpty
        $health.PSObject.TypeNames[0] | Should -Be 'MmOperator.Health'
        ($health.Running, $health.Stopped, $health.Crashed, $health.StalePidFiles) | Should -Be @(1, 2, 1, 1)
        $health.CrashedMarkets | Should -Be @('BTC-USD')
        $health.JournalValid | Should -BeTrue
        $health.PendingProposals | Should -Be 2
        $health.PendingApprovals | Should -Be 1
        ($health.LastFailure.Action, $health.LastFailure.Market) | Should -Be @('start', 'MU_24_5-USD')
        $health.LastFailure.ErrorId | Should -Be (Get-MmAuditLog -Action start -Last 1).ErrorId
        $health.LastFailure.Time.Kind | Should -Be 'Utc'
        $view = $health | Out-String -Width 80
        Fits80 $view
        $view | Should -Match 'Markets\s+: 1 running, 2 stopped, 1 crashed'
        $view | Should -Match 'Crashed\s+: BTC-USD'
        $view | Should -Match "LastFailure\s+: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ start MU_24_5-USD \($($health.LastFailure.ErrorId)\)"
        ($health | ConvertTo-Json -Compress) | Should -Match '"Crashed":1,"CrashedMarkets":\["BTC-USD"\]'
    }

    It 'shows a part it cannot read as unknown, with an error for that part only' {
        $proposals = Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl'
        $null = New-Item -ItemType Directory (Split-Path $proposals) -Force
        [IO.File]::WriteAllBytes($proposals, [byte[]](0x7b, 0xff, 0x0a))
        Set-MmOperatorOption -MmctlPath (Join-Path $TestDrive 'no-mmctl') -WarningAction SilentlyContinue
        $health = Get-MmHealth -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.FullyQualifiedErrorId | Should -Be @((Id MmctlNotFound GetMmHealthCommand), (Id AdvisorFilesUnreadable GetMmHealthCommand))
        $health.Running | Should -BeNullOrEmpty
        $health.PendingProposals | Should -BeNullOrEmpty
        $health.JournalValid | Should -BeTrue
        $health.PendingApprovals | Should -Not -BeNullOrEmpty
        $view = $health | Out-String -Width 80
        Fits80 $view
        $view | Should -Match 'Markets\s+: unknown'
        $view | Should -Match 'PendingProposals : unknown'
        $view | Should -Match 'Journal\s+: chain valid'
    }
}

Describe 'Wait-MmMarket' {
    AfterEach { StopAll }

    It 'answers after one look for a market already in the state' {
        $before = Get-InvocationCount $Sandbox
        $status = Wait-MmMarket mu_24_5 -State Stopped -Timeout 60
        $status.PSObject.TypeNames[0] | Should -Be 'MmOperator.MarketStatus'
        ($status.Market, $status.State) | Should -Be @('MU_24_5-USD', 'Stopped')
        StatusRuns $before | Should -Be @('status mu_24_5 --json')
    }

    It 'polls until a bot crashes (the sandbox fault die-when)' {
        # The bot crashes once the second poll has started: the first one saw it running, however slow the machine.
        $crash = Join-Path $TestDrive 'crash-btc'
        $started = Invoke-WithFault "die-when:$crash" { Invoke-Mmctl $Sandbox start btc --json }
        $before = Get-InvocationCount $Sandbox
        $crasher = Start-ThreadJob -ArgumentList $Sandbox.InvocationLogPath, $before, $crash {
            param($log, $before, $crash)
            while (@(Get-Content $log | Select-Object -Skip $before).Count -lt 2) { Start-Sleep -Milliseconds 50 }
            $null = New-Item $crash
        }
        try { $status = Wait-MmMarket BTC-USD -State Crashed -Timeout 120 }
        finally { $crasher | Remove-Job -Force }
        ($status.State, $status.Pid, $status.StalePidFile) | Should -Be @('Crashed', $started.Json.pid, $true)
        $polls = StatusRuns $before
        $polls.Count | Should -BeGreaterThan 1
        $polls | Select-Object -Unique | Should -Be 'status btc --json'
        (Get-MmStatus btc).State | Should -Be 'Crashed'
    }

    It 'times out per market with WaitTimedOut, its state and the next step, and still writes the others' {
        Crash spx500m
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $reached = Wait-MmMarket SPX500m-USD, .env.mu_24_5 -State Stopped -Timeout 1 -ErrorAction SilentlyContinue -ErrorVariable errors
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30   # a backstop for a loaded machine: it does not wait on and on
        $reached.Market | Should -Be 'MU_24_5-USD'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Id WaitTimedOut WaitMmMarketCommand)
        $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $errors[0].Exception.Message | Should -BeLike 'SPX500m-USD is Crashed, not Stopped, after 1 s. Next step: *Get-MmLog spx500m*Stop-MmMarket spx500m -Reason <why> clears the pid file*'
        $errors[0].TargetObject.State | Should -Be 'Crashed'
    }

    It 'refuses a market it cannot resolve before anything runs' {
        $before = Get-InvocationCount $Sandbox
        { Wait-MmMarket 'ETH/USD' -State Running -Timeout 1 -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidMarketFormat WaitMmMarketCommand) -ExpectedMessage "*'ETH-USD'*"
        Get-InvocationCount $Sandbox | Should -Be $before
    }
}

Describe 'Watch-MmMarket' {
    It 'writes each snapshot once under a timestamp line when its output is piped, one status each' {
        $before = Get-InvocationCount $Sandbox
        $out = @(Watch-MmMarket -Count 2 -Interval 0.25 | Write-Output)
        StatusRuns $before | Should -Be @('status --json', 'status --json')
        $out.Count | Should -Be 4
        $out[0], $out[2] | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  Get-MmMarket every 0.25 s'
        $out[1] | Should -Match '(?m)^ +MU_24_5-USD\s+Stopped'
        Fits80 ($out -join "`n")
    }

    It '-Market watches those markets: a crashed one marked !, a running bot''s uptime shown; a market not in the repo is refused' {
        $running = (Invoke-Mmctl $Sandbox start eth --json).Json.pid
        Crash btc
        try {
            $out = @(Watch-MmMarket eth, BTC-USD -Count 1 | Write-Output)
            $out[0] | Should -Match '! crashed or orphaned: a human acts +\* changed since the last refresh'
            $out[1] | Should -Match '(?m)^!  BTC-USD\s+Crashed\s+\d+'
            $out[1] | Should -Match "(?m)^   ETH-USD\s+Running\s+$running\s+\d\d:\d\d:\d\d\s+testnet"
            $out[1] | Should -Not -Match 'MU_24_5-USD|SPX500m-USD'
            Fits80 ($out -join "`n")
        }
        finally { StopAll }

        $before = Get-InvocationCount $Sandbox
        $refused = @(Watch-MmMarket eth, nosuch -Count 1 -ErrorAction SilentlyContinue -ErrorVariable errors)
        $refused | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -Be (Id UnknownMarket WatchMmMarketCommand)
        Get-InvocationCount $Sandbox | Should -Be $before -Because 'nothing is watched'
    }
}

Describe 'Get-MmLog' {
    BeforeAll {
        $script:Secret = (Get-Content (Join-Path $Sandbox.RepoPath '.env.eth') | Where-Object { $_ -like 'MM_API_KEY=*' }) -replace '^MM_API_KEY=', ''
        $script:LogPath = (Get-MmStatus eth).LogPath
        $null = New-Item -ItemType Directory (Split-Path $LogPath) -Force
        Set-Content $LogPath (@(1..60 | ForEach-Object { "line $_" }) + "auth with $Secret failed" + 'MM_STARK_PRIVATE_KEY=0xdeadbeef' + "colour`e[31m" + 'last')
    }

    It 'writes the last lines of the log mmctl names, secrets masked' {
        $Secret.Length | Should -BeGreaterThan 6
        $before = Get-InvocationCount $Sandbox
        $lines = Get-MmLog eth
        StatusRuns $before | Should -Be @('status eth --json')
        $lines.Count | Should -Be 50
        $lines[-1] | Should -Be 'last'
        $lines[-4] | Should -Be 'auth with ******** failed'
        $lines[-3] | Should -Be 'MM_STARK_PRIVATE_KEY=********'
        $lines[-2] | Should -Be "colour$([char]0xFFFD)[31m"
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($Secret))
        (Get-MmLog ETH-USD -Tail 2) | Should -Be @("colour$([char]0xFFFD)[31m", 'last')
    }

    It 'says when a bot has written no log yet' {
        $failure = Get-MmLog spx500m -ErrorAction SilentlyContinue -ErrorVariable errors
        $failure | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -Be (Id BotLogNotFound GetMmLogCommand)
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'What only Ctrl+C ends, and a restricted session' {
    BeforeAll {
        # A second runspace of this process runs the command while this one presses Ctrl+C (Stop).
        $state = [initialsessionstate]::CreateDefault2()
        $state.ImportPSModule($env:MMOPERATOR_TEST_MODULE)
        $script:Runspace = [runspacefactory]::CreateRunspace($state)
        $Runspace.Open()
        $options = [powershell]::Create()
        $options.Runspace = $Runspace
        $null = $options.AddScript('param($Sandbox) $Sandbox | Set-MmOperatorOption').AddArgument($Sandbox).Invoke()
        $options.Dispose()
        function script:Start-Command([string] $Script) {
            $ps = [powershell]::Create()
            $ps.Runspace = $Runspace
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $null = $ps.AddScript($Script).BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            [pscustomobject]@{ Shell = $ps; Output = $output }
        }
        function script:Stop-Command($Running) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $Running.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 30   # well before the 90 s timeout, even on a loaded machine
            $Running.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $Running.Shell.Dispose()
        }
    }

    AfterAll { $Runspace.Dispose() }

    It 'Get-MmLog -Wait follows the log, masked, until Ctrl+C' {
        $log = (Get-MmStatus eth).LogPath
        $running = Start-Command 'Get-MmLog eth -Tail 0 -Wait'
        Wait-Until { $running.Shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
        # Appended until a line shows: one written before the follow began is behind its start, never shown.
        Wait-Until { Add-Content $log "appended with $Secret"; $running.Output.Count -ge 1 } | Should -BeTrue
        # Indexed: enumerating a collection the pipeline still writes to waits for its end.
        $running.Output[0] | Should -Be 'appended with ********'
        Stop-Command $running
    }

    It '<Name> ends at once on Ctrl+C' -ForEach @(
        @{ Name = 'Wait-MmMarket'; Script = 'Wait-MmMarket eth -State Running -Timeout 600' }
        @{ Name = 'Watch-MmMarket'; Script = 'Watch-MmMarket -Interval 600 | Write-Output' }
    ) {
        $before = Get-InvocationCount $Sandbox
        $running = Start-Command $Script
        Wait-Until { (Get-InvocationCount $Sandbox) -gt $before } | Should -BeTrue
        Stop-Command $running
    }

    It 'Get-MmLog refuses a restricted session, before anything runs' {
        $before = Get-InvocationCount $Sandbox
        $ps = [powershell]::Create()
        $ps.Runspace = $Runspace
        $null = $ps.AddScript('$ExecutionContext.SessionState.LanguageMode = "ConstrainedLanguage"; Get-MmLog eth').Invoke()
        $ps.Streams.Error[0].FullyQualifiedErrorId | Should -Be (Id FullLanguageRequired GetMmLogCommand)
        $ps.Streams.Error[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ps.Dispose()
        Get-InvocationCount $Sandbox | Should -Be $before
    }
}
