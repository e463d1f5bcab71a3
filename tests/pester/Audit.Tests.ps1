BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
}

AfterAll {
    $null = Invoke-Mmctl $Sandbox stop eth --json
    Remove-TestSandbox $Sandbox
}

Describe 'The audit journal' {
    BeforeAll {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $null = Stop-MmMarket btc -Reason 'close' -Confirm:$false
        $null = Start-MmMarket doge -Reason 'open' -Confirm:$false -ErrorAction SilentlyContinue
        try { Invoke-MmAction flatten -Market eth -Reason "risk" } catch { }
        $null = Invoke-WithFault 'garbage' -On 'restart' { Restart-MmMarket eth -Reason 'stuck' -Confirm:$false -ErrorAction SilentlyContinue }
        $script:Records = @(Get-MmAuditLog)
    }

    It 'has one record per attempt, refusals included' {
        $Records.Count | Should -Be 5
        $Records.Action | Should -Be @('start', 'stop', 'start', 'flatten', 'restart')
        $Records.Outcome | Should -Be @('Succeeded', 'NoChange', 'Refused', 'Refused', 'Failed')
        $Records[2].ErrorId | Should -Be 'UnknownMarket'
        $Records[4].ErrorId | Should -Be 'HostOutputInvalid'
    }

    It 'records who, where, how and what exactly ran' {
        $record = $Records[0]
        $record.PSObject.TypeNames[0] | Should -Be 'MmOperator.AuditRecord'
        $record.User | Should -Be ([Environment]::UserName)
        $record.HostName | Should -Be ([Environment]::MachineName)
        $record.ProcessId | Should -Be $PID
        $record.LanguageMode | Should -Be 'FullLanguage'
        $record.Cmdlet | Should -Be 'Start-MmMarket'
        $record.Market | Should -Be 'ETH-USD'
        $record.Reason | Should -Be 'open'
        $record.Approval | Should -Be 'ConfirmFalse'
        $record.Argv | Should -Be @($Sandbox.MmctlPath, 'start', 'eth', '--json')
        $record.ExitCode | Should -Be 0
        $record.Result.status | Should -Be 'started'
        $record.NewStatus | Should -Match '^ETH-USD: Running \(pid \d+\)$'
        $record.Time.Kind | Should -Be 'Utc'
    }

    It 'filters by time, market, action and count' {
        @(Get-MmAuditLog -Market ETH-USD).Count | Should -Be 2
        @(Get-MmAuditLog -Market eth).Count | Should -Be 3
        @(Get-MmAuditLog -Market .env.eth).Count | Should -Be 3 -Because 'a market file name stands for its slug'
        (TabExpansion2 -inputScript 'Get-MmAuditLog -Market .env.e' -cursorColumn 29).CompletionMatches.CompletionText | Should -Contain '.env.eth'
        @(Get-MmAuditLog -Action start).Count | Should -Be 2
        (Get-MmAuditLog -Last 1).Action | Should -Be 'restart'
        @(Get-MmAuditLog -Since ([datetime]::UtcNow.AddMinutes(5))).Count | Should -Be 0
    }

    It 'verifies' {
        $verification = Test-MmAuditLog
        $verification.IsValid | Should -BeTrue
        $verification.RecordCount | Should -Be 5
    }

    It 'finds a hand-edited record' {
        $copy = Join-Path $TestDrive 'edited.jsonl'
        $lines = Get-Content $Sandbox.AuditLogPath
        $lines[1] = $lines[1] -replace '"reason":"close"', '"reason":"routine"'
        Set-Content $copy $lines
        Copy-Item "$($Sandbox.AuditLogPath).key" "$copy.key"
        $verification = Test-MmAuditLog -Path $copy -ErrorAction SilentlyContinue -ErrorVariable broken
        $verification.IsValid | Should -BeFalse
        $verification.FirstBrokenLine | Should -Be 2
        $broken.FullyQualifiedErrorId | Should -Be 'AuditChainBroken,MmOperator.Commands.TestMmAuditLogCommand'
    }

    It 'finds a removed record' {
        $copy = Join-Path $TestDrive 'removed.jsonl'
        Get-Content $Sandbox.AuditLogPath | Select-Object -Index 0, 2, 3, 4 | Set-Content $copy
        Copy-Item "$($Sandbox.AuditLogPath).key" "$copy.key"
        (Test-MmAuditLog -Path $copy -ErrorAction SilentlyContinue).FirstBrokenLine | Should -Be 2
    }

    It 'records nothing for -WhatIf' {
        $before = (Get-FileHash $Sandbox.AuditLogPath).Hash
        Stop-MmMarket eth -Reason 'drill' -WhatIf 6>$null
        (Get-FileHash $Sandbox.AuditLogPath).Hash | Should -Be $before
    }

    It 'never holds a secret value from the host' {
        $secret = ((Get-Content (Join-Path $Sandbox.RepoPath '.env')) -match '^MM_API_KEY=') -replace '^MM_API_KEY=', ''
        $out = Invoke-WithFault 'leak' -On 'stop' { Stop-MmMarket eth -Reason 'rotate the key' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $null = Start-MmMarket eth -Reason 'reopen' -Confirm:$false
        Get-Content -Raw $Sandbox.AuditLogPath | Should -Not -Match ([regex]::Escape($secret))
        ($out | Out-String) + ($out | ForEach-Object { $_.Reason; $_.Detail; "$_" }) | Should -Not -Match ([regex]::Escape($secret))
        (Get-MmAuditLog -Last 2)[0].Detail | Should -Match 'auth failed'
    }

    It 'keeps one valid chain with concurrent sessions writing' {
        $journal = Join-Path $TestDrive 'concurrent/audit.jsonl'
        $script = "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$journal'; 1..15 | ForEach-Object { Start-MmMarket doge -Reason `"writer `$_`" -Confirm:`$false -ErrorAction SilentlyContinue }"
        $jobs = 1..4 | ForEach-Object { Start-ThreadJob -ScriptBlock { param($pwsh, $command) & dotnet $pwsh -NoProfile -NonInteractive -Command $command } -ArgumentList (Join-Path $PSHOME 'pwsh.dll'), $script }
        $null = $jobs | Wait-Job -Timeout 120 | Receive-Job
        $verification = Test-MmAuditLog -Path $journal
        $verification.IsValid | Should -BeTrue
        $verification.RecordCount | Should -Be 60
        @(Get-MmAuditLog -Path $journal | Select-Object -ExpandProperty ProcessId -Unique).Count | Should -Be 4
    }
}

Describe 'An unwritable journal means nothing runs' {
    It 'refuses before mmctl is called, naming the journal' {
        $blocker = Join-Path $TestDrive 'blocker'
        Set-Content $blocker 'a file where the folder should be'
        Set-MmOperatorOption -AuditLogPath (Join-Path $blocker 'audit.jsonl')
        try {
            $before = (Get-InvocationCount $Sandbox)
            { Start-MmMarket btc -Reason 'open' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AuditJournalUnavailable,MmOperator.Commands.StartMmMarketCommand' -ExpectedMessage '*Nothing was run*'
            (Get-InvocationCount $Sandbox) | Should -Be $before
        }
        finally { $Sandbox | Set-MmOperatorOption }
    }
}
