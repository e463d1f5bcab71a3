BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    function script:Id([string] $Name, [string] $Command = 'UndoMmEnvParamCommand') { "$Name,MmOperator.Commands.$Command" }
    function script:EnvPath([string] $Name) { Join-Path $Sandbox.RepoPath $Name }
    function script:Value([string] $Market, [string] $Key) { (Get-MmEnvParam $Market $Key).Value }
    function script:BatchOf($Change) { (Get-MmAuditLog | Where-Object Id -eq $Change.AuditId).Batch }
    function script:Campaign([object[]] $Rows) { $Rows | ForEach-Object { [pscustomobject]$_ } | Set-MmEnvParam -Confirm:$false }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Get-MmEnvHistory' {
    BeforeAll {
        $script:Start = [DateTime]::UtcNow
        $script:Edit = Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.7 -Reason 'widen' -Confirm:$false
        $script:Added = Set-MmEnvParam -Market btc MM_STALE_CANCEL_GRACE_S 2 -Reason 'new guard' -Confirm:$false
        $script:Removed = Remove-MmEnvParam -Market btc MM_STALE_CANCEL_GRACE_S -Reason 'not needed' -Confirm:$false
        # The host's own rows: a manual edit (one of a secret key too), an apply the host ran, one the module's rows, a torn line.
        $changelog = EnvPath 'data/mm_audit/config_changelog.jsonl'
        $ts = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0 + 1
        Add-Content $changelog @(
            ('{{"ts": {0}, "market": "ETH-USD", "agent": "deploy-bot", "source": "manual_env_edit_tool", "env_before": "{1}", "env_after": "{1}", "param": "MM_MIN_OFFSET_BPS", "old": "3", "new": "5", "reasons": ["manual_env_edit"]}}' -f $ts, (EnvPath '.env.eth'))
            ('{{"ts": {0}, "market": "ETH-USD", "agent": "deploy-bot", "source": "manual_env_edit_tool", "env_before": "{1}", "env_after": "{1}", "param": "MM_API_KEY", "old": "sk-live-old-1", "new": "sk-live-new-2", "reasons": ["rotate"]}}' -f ($ts + 1), (EnvPath '.env.eth'))
            ('{{"proposal_id": "q-9", "market": "BTC-USD", "param": "MM_SKEW_MAX_BPS", "old": "20", "proposed": "30", "env_path": "{1}", "reason_note": "skew more", "ts": {0}, "applied": true, "source": "mm_advisor_apply", "applied_by": "warren_auto", "apply_result": "applied"}}' -f ($ts + 2), (EnvPath '.env.btc'))
            ('{{"proposal_id": "q-10", "market": "BTC-USD", "param": "MM_SKEW_MAX_BPS", "old": "30", "proposed": "40", "env_path": "{1}", "ts": {0}, "applied": false, "source": "mm_advisor_apply", "apply_result": "failed"}}' -f ($ts + 3), (EnvPath '.env.btc'))
            '{"ts": 1, "torn'
        )
        $script:Invocations = Get-InvocationCount $Sandbox
        $script:History = Get-MmEnvHistory
    }

    It 'lists the module''s edits, the host''s manual edits and applies, oldest first, typed' {
        $History[0].PSObject.TypeNames[0] | Should -Be 'MmOperator.EnvHistoryEntry'
        $History.Key | Should -Be @('MM_SPREAD_MULTIPLIER', 'MM_STALE_CANCEL_GRACE_S', 'MM_STALE_CANCEL_GRACE_S', 'MM_MIN_OFFSET_BPS', 'MM_API_KEY', 'MM_SKEW_MAX_BPS')
        $History.How | Should -Be @('module edit', 'module edit', 'module edit', 'manual edit', 'manual edit', 'advisor apply')
        $History.Action | Should -Be @('set', 'set', 'remove', 'set', 'set', 'set')
        $History[0].PreviousValue | Should -Be '1.5'
        $History[0].NewValue | Should -Be '1.7'
        $History[0].Id | Should -Be $Edit.AuditId
        $History[0].Batch | Should -Be (BatchOf $Edit)
        $History[0].User | Should -Be ([Environment]::UserName)
        $History[0].Reason | Should -Be 'widen'
        $History[0].Time.Kind | Should -Be 'Utc'
        $History[0].Time | Should -BeGreaterOrEqual $Start.AddSeconds(-1)
        $History[1].PreviousValue | Should -BeNullOrEmpty
        $History[2].NewValue | Should -BeNullOrEmpty
        $History[3].User | Should -Be 'deploy-bot'
        $History[3].Id | Should -Match '^changelog:\d+$'
        $History[5].User | Should -Be 'warren_auto'
        $History[5].Reason | Should -Be 'skew more'
    }

    It 'never shows a secret value, and starts no process' {
        ($History | Where-Object Key -eq MM_API_KEY).NewValue | Should -Be '********'
        $text = ($History | Out-String) + ($History | Format-List * | Out-String) + ($History | ConvertTo-Json)
        $text | Should -Not -Match 'sk-live'
        Get-InvocationCount $Sandbox | Should -Be $Invocations
    }

    It 'filters by market, key, time and batch' {
        (Get-MmEnvHistory btc).Key | Should -Be @('MM_STALE_CANCEL_GRACE_S', 'MM_STALE_CANCEL_GRACE_S', 'MM_SKEW_MAX_BPS')
        (Get-MmEnvHistory .env.eth MM_SPREAD*).Id | Should -Be $Edit.AuditId
        @(Get-MmEnvHistory -Since $History[3].Time).Count | Should -Be 3
        @(Get-MmEnvHistory -Until $History[1].Time).Count | Should -Be 2
        (Get-MmEnvHistory -Batch (BatchOf $Removed)).Action | Should -Be 'remove'
    }

    It 'shows each change whole at 80 columns: the key diff, then how, who, id and batch' {
        $view = $History[0] | Out-String -Width 80
        $view | Should -Match "(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ ETH-USD MM_SPREAD_MULTIPLIER: '1.5' -> '1.7'"
        $view | Should -Match ([regex]::Escape("id $($Edit.AuditId)"))
        ($view -split '\r?\n' | Measure-Object Length -Maximum).Maximum | Should -BeLessOrEqual 80
    }
}

Describe 'Undo-MmEnvParam' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'undoes a whole campaign by its batch, through approval and the journal: values put back, an added key removed' {
        $rows = Campaign @(
            @{ Market = 'eth'; Name = 'MM_MAX_ORDER_AGE_S'; Value = '25'; Reason = 'campaign' }
            @{ Market = 'btc'; Name = 'MM_MAX_ORDER_AGE_S'; Value = '25'; Reason = 'campaign' }
            @{ Market = 'btc'; Name = 'MM_IMBALANCE_WINDOW_S'; Value = '30'; Reason = 'campaign' })
        $batch = BatchOf $rows[0]
        $plan = @(Undo-MmEnvParam -Batch $batch -Reason 'too slow' -WhatIf 6>&1) -join "`n"
        $plan | Should -Match "1\. set MM_MAX_ORDER_AGE_S in .*\.env\.eth: '25' -> '15'"
        $plan | Should -Match "3\. remove MM_IMBALANCE_WINDOW_S in .*\.env\.btc: '30' -> \(absent\)"
        Value eth MM_MAX_ORDER_AGE_S | Should -Be '25'

        $undone = Undo-MmEnvParam -Batch $batch -Reason 'too slow' -Confirm:$false
        $undone.NewValue | Should -Be @('15', '15', $null)
        $undone[0].Reason | Should -Be "undo $($rows[0].AuditId): too slow"
        Value eth MM_MAX_ORDER_AGE_S | Should -Be '15'
        Get-MmEnvParam btc MM_IMBALANCE_WINDOW_S | Should -BeNullOrEmpty
        $records = Get-MmAuditLog | Where-Object Batch -eq (BatchOf $undone[0]) | Where-Object Outcome -ne Intended
        $records.Action | Should -Be @('set', 'set', 'remove')
        $records.Approval | Should -Be @('ConfirmFalse', 'ConfirmFalse', 'ConfirmFalse')
        (Get-MmEnvHistory eth MM_MAX_ORDER_AGE_S)[-1].Reason | Should -BeLike 'undo *: too slow'
    }

    It 'refuses a key changed again since, unless -Force, and says so' {
        $first = Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 22 -Reason 'first' -Confirm:$false
        $null = Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 24 -Reason 'later' -Confirm:$false
        { Undo-MmEnvParam $first.AuditId -Reason 'revert first' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvUndoSuperseded) -ExpectedMessage "*changed again since*'22' -> '24'*-Force*"
        Value eth MM_SKEW_MAX_BPS | Should -Be '24'
        # A hand edit no record shows is caught too: the file no longer holds what the change wrote.
        $last = Get-MmEnvHistory eth MM_SKEW_MAX_BPS | Select-Object -Last 1
        (Get-Content -Raw (EnvPath '.env.eth')) -replace 'MM_SKEW_MAX_BPS=24', 'MM_SKEW_MAX_BPS=26' | Set-Content -NoNewline (EnvPath '.env.eth')
        { $last | Undo-MmEnvParam -Reason 'revert later' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvUndoSuperseded) -ExpectedMessage "*holds '26'*"
        $forced = Undo-MmEnvParam $first.AuditId -Reason 'revert first' -Force -Confirm:$false
        $forced.PreviousValue | Should -Be '26'
        Value eth MM_SKEW_MAX_BPS | Should -Be '20'
    }

    It 'puts a market back as it was at a time' {
        $before = [DateTime]::UtcNow
        $null = Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 6 -Reason 'a' -Confirm:$false
        $null = Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 7 -Reason 'b' -Confirm:$false
        $undone = Undo-MmEnvParam -Market BTC-USD -Name MM_MIN* -Before $before -Reason 'as this morning' -Confirm:$false
        $undone.PreviousValue | Should -Be '7'
        Value btc MM_MIN_OFFSET_BPS | Should -Be '3'
    }

    It 'refuses an id no record has, journals the refusal, and changes nothing' {
        $journal = @(Get-MmAuditLog).Count
        { Undo-MmEnvParam 'nope-1' -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvUndoNotFound)
        (Get-MmAuditLog | Select-Object -Skip $journal).Outcome | Should -Be 'Refused'
    }
}

Describe 'A campaign asks one question' {
    It 'a person is asked once for every file of the command, and both are written' {
        $shown = Invoke-AsPerson $env:MMOPERATOR_TEST_MODULE $Sandbox "Set-MmEnvParam -Market eth, btc MM_SKEW_MAX_BPS 21 -Reason 'one question'" -Answer 0
        [regex]::Matches($shown, '(?m)^Plan:').Count | Should -Be 1
        $shown | Should -Match "1\. set MM_SKEW_MAX_BPS in .*\.env\.eth: '20' -> '21'\n  2\. set MM_SKEW_MAX_BPS in .*\.env\.btc: '\d+' -> '21'"
        Value eth MM_SKEW_MAX_BPS | Should -Be '21'
        Value btc MM_SKEW_MAX_BPS | Should -Be '21'
    }
}
