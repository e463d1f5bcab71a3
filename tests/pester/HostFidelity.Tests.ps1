# Issue 11: defects that only a host as strict as the real one shows. Each test failed on the module
# before the fix and passes after it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    function script:EnvPath([string] $Name) { Join-Path $Sandbox.RepoPath $Name }
    function script:Snapshot { @(Get-FileHashes $Sandbox) + @((Get-InvocationCount $Sandbox)) }
    function script:LastChangelogRow { Get-Content (EnvPath 'data/mm_audit/config_changelog.jsonl') -Tail 1 | ConvertFrom-Json }
}

AfterAll {
    foreach ($m in 'eth', 'btc', 'gold') { $null = Invoke-Mmctl $Sandbox stop $m --json }
    Remove-TestSandbox $Sandbox
}

Describe 'Only market files are markets' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'the .env.lock a shared edit leaves behind is never a market, nor are sample, template and backup files' {
        $null = Set-MmEnvParam -Shared MM_LOG_LEVEL DEBUG -Reason 'leave a lock file' -Confirm:$false
        Test-Path (EnvPath '.env.lock') | Should -BeTrue
        foreach ($name in '.env.sample', '.env.template', '.env.bak', '.env.eth.bak') { Copy-Item (EnvPath '.env.eth') (EnvPath $name) }
        $before = Snapshot
        { Start-MmMarket lock -Reason 'no' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id UnknownMarket StartMmMarketCommand)
        { Start-MmMarket sample -Reason 'no' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id UnknownMarket StartMmMarketCommand)
        $refusal = { Start-MmMarket doge -Reason 'no' -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $refusal.Exception.Message | Should -Match 'Markets here: BTC-USD, ETH-USD\.$'
        Snapshot | Should -Be $before
        $null = Set-MmEnvParam -Shared MM_LOG_LEVEL INFO -Reason 'back' -Confirm:$false
    }

    It 'a symbol resolves through the files'' MM_MARKET_NAME and reaches mmctl as that file''s slug' {
        (Get-Content -Raw (EnvPath '.env.eth')) -replace 'MM_MARKET_NAME=ETH-USD', 'MM_MARKET_NAME=XAU-USD' | Set-Content -NoNewline (EnvPath '.env.gold')
        $status = Get-MmStatus XAU-USD
        $status.Market | Should -Be 'XAU-USD'
        $status.Slug | Should -Be 'gold'
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', 'gold', '--json')
        $started = Start-MmMarket XAU-USD -Reason 'gold opens' -Confirm:$false
        $started.Outcome | Should -Be 'Succeeded'
        $started.Market | Should -Be 'XAU-USD'
        (Get-Invocation $Sandbox | Select-Object -Last 2).argv | Should -Be @('start', 'gold', '--json', 'status', 'gold', '--json')
        (Stop-MmMarket XAU-USD -Reason 'gold closes' -Confirm:$false).Outcome | Should -Be 'Succeeded'
    }

    It 'two files that name one symbol stay refused, naming both' {
        Copy-Item (EnvPath '.env.gold') (EnvPath '.env.gold_alt')
        try {
            $before = Snapshot
            $refusal = { Get-MmStatus XAU-USD -ErrorAction Stop } | Should -Throw -ErrorId (Id AmbiguousMarket GetMmStatusCommand) -PassThru
            $refusal.Exception.Message | Should -Match '\.env\.gold, \.env\.gold_alt'
            Snapshot | Should -Be $before
        }
        finally { Remove-Item (EnvPath '.env.gold_alt') -Force }
    }
}

Describe 'Values the bot can load, in the host''s form' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'MM_ENVIRONMENT and MM_MARKET_NAME are a human''s to change, set or removed' {
        $before = Snapshot
        { Set-MmEnvParam -Shared MM_ENVIRONMENT staging -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey SetMmEnvParamCommand)
        { Set-MmEnvParam -Shared MM_ENVIRONMENT mainnet -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey SetMmEnvParamCommand)
        { Set-MmEnvParam -Market eth MM_MARKET_NAME BTC-USD -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey SetMmEnvParamCommand)
        { Remove-MmEnvParam -Market eth MM_MARKET_NAME -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey RemoveMmEnvParamCommand)
        $refusal = { Set-MmEnvParam -Shared MM_ENVIRONMENT mainnet -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $refusal.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $refusal.Exception.Message | Should -Match 'real money'
        Snapshot | Should -Be $before
    }

    It 'a value the bot''s settings model refuses is refused before anything changes' {
        $before = Snapshot
        $refusal = { Set-MmEnvParam -Market eth MM_OFFSET_MODE sideways -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvValueOutOfBounds SetMmEnvParamCommand) -PassThru
        $refusal.Exception.Message | Should -Match 'fixed, dynamic'
        { Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 0 -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvValueOutOfBounds SetMmEnvParamCommand)
        { Set-MmEnvParam -Market eth MM_QUOTE_ANCHOR mark -Reason 'try' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvValueOutOfBounds SetMmEnvParamCommand)
        Snapshot | Should -Be $before
    }

    It 'values are stored as the advisor would store them: TRUE as true, 1.80 as 1.8' {
        (Set-MmEnvParam -Market eth MM_TREND_ENABLED FALSE -Reason 'calm market' -Confirm:$false).NewValue | Should -Be 'false'
        Get-Content (EnvPath '.env.eth') | Should -Contain 'MM_TREND_ENABLED=false'
        (Set-MmEnvParam -Market eth MM_TREND_ENABLED TRUE -Reason 'trend back' -Confirm:$false).NewValue | Should -Be 'true'
        $change = Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.80 -Reason 'wider' -Confirm:$false
        $change.NewValue | Should -Be '1.8'
        Get-Content (EnvPath '.env.eth') | Should -Contain 'MM_SPREAD_MULTIPLIER=1.8'
        $again = Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.800 -Reason 'same' -Confirm:$false
        $again.Changed | Should -BeFalse
    }
}

Describe 'A good citizen of the host' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'every set and remove appends a row to the host''s config changelog, in its format' {
        $change = Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 4 -Reason 'tighter' -Confirm:$false
        $row = LastChangelogRow
        $row.market | Should -Be 'BTC-USD'
        $row.param | Should -Be 'MM_MIN_OFFSET_BPS'
        $row.old | Should -Be $change.PreviousValue
        $row.new | Should -Be '4'
        $row.env_before | Should -Be (EnvPath '.env.btc')
        $row.source | Should -Be 'mmoperator_env_edit'
        $row.ts | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 60)
        $null = Remove-MmEnvParam -Market btc MM_MIN_OFFSET_BPS -Reason 'default' -Confirm:$false
        (LastChangelogRow).new | Should -BeNullOrEmpty
        (LastChangelogRow).old | Should -Be '4'
        # The host's own reader takes every line.
        $lines = & $Sandbox.PythonPath -c "import json,sys; print(len([json.loads(l) for l in open(sys.argv[1])]))" (EnvPath 'data/mm_audit/config_changelog.jsonl')
        [int]$lines | Should -BeGreaterOrEqual 2
    }
}

Describe 'A changelog that cannot be written' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'does not undo or hide the edit: a warning and the journal say so' {
        $changelog = EnvPath 'data/mm_audit/config_changelog.jsonl'
        $kept = "$changelog.kept"
        if (Test-Path $changelog) { Move-Item $changelog $kept }
        $null = New-Item -ItemType Directory $changelog
        try {
            $change = Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 5 -Reason 'changelog blocked' -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
            $change.Changed | Should -BeTrue
            Get-Content (EnvPath '.env.btc') | Should -Contain 'MM_MIN_OFFSET_BPS=5'
            "$warned" | Should -Match 'changelog .* could not be written'
            (Get-MmAuditLog -Last 1).Detail | Should -Match 'could not be written'
        }
        finally {
            Remove-Item $changelog -Recurse -Force
            if (Test-Path $kept) { Move-Item $kept $changelog }
        }
    }
}

Describe 'The lock the apply script polls' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'is free again as soon as the file is written, while the module still waits for mmctl status' {
        # A prober takes the lock the way the apply script does (non-blocking, every 20 ms) and exits once it
        # holds it with the new value already in the file. mmctl status is made to hang for 3 s after the write.
        $probe = "import fcntl, sys, time`nend = time.time() + 20`nwhile time.time() < end:`n    with open(sys.argv[1] + '.lock', 'a') as f:`n        try:`n            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)`n        except OSError:`n            time.sleep(0.02); continue`n        if 'MM_MAX_ORDER_AGE_S=33' in open(sys.argv[1]).read():`n            sys.exit(0)`n    time.sleep(0.02)`nsys.exit(1)"
        Set-Content (Join-Path $TestDrive 'probe.py') $probe
        $prober = Start-Process $Sandbox.PythonPath -ArgumentList (Join-Path $TestDrive 'probe.py'), (EnvPath '.env.eth') -PassThru
        try {
            $change = Invoke-WithFault 'hang:3' -On status { Set-MmEnvParam -Market eth MM_MAX_ORDER_AGE_S 33 -Reason 'probe the lock' -Confirm:$false }
            $change.Changed | Should -BeTrue
            $prober.HasExited | Should -BeTrue -Because 'the prober held the lock with the new value while the cmdlet was still waiting for mmctl status'
            $prober.ExitCode | Should -Be 0
        }
        finally { $prober | Stop-Process -Force -ErrorAction Ignore }
    }
}

Describe 'A stop is a success only when the bot is gone' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'a bot that ignores SIGINT and SIGTERM makes mmctl say stopped: the module says Failed, names the live pid and says to escalate' {
        $started = Use-Environment @{ MM_SANDBOX_FAULT = 'ignore-signals:INT,TERM'; MM_SANDBOX_FAULT_ON = 'start' } { Start-MmMarket eth -Reason 'stubborn bot' -Confirm:$false }
        $started.Outcome | Should -Be 'Succeeded'
        $botPid = $started.Output.pid
        try {
            $stop = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } {
                $result = Stop-MmMarket eth -Reason 'SEV1' -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
                [pscustomobject]@{ Result = $result; Errors = $failures }
            }
            $result = $stop.Result
            $result.Output.status | Should -Be 'stopped'
            $result.Outcome | Should -Be 'Failed'
            $result.Detail | Should -Match "pid $botPid is still running"
            $result.Detail | Should -Match 'Escalate to a human'
            $stop.Errors[0].FullyQualifiedErrorId | Should -Be (Id BotStillRunning StopMmMarketCommand)
            (Get-Process -Id $botPid -ErrorAction Ignore) | Should -Not -BeNullOrEmpty
            (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
        }
        finally { Stop-Process -Id $botPid -Force -ErrorAction Ignore }
    }

    It 'a restart over such a bot is a failure too, even though a new bot started' {
        $started = Use-Environment @{ MM_SANDBOX_FAULT = 'ignore-signals:INT,TERM'; MM_SANDBOX_FAULT_ON = 'start' } { Start-MmMarket eth -Reason 'stubborn bot' -Confirm:$false }
        $old = $started.Output.pid
        try {
            $result = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } { Restart-MmMarket eth -Reason 'stuck' -Confirm:$false -ErrorAction SilentlyContinue }
            $result.Output.start.status | Should -Be 'started'
            $result.Outcome | Should -Be 'Failed'
            $result.Detail | Should -Match "pid $old is still running"
        }
        finally {
            Stop-Process -Id $old -Force -ErrorAction Ignore
            $null = Invoke-Mmctl $Sandbox stop eth --json
        }
    }

    It 'a bot that ignores only SIGINT is ended by SIGTERM and the stop succeeds' {
        $null = Use-Environment @{ MM_SANDBOX_FAULT = 'ignore-signals:INT'; MM_SANDBOX_FAULT_ON = 'start' } { Start-MmMarket eth -Reason 'slow bot' -Confirm:$false }
        $result = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } { Stop-MmMarket eth -Reason 'close' -Confirm:$false }
        $result.Outcome | Should -Be 'Succeeded'
    }
}
