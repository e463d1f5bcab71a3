BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    $script:Cmd = 'MmOperator.Commands.GetMmStatusCommand'
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Get-MmStatus' {
    AfterEach {
        Stop-SandboxBot $Sandbox
        $Sandbox | Set-MmOperatorOption
    }

    It 'emits nothing when mmctl lists no instance' {
        @(Get-MmStatus -ErrorVariable errors).Count | Should -Be 0
        $errors | Should -BeNullOrEmpty
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', '--json')
    }

    It 'reports a running instance as a typed object' {
        $started = Invoke-Mmctl $Sandbox start eth --json
        $status = Get-MmStatus
        $status.PSObject.TypeNames[0] | Should -Be 'MmOperator.MarketStatus'
        $status.Market | Should -Be 'ETH-USD'
        $status.Slug | Should -Be 'eth'
        $status.State | Should -Be 'Running'
        $status.Pid | Should -Be $started.Json.pid
        $status.ControllerId | Should -Be 'env_eth'
        $status.EnvFile | Should -Be (Join-Path $Sandbox.RepoPath '.env.eth')
        $status.LogPath | Should -Be (Join-Path $Sandbox.RepoPath 'data/mm_journal/mm_env_eth.log')
        $status.GeneratedAt.Kind | Should -Be 'Utc'
        ([datetime]::UtcNow - $status.GeneratedAt).TotalMinutes | Should -BeLessThan 5
        $status.StalePidFile | Should -BeFalse
    }

    It 'reports a never-started market as stopped, named from its env file' {
        $status = Get-MmStatus -Market MU_24_5-USD
        $status.Market | Should -Be 'MU_24_5-USD'
        $status.State | Should -Be 'Stopped'
        $status.Pid | Should -BeNullOrEmpty
        $status.StalePidFile | Should -BeFalse
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', 'mu_24_5', '--json')
    }

    It 'reports a bot that died as Crashed, its pid file stale' {
        $started = Invoke-Mmctl $Sandbox start btc --json
        Stop-Process -Id $started.Json.pid -Force
        Wait-Until { -not (Test-Alive $started.Json.pid) } | Should -BeTrue
        $status = Get-MmStatus btc
        $status.State | Should -Be 'Crashed'
        $status.Pid | Should -Be $started.Json.pid
        $status.StalePidFile | Should -BeTrue
        ($status | Format-Table | Out-String) | Should -Match 'stale pid file'
    }

    It 'accepts <_> and always hands mmctl the slug' -ForEach 'eth', 'ETH-USD', '.env.eth' {
        (Get-MmStatus -Market $_).Market | Should -Be 'ETH-USD'
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', 'eth', '--json')
    }

    It 'takes markets from the pipeline by value and by property name' {
        $byValue = 'eth', 'SPX500m-USD' | Get-MmStatus
        $byValue.Market | Should -Be @('ETH-USD', 'SPX500m-USD')
        $byName = $byValue | Get-MmStatus
        $byName.Market | Should -Be @('ETH-USD', 'SPX500m-USD')
        $byCsv = [pscustomobject]@{ Market = 'MU_24_5-USD' } | Get-MmStatus
        $byCsv.Slug | Should -Be 'mu_24_5'
    }

    It 'completes markets from the repo, skipping files that are not markets' {
        $completion = TabExpansion2 -inputScript 'Get-MmStatus ' -cursorColumn 13
        $completion.CompletionMatches.CompletionText | Should -Be @('BTC-USD', 'ETH-USD', 'MU_24_5-USD', 'SPX500m-USD')
        (TabExpansion2 -inputScript 'Get-MmStatus .env.e' -cursorColumn 19).CompletionMatches.CompletionText | Should -Be @('.env.eth')
    }
}

Describe 'Markets that are refused before anything runs' {
    BeforeAll { $script:Hashes = Get-FileHashes $Sandbox }

    It 'refuses <Text> with <Id> and suggests <Hint>' -ForEach @(
        @{ Text = 'ETH/USD'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = 'ETHUSD'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = '.env.ETH'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = '.env.eth.iter003'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = 'ETH-USDT'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = 'doge'; Id = 'UnknownMarket'; Hint = 'Markets here' }
        @{ Text = '../.env.eth'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = '/home/operator/Code/MM/.env.eth'; Id = 'InvalidMarketFormat'; Hint = 'Accepted forms' }
        @{ Text = '.env.eth/../x'; Id = 'InvalidMarketFormat'; Hint = 'Accepted forms' }
        @{ Text = 'eth;id'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = '$(id)'; Id = 'InvalidMarketFormat'; Hint = 'Accepted forms' }
        @{ Text = 'eth && id'; Id = 'InvalidMarketFormat'; Hint = 'whitespace' }
        @{ Text = "ｅｔｈ"; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = "eth`u{200b}"; Id = 'InvalidMarketFormat'; Hint = 'non-ASCII' }
        @{ Text = "eth`0"; Id = 'InvalidMarketFormat'; Hint = 'control' }
        @{ Text = ''; Id = 'InvalidMarketFormat'; Hint = 'empty' }
        @{ Text = ('e' * 5000); Id = 'InvalidMarketFormat'; Hint = 'longer' }
    ) {
        $before = (Get-InvocationCount $Sandbox)
        { Get-MmStatus -Market $Text -ErrorAction Stop } | Should -Throw -ErrorId "$Id,$Cmd" -ExpectedMessage "*$Hint*"
        (Get-InvocationCount $Sandbox) | Should -Be $before
        Get-FileHashes $Sandbox | Should -Be $Hashes
    }

    It 'a read takes <Text> for <Slug>; a state change refuses it with <Id> and suggests <Hint>' -ForEach @(
        @{ Text = 'eth-usd'; Slug = 'eth'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
        @{ Text = 'mu_24_5-usd'; Slug = 'mu_24_5'; Id = 'InvalidMarketFormat'; Hint = "'MU_24_5-USD'" }
        @{ Text = 'SPX500M-USD'; Slug = 'spx500m'; Id = 'UnknownMarket'; Hint = "'SPX500m-USD'" }
        @{ Text = 'ETH'; Slug = 'eth'; Id = 'InvalidMarketFormat'; Hint = "'ETH-USD'" }
    ) {
        (Get-MmStatus -Market $Text -ErrorAction Stop).Slug | Should -Be $Slug
        $before = (Get-InvocationCount $Sandbox)
        { Stop-MmMarket -Market $Text -Reason 'strict' -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId "$Id,MmOperator.Commands.StopMmMarketCommand" -ExpectedMessage "*$Hint*"
        (Get-InvocationCount $Sandbox) | Should -Be $before
    }

    It 'refuses a symbol two files trade, naming both' {
        Copy-Item (Join-Path $Sandbox.RepoPath '.env.eth') (Join-Path $Sandbox.RepoPath '.env.eth_alt') -Force
        try {
            { Get-MmStatus ETH-USD -ErrorAction Stop } | Should -Throw -ErrorId "AmbiguousMarket,$Cmd" -ExpectedMessage '*.env.eth*.env.eth_alt*'
        }
        finally { Remove-Item (Join-Path $Sandbox.RepoPath '.env.eth_alt') -Force }
    }

    It 'reports each bad market and still runs the good ones' {
        $result = Get-MmStatus 'ETH/USD', btc, doge -ErrorVariable errors -ErrorAction SilentlyContinue
        $result.Market | Should -Be 'BTC-USD'
        $errors.FullyQualifiedErrorId | Should -Be @("InvalidMarketFormat,$Cmd", "UnknownMarket,$Cmd")
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Host failures surface as errors with the evidence' {
    AfterEach { $Sandbox | Set-MmOperatorOption -TimeoutSec 90 }

    It 'a hung mmctl is killed at the timeout' {
        Set-MmOperatorOption -TimeoutSec 2
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $failure = Invoke-WithFault 'hang' { Get-MmStatus -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $failure.FullyQualifiedErrorId | Should -Be "HostCommandTimedOut,$Cmd"
        $failure.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failure.TargetObject.Status | Should -Be 'TimedOut'
        $hung = (Get-Invocation $Sandbox)[-1].pid
        Get-Process -Id $hung -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '<Fault> gives <Id>' -ForEach @(
        @{ Fault = 'garbage'; Id = 'HostOutputInvalid'; ExitCode = 0 }
        @{ Fault = 'error-json'; Id = 'HostReportedError'; ExitCode = 0 }
        @{ Fault = 'exit:3'; Id = 'HostCommandFailed'; ExitCode = 3 }
        @{ Fault = 'json-exit:1'; Id = 'HostCommandFailed'; ExitCode = 1 }
    ) {
        $failure = Invoke-WithFault $Fault { Get-MmStatus -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $failure.FullyQualifiedErrorId | Should -Be "$Id,$Cmd"
        $failure.TargetObject.ExitCode | Should -Be $ExitCode
        $failure.TargetObject.CommandLine | Should -Be "$($Sandbox.MmctlPath) status --json"
        $failure.Exception.Message | Should -Match 'status --json'
    }

    It 'keeps stderr and the raw output on the error' {
        $failure = Invoke-WithFault 'exit:3' { Get-MmStatus -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $failure.TargetObject.StdErr | Should -Match 'injected fault'
        $garbage = Invoke-WithFault 'garbage' { Get-MmStatus -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $garbage.TargetObject.StdOut | Should -Match 'not JSON'
    }

    It 'a fault limited to another sub-command leaves status alone' {
        $status = Invoke-WithFault 'garbage' -On 'start,stop' { Get-MmStatus eth -ErrorAction Stop }
        $status.Market | Should -Be 'ETH-USD'
    }
}

Describe 'What -Verbose and -Debug show' {
    It 'shows every command line and its duration' {
        $verbose = Get-MmStatus eth -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain "Running: $($Sandbox.MmctlPath) status eth --json"
        ($verbose.Message -join "`n") | Should -Match "Finished: .*status eth --json \(Completed, exit 0, \d+ ms\)"
    }

    It 'shows the raw output with -Debug' {
        $DebugPreference = 'Continue'
        $debug = Get-MmStatus eth 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        ($debug.Message -join "`n") | Should -Match '"controller_id": "env_eth"'
    }

    It 'never shows a secret value in output, verbose, debug or errors' {
        $secret = (Get-Content (Join-Path $Sandbox.RepoPath '.env') | Where-Object { $_ -like 'MM_API_KEY=*' }) -replace '^MM_API_KEY=', ''
        $secret.Length | Should -BeGreaterThan 6
        $DebugPreference = 'Continue'
        $everything = Invoke-WithFault 'leak' { Get-MmStatus eth -Verbose -ErrorAction Continue *>&1 }
        $text = ($everything | ForEach-Object { "$_"; if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.TargetObject | Out-String } }) -join "`n"
        $text | Should -Match 'auth failed'
        $text | Should -Match '\*{8}'
        $text | Should -Not -Match ([regex]::Escape($secret))
    }
}
