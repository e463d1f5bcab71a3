# The sandbox's stand-ins must behave as the host contract says, field for field, traps included.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    $script:Fixtures = Join-Path $PSScriptRoot '../fixtures/host-output'
    function script:Keys($object) { @($object.PSObject.Properties.Name | Sort-Object) }
    function script:FixtureKeys([string] $name) { Keys (Get-Content -Raw (Join-Path $Fixtures "$name.json") | ConvertFrom-Json) }
    function script:Invoke-Advisor([string] $Script, [string[]] $Arguments) {
        $stdout = & $Sandbox.PythonPath (Join-Path $Sandbox.RepoPath "scripts/$Script") --repo $Sandbox.RepoPath @Arguments --json 2>$null
        [pscustomobject]@{ Json = ($stdout -join "`n") | ConvertFrom-Json; ExitCode = $LASTEXITCODE }
    }
    function script:Submit([object[]] $Rows) {
        $file = Join-Path $TestDrive ("rows-{0}.jsonl" -f [guid]::NewGuid())
        ($Rows | ForEach-Object { $_ | ConvertTo-Json -Compress }) | Set-Content $file
        Invoke-Advisor mm_advisor_submit.py @('--input-jsonl', $file)
    }
    function script:EnvValue([string] $File, [string] $Key) {
        ((Get-Content (Join-Path $Sandbox.RepoPath $File)) -match "^$Key=" | Select-Object -Last 1) -replace "^$Key=", '' -replace '\s+#.*$', ''
    }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'New-MmSandbox' {
    It 'makes the four default markets with their symbol forms' {
        $Sandbox.Markets | Should -Be @('ETH-USD', 'BTC-USD', 'MU_24_5-USD', 'SPX500m-USD')
        $Sandbox.PSObject.TypeNames[0] | Should -Be 'MmOperator.Sandbox'
        foreach ($slug in 'eth', 'btc', 'mu_24_5', 'spx500m') { Join-Path $Sandbox.RepoPath ".env.$slug" | Should -Exist }
    }

    It 'lays out the host: <_>' -ForEach 'bin/mmctl', 'Code/MM/.env', 'Code/MM/.env.example', 'Code/MM/.venv/bin/python', 'Code/MM/scripts/mm_advisor_submit.py', 'Code/MM/scripts/mm_advisor_apply.py', 'Code/MM/mm_config/policy/whitelist.json', 'Code/MM/mm_config/policy/bounds.json', 'Code/MM/mm_config/policy/protected_keys.json' {
        Join-Path $Sandbox.Path $_ | Should -Exist
    }

    It 'refuses a folder that is not empty and leaves it alone' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'busy')
        Set-Content (Join-Path $dir 'mine.txt') 'x'
        { New-MmSandbox -Path $dir -ErrorAction Stop } | Should -Throw -ErrorId 'SandboxPathNotEmpty,MmOperator.Commands.NewMmSandboxCommand'
        @(Get-ChildItem $dir).Name | Should -Be @('mine.txt')
    }

    It 'refuses a bad market name' {
        { New-MmSandbox -Path (Join-Path $TestDrive 'bad') -Market 'eth/../x' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSandboxMarket,MmOperator.Commands.NewMmSandboxCommand'
    }

    It 'creates nothing with -WhatIf' {
        New-MmSandbox -Path (Join-Path $TestDrive 'whatif') -WhatIf
        Join-Path $TestDrive 'whatif' | Should -Not -Exist
    }

    It 'takes -Market symbols and slugs' {
        $other = New-MmSandbox -Path (Join-Path $TestDrive 'other') -Market sol, 'AB_1-USD'
        $other.Markets | Should -Be @('SOL-USD', 'AB_1-USD')
        Join-Path $other.RepoPath '.env.ab_1' | Should -Exist
    }
}

Describe 'The stand-in mmctl' {
    AfterEach { Stop-SandboxBot $Sandbox }

    It 'status has the envelope of the real one' {
        $status = Invoke-Mmctl $Sandbox status --json
        $status.ExitCode | Should -Be 0
        Keys $status.Json | Should -Be (FixtureKeys 'mmctl-status-all-empty')
        $status.Text | Should -Match '"generated_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"'
        @($status.Json.instances).Count | Should -Be 0
    }

    It 'a never-started market is stopped, with market and env only when its env file exists' {
        $one = @((Invoke-Mmctl $Sandbox status doge --json).Json.instances)[0]
        Keys $one | Should -Be (Keys (Get-Content -Raw (Join-Path $Fixtures 'mmctl-status-one-unknown.json') | ConvertFrom-Json).instances[0])
        $one.status | Should -Be 'stopped'
        $one.pid, $one.market, $one.env | Should -Be @($null, $null, $null)
        $one.controller_id | Should -Be 'env_doge'
        $btc = @((Invoke-Mmctl $Sandbox status btc --json).Json.instances)[0]
        $btc.pid, $btc.market, $btc.env | Should -Be @($null, 'BTC-USD', (Join-Path $Sandbox.RepoPath '.env.btc'))
    }

    It 'start spawns a real detached bot with a pid file, and stop ends it with SIGINT' {
        # The bot ignores SIGTERM: only the SIGINT can end it (SIGTERM comes 30 checks later, and is the last).
        $start = Invoke-WithFault 'ignore-signals:TERM' -On 'start' { Invoke-Mmctl $Sandbox start ETH-USD --json }
        $start.ExitCode | Should -Be 0
        Keys $start.Json | Should -Be (FixtureKeys 'mmctl-start-started')
        $start.Json.status | Should -Be 'started'
        $start.Json.market | Should -Be 'ETH-USD'
        $start.Json.env | Should -Be (Join-Path $Sandbox.RepoPath '.env.eth')
        Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid' | Should -Exist
        Get-Process -Id $start.Json.pid | Should -Not -BeNullOrEmpty

        $running = @((Invoke-Mmctl $Sandbox status --json).Json.instances)[0]
        Keys $running | Should -Be (Keys (Get-Content -Raw (Join-Path $Fixtures 'mmctl-status-all.json') | ConvertFrom-Json).instances[0])
        $running.status | Should -Be 'running'

        $again = Invoke-Mmctl $Sandbox start eth --json
        Keys $again.Json | Should -Be (FixtureKeys 'mmctl-start-already-running')
        $again.Json.status | Should -Be 'already_running'

        $stop = Invoke-Mmctl $Sandbox stop .env.eth --json
        Keys $stop.Json | Should -Be (FixtureKeys 'mmctl-stop-stopped')
        $stop.Json.status | Should -Be 'stopped'
        $stop.Json.pid | Should -Be $start.Json.pid
        Test-Alive $start.Json.pid | Should -BeFalse
        Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid' | Should -Not -Exist
        Join-Path $Sandbox.RepoPath 'data/mm_journal/mm_env_eth.log' | Should -Exist   # the log stays
        @((Invoke-Mmctl $Sandbox status --json).Json.instances).Count | Should -Be 0
    }

    It 'keeps the bare pid in the pid file, and counts any live process as running' {
        $start = Invoke-Mmctl $Sandbox start eth --json
        Get-Content -Raw (Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid') | Should -BeExactly "$($start.Json.pid)"
        $null = Invoke-Mmctl $Sandbox stop eth --json
        $other = Start-Process -PassThru -FilePath $Sandbox.PythonPath -ArgumentList '-c', '"import time; time.sleep(60)"'
        try {
            Set-Content -Path (Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid') -Value " $($other.Id)`n" -NoNewline
            @((Invoke-Mmctl $Sandbox status eth --json).Json.instances)[0].status | Should -Be 'running'
        }
        finally {
            Remove-Item (Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid')
            Stop-Process -Id $other.Id -Force
        }
    }

    It 'with ignore-signals:INT, stop ends the bot with SIGTERM after the checks (MM_SANDBOX_STOP_GRACE_S shortens them)' {
        $start = Invoke-WithFault 'ignore-signals:INT' -On 'start' { Invoke-Mmctl $Sandbox start eth --json }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stop = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } { Invoke-Mmctl $Sandbox stop eth --json }
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 0.9
        $stop.Json.status | Should -Be 'stopped'
        Wait-Until { -not (Test-Alive $start.Json.pid) } | Should -BeTrue -Because 'SIGTERM ends the bot'
    }

    It 'with ignore-signals:INT,TERM, stop says stopped while the bot keeps running (the trap)' {
        $start = Invoke-WithFault 'ignore-signals:INT,TERM' -On 'start' { Invoke-Mmctl $Sandbox start eth --json }
        try {
            $stop = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } { Invoke-Mmctl $Sandbox stop eth --json }
            $stop.Json.status | Should -Be 'stopped'
            Join-Path $Sandbox.RepoPath 'data/pids/env_eth.pid' | Should -Not -Exist
            Start-Sleep -Milliseconds 300
            Test-Alive $start.Json.pid | Should -BeTrue
        }
        finally { Stop-Process -Id $start.Json.pid -Force -ErrorAction Ignore }
    }

    It 'leaves no __pycache__ and no log of its own in the repo' {
        # Without the variable that would hide it: the module removes PYTHON* variables from what it runs.
        Use-Environment @{ PYTHONDONTWRITEBYTECODE = $null } {
            $null = Invoke-Mmctl $Sandbox start eth --json
            $null = Invoke-Mmctl $Sandbox stop eth --json
            $null = Invoke-Advisor mm_advisor_apply.py @('--list-pending')
        }
        @(Get-ChildItem $Sandbox.RepoPath -Recurse -Force -Directory -Filter '__pycache__').Count | Should -Be 0
        $Sandbox.InvocationLogPath | Should -Be (Join-Path $Sandbox.Path 'sandbox/invocations.jsonl')
        $Sandbox.InvocationLogPath | Should -Exist
        Join-Path $Sandbox.RepoPath 'data/sandbox' | Should -Not -Exist
    }

    It 'stop of a market not running says so with its env file name' {
        $stop = Invoke-Mmctl $Sandbox stop eth --json
        Keys $stop.Json | Should -Be (FixtureKeys 'mmctl-stop-not-running')
        $stop.Json.status | Should -Be 'not_running'
        $stop.Json.env | Should -Be '.env.eth'
    }

    It 'restart answers with both halves' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $restart = Invoke-Mmctl $Sandbox restart eth --json
        Keys $restart.Json | Should -Be @('start', 'stop')
        $restart.Json.stop.status | Should -Be 'stopped'
        $restart.Json.start.status | Should -Be 'started'
        $restart.Json.start.pid | Should -Not -Be $restart.Json.stop.pid
    }

    It 'reports a missing env file as status error with exit code 0 (the trap)' {
        $start = Invoke-Mmctl $Sandbox start doge --json
        $start.ExitCode | Should -Be 0
        Keys $start.Json | Should -Be (FixtureKeys 'mmctl-start-missing-env')
        $start.Json.error | Should -Be "Env file not found: $(Join-Path $Sandbox.RepoPath '.env.doge')"
    }

    It 'takes a path argument as a path, as the real one does (the trap the module must avoid)' {
        $start = Invoke-Mmctl $Sandbox start ./.env.eth.candidate --json
        $start.Json.status | Should -Be 'started'
        $null = Invoke-Mmctl $Sandbox stop ./.env.eth.candidate --json
    }

    It 'refuses an unknown sub-command with exit 2, nothing on stdout and the same usage text' {
        $stderr = & $Sandbox.MmctlPath pause_quotes eth --json 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 2
        ($stderr -join "`n").Trim() | Should -Be (Get-Content -Raw (Join-Path $Fixtures 'mmctl-bad-subcommand.stderr')).Trim()
        & $Sandbox.MmctlPath pause_quotes eth --json 2>$null | Should -BeNullOrEmpty
    }

    It 'a bot whose settings the real settings model refuses dies after start reported started, and its log says why' {
        Set-Content (Join-Path $Sandbox.RepoPath '.env.dead') "MM_MARKET_NAME=DEAD-USD`nMM_ENVIRONMENT=staging`nMM_NUM_PRICE_LEVELS=99"
        try {
            $started = (Invoke-Mmctl $Sandbox start dead --json).Json
            $started.status | Should -Be 'started'
            $deadline = [DateTime]::UtcNow.AddSeconds(60)   # a backstop: it dies 0.3 s after its start
            do { $status = @((Invoke-Mmctl $Sandbox status dead --json).Json.instances)[0] } while ($status.status -eq 'running' -and [DateTime]::UtcNow -lt $deadline -and -not (Start-Sleep -Milliseconds 100))
            $status.status | Should -Be 'stopped'
            $status.pid | Should -Be $started.pid
            $log = Get-Content -Raw $started.log
            $log | Should -Match '2 validation errors for MarketMakerSettings'
            $log | Should -Match "environment\r?\n  Input should be 'testnet' or 'mainnet'"
            $log | Should -Match 'num_price_levels\r?\n  Input should be less than or equal to 20'
        }
        finally {
            $null = Invoke-Mmctl $Sandbox stop dead --json
            Remove-Item (Join-Path $Sandbox.RepoPath '.env.dead') -Force
        }
    }

    It 'a bot whose env file names no market runs on the defaults, as the real one does' {
        Set-Content (Join-Path $Sandbox.RepoPath '.env.nameless') 'MM_SPREAD_MULTIPLIER=1.5'
        try {
            $started = (Invoke-Mmctl $Sandbox start nameless --json).Json
            $started.market | Should -Be 'unknown'
            Start-Sleep -Milliseconds 700
            @((Invoke-Mmctl $Sandbox status nameless --json).Json.instances)[0].status | Should -Be 'running'
        }
        finally {
            $null = Invoke-Mmctl $Sandbox stop nameless --json
            Remove-Item (Join-Path $Sandbox.RepoPath '.env.nameless') -Force
        }
    }

    It 'logs every invocation before doing anything' {
        $before = (Get-InvocationCount $Sandbox)
        $null = Invoke-WithFault 'hang:0.1' { Invoke-Mmctl $Sandbox status eth --json }
        $log = Get-Invocation $Sandbox
        $log.Count | Should -Be ($before + 1)
        $log[-1].tool | Should -Be 'mmctl'
        $log[-1].argv | Should -Be @('status', 'eth', '--json')
    }
}

Describe 'Fault injection' {
    It '<Fault> on mmctl' -ForEach @(
        @{ Fault = 'garbage'; Exit = 0; Check = { param($r) $r.Text | Should -Match 'not JSON' } }
        @{ Fault = 'error-json'; Exit = 0; Check = { param($r) $r.Json.status | Should -Be 'error' } }
        @{ Fault = 'exit:3'; Exit = 3; Check = { param($r) $r.Text | Should -BeNullOrEmpty } }
        @{ Fault = 'json-exit:4'; Exit = 4; Check = { param($r) @($r.Json.instances).Count | Should -Be 0 } }
    ) {
        $result = Invoke-WithFault $Fault { Invoke-Mmctl $Sandbox status --json }
        $result.ExitCode | Should -Be $Exit
        & $Check $result
    }

    It 'hang holds the command' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = Invoke-WithFault 'hang:1.5' { Invoke-Mmctl $Sandbox status --json }
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1.4
    }

    It 'slow-stop delays a stop' {
        $null = Invoke-Mmctl $Sandbox start btc --json
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stop = Invoke-WithFault 'slow-stop:1.5' { Invoke-Mmctl $Sandbox stop btc --json }
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1.4
        $stop.Json.status | Should -Be 'stopped'
    }

    It 'MM_SANDBOX_FAULT_ON limits the fault to the named sub-commands' {
        (Invoke-WithFault 'garbage' -On 'stop' { Invoke-Mmctl $Sandbox status --json }).Json | Should -Not -BeNullOrEmpty
        (Invoke-WithFault 'garbage' -On 'status' { Invoke-Mmctl $Sandbox status --json }).Json | Should -BeNullOrEmpty
    }

    It 'reaches the advisor scripts too' {
        $result = Invoke-WithFault 'exit:5' -On 'list-pending' { Invoke-Advisor mm_advisor_apply.py @('--list-pending') }
        $result.ExitCode | Should -Be 5
    }
}

Describe 'The stand-in advisor scripts' {
    It 'submit writes a proposal with every field of the real row' {
        $result = Submit @(@{ market = 'ETH-USD'; param = 'MM_SPREAD_MULTIPLIER'; proposed = '1.8'; reason = 'widen in high vol'; confidence = 'high' })
        $result.ExitCode | Should -Be 0
        Keys $result.Json | Should -Be (FixtureKeys 'advisor-submit-ok')
        $result.Json.ok | Should -BeTrue
        $result.Json.proposal_ids[0] | Should -Match '^ETH_USD-\d+-manual-MM_SPREAD_MULTIPLIER$'
        $row = Get-Content (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl') | Select-Object -Last 1 | ConvertFrom-Json
        $fixtureRow = Get-Content (Join-Path $Fixtures 'advisor-proposals-row.jsonl') | ConvertFrom-Json
        Keys $row | Should -Be (Keys $fixtureRow)
        $row.old | Should -Be '1.5'
        $row.env_path | Should -Be (Join-Path $Sandbox.RepoPath '.env.eth')
    }

    It 'submit is all-or-nothing and says why per line' {
        $file = Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl'
        $before = if (Test-Path $file) { Get-FileHash $file } else { $null }
        $result = Submit @(
            @{ market = 'ETH-USD'; param = 'MM_SPREAD_MULTIPLIER'; proposed = '1.9' }
            @{ market = 'ETH-USD'; param = 'MM_NUM_PRICE_LEVELS'; proposed = '50' }
            @{ market = 'ETH-USD'; param = 'MM_API_KEY'; proposed = 'x' })
        $result.ExitCode | Should -Be 1
        Keys $result.Json | Should -Be (FixtureKeys 'advisor-submit-out-of-bounds')
        $result.Json.ok | Should -BeFalse
        $result.Json.written | Should -Be 0
        $result.Json.failures.line | Should -Be @(2, 3)
        $result.Json.failures.error | Should -Be @('MM_NUM_PRICE_LEVELS above max bound (20.0)', 'param not whitelisted: MM_API_KEY')
        (Get-FileHash $file).Hash | Should -Be $before.Hash
    }

    It 'lists, applies, refuses a second apply and an unknown id' {
        $id = (Submit @(@{ market = 'BTC-USD'; param = 'MM_MIN_OFFSET_BPS'; proposed = '4' })).Json.proposal_ids[0]
        Add-Content (Join-Path $Sandbox.RepoPath '.env.btc') ''
        $list = Invoke-Advisor mm_advisor_apply.py @('--list-pending')
        $list.ExitCode | Should -Be 0
        Keys $list.Json | Should -Be (FixtureKeys 'advisor-apply-list-pending')
        $mine = $list.Json.results | Where-Object proposal_id -eq $id
        Keys $mine | Should -Be (Keys (Get-Content -Raw (Join-Path $Fixtures 'advisor-apply-list-pending.json') | ConvertFrom-Json).results[0])
        $mine.old | Should -Be '3'

        $applied = Invoke-Advisor mm_advisor_apply.py @('--proposal-id', $id, '--approve')
        $applied.ExitCode | Should -Be 0
        Keys $applied.Json | Should -Be (FixtureKeys 'advisor-apply-approve-applied')
        $applied.Json.results[0].result | Should -Be 'applied'
        $applied.Json.results[0].env_after_hash | Should -Be (Get-FileHash (Join-Path $Sandbox.RepoPath '.env.btc') -Algorithm SHA256).Hash.ToLowerInvariant()
        EnvValue '.env.btc' 'MM_MIN_OFFSET_BPS' | Should -Be '4'
        Get-Content (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/apply_receipts.jsonl') | Should -Match $id

        $again = Invoke-Advisor mm_advisor_apply.py @('--proposal-id', $id, '--approve')
        $again.ExitCode | Should -Be 1
        Keys $again.Json | Should -Be (FixtureKeys 'advisor-apply-approve-again')
        $again.Json.reason | Should -Be 'proposal_not_pending'

        $unknown = Invoke-Advisor mm_advisor_apply.py @('--proposal-id', 'NOPE-1', '--approve')
        $unknown.ExitCode | Should -Be 1
        $unknown.Json.reason | Should -Be 'proposal_id_not_found'
    }

    It 'keeps the inline comment of an updated line, after one space as the host writes it' {
        $path = Join-Path $Sandbox.RepoPath '.env.mu_24_5'
        (Get-Content -Raw $path) -replace 'MM_MAX_ORDER_AGE_S=15', 'MM_MAX_ORDER_AGE_S=15  # seconds' | Set-Content -NoNewline $path
        $id = (Submit @(@{ market = 'MU_24_5-USD'; param = 'MM_MAX_ORDER_AGE_S'; proposed = '20' })).Json.proposal_ids[0]
        (Invoke-Advisor mm_advisor_apply.py @('--proposal-id', $id, '--approve')).ExitCode | Should -Be 0
        Get-Content $path | Should -Contain 'MM_MAX_ORDER_AGE_S=20 # seconds'
    }

    It 'fails a proposal whose current value moved, and one planted with a protected param' {
        # Not SPX500m-USD: the host's submit refuses a symbol with lower case.
        $id = (Submit @(@{ market = 'BTC-USD'; param = 'MM_SKEW_MAX_BPS'; proposed = '25' })).Json.proposal_ids[0]
        $path = Join-Path $Sandbox.RepoPath '.env.btc'
        (Get-Content -Raw $path) -replace 'MM_SKEW_MAX_BPS=20', 'MM_SKEW_MAX_BPS=21' | Set-Content -NoNewline $path
        $moved = Invoke-Advisor mm_advisor_apply.py @('--proposal-id', $id, '--approve')
        $moved.ExitCode | Should -Be 1
        $moved.Json.results[0].failure_reason | Should -Be 'current_value_mismatch'

        $planted = Get-Content (Join-Path $Fixtures 'advisor-proposals-row.jsonl') | ConvertFrom-Json
        $planted.proposal_id = 'PLANTED-1'; $planted.param = 'MM_API_KEY'; $planted.env_path = Join-Path $Sandbox.RepoPath '.env.eth'
        Add-Content (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl') ($planted | ConvertTo-Json -Compress)
        $refused = Invoke-Advisor mm_advisor_apply.py @('--proposal-id', 'PLANTED-1', '--approve')
        $refused.Json.results[0].failure_reason | Should -Be 'protected_key'
    }

    It 'warren-auto applies only deadman, high-confidence, warren, passed proposals' {
        $none = Invoke-Advisor mm_advisor_apply.py @('--mode', 'warren-auto', '--approve')
        Keys $none.Json | Should -Be (FixtureKeys 'advisor-apply-warren-auto')
        $none.Json.selected | Should -Be 0
        $none.ExitCode | Should -Be 0

        $ids = (Submit @(
            @{ market = 'ETH-USD'; param = 'MM_MIN_SPREAD_BPS'; proposed = '1'; deadman = $true; confidence = 'high'; escalation_target = 'warren' }
            @{ market = 'ETH-USD'; param = 'MM_SKEW_MAX_BPS'; proposed = '30'; deadman = $true; confidence = 'medium'; escalation_target = 'warren' })).Json.proposal_ids
        $auto = Invoke-Advisor mm_advisor_apply.py @('--mode', 'warren-auto', '--approve')
        $auto.Json.selected | Should -Be 1
        $auto.Json.results[0].proposal_id | Should -Be $ids[0]
        $auto.Json.applied_by | Should -Be 'warren_auto'
        EnvValue '.env.eth' 'MM_MIN_SPREAD_BPS' | Should -Be '1'
    }
}
