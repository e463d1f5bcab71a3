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

    It 'has a record of intent before each approved change, one of its end, and one per refused attempt' {
        $Records.Count | Should -Be 8
        $Records.Action | Should -Be @('start', 'start', 'stop', 'stop', 'start', 'flatten', 'restart', 'restart')
        $Records.Outcome | Should -Be @('Intended', 'Succeeded', 'Intended', 'NoChange', 'Refused', 'Refused', 'Intended', 'Failed')
        $Records[4].ErrorId | Should -Be 'UnknownMarket'
        $Records[7].ErrorId | Should -Be 'HostOutputInvalid'
        foreach ($end in 1, 3, 7) { $Records[$end].Attempt | Should -Be $Records[$end - 1].Id }
        $Records[0].Argv | Should -Be @($Sandbox.MmctlPath, 'start', 'eth', '--json')
    }

    It 'records who, where, how and what exactly ran' {
        $record = $Records[1]
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
        @(Get-MmAuditLog -Market ETH-USD).Count | Should -Be 4
        @(Get-MmAuditLog -Market eth).Count | Should -Be 5
        @(Get-MmAuditLog -Market .env.eth).Count | Should -Be 5 -Because 'a market file name stands for its slug'
        (TabExpansion2 -inputScript 'Get-MmAuditLog -Market .env.e' -cursorColumn 29).CompletionMatches.CompletionText | Should -Contain '.env.eth'
        @(Get-MmAuditLog -Action start).Count | Should -Be 3
        (Get-MmAuditLog -Last 1).Action | Should -Be 'restart'
        @(Get-MmAuditLog -Since ([datetime]::UtcNow.AddMinutes(5))).Count | Should -Be 0
    }

    It 'verifies' {
        $verification = Test-MmAuditLog
        $verification.IsValid | Should -BeTrue
        $verification.RecordCount | Should -Be 8
    }

    It 'finds a hand-edited record' {
        $copy = Join-Path $TestDrive 'edited.jsonl'
        $lines = Get-Content $Sandbox.AuditLogPath
        $lines[3] = $lines[3] -replace '"reason":"close"', '"reason":"routine"'
        Set-Content $copy $lines
        Copy-Item "$($Sandbox.AuditLogPath).key" "$copy.key"
        $verification = Test-MmAuditLog -Path $copy -ErrorAction SilentlyContinue -ErrorVariable broken
        $verification.IsValid | Should -BeFalse
        $verification.FirstBrokenLine | Should -Be 4
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
        (Get-MmAuditLog -Action stop -Last 1).Detail | Should -Match 'auth failed'
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

Describe 'Nothing runs unrecorded' {
    BeforeAll {
        # The system log, as logger reaches it: this container runs no syslog (no /dev/log), so the test binds a
        # unix datagram socket of its own and a person's session names it (MMOPERATOR_SYSLOG_SOCKET, read at import).
        $script:SocketPath = Join-Path ([IO.Path]::GetTempPath()) ('mmop-log-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:SystemLog = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Dgram, [Net.Sockets.ProtocolType]::Unspecified)
        $SystemLog.Bind([Net.Sockets.UnixDomainSocketEndPoint]::new($SocketPath))
        # The messages logger sent (they wait in the socket), each as the record's JSON after the syslog header.
        function script:Read-SystemLog {
            $buffer = [byte[]]::new(70000)
            while ($SystemLog.Available -gt 0) {
                $message = [Text.Encoding]::UTF8.GetString($buffer, 0, $SystemLog.Receive($buffer))
                $message | Should -Match '^<10>.* mmoperator\[\d+\]: \{'
                $message.Substring($message.IndexOf(': {') + 2) | ConvertFrom-Json
            }
        }
        function script:Person([string] $Command, [string] $Journal) {
            Invoke-FreshPwsh "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -PythonPath '$($Sandbox.PythonPath)' -AuditLogPath '$Journal'; $Command" -Environment @{ MMOPERATOR_SYSLOG_SOCKET = $SocketPath }
        }
    }

    AfterAll {
        $SystemLog.Dispose()
        Remove-Item $SocketPath -ErrorAction Ignore
        $Sandbox | Set-MmOperatorOption
    }

    It 'a torn journal tail refuses every state change before anything runs; a person''s stop still runs and reaches the system log' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $bot = (Invoke-Mmctl $Sandbox status eth --json).Json.instances[0].pid
        $journal = Join-Path $TestDrive 'torn/audit.jsonl'
        Set-MmOperatorOption -AuditLogPath $journal
        $null = Start-MmMarket doge -Reason 'a first record' -Confirm:$false -ErrorAction SilentlyContinue
        # Half a record at the end, as a write cut short leaves it.
        [IO.File]::AppendAllText($journal, (Get-Content -Raw $journal).Substring(0, 40))
        $torn = (Get-FileHash $journal).Hash
        $files = Get-FileHashes $Sandbox
        $ran = Get-InvocationCount $Sandbox
        @(
            @{ Command = { Start-MmMarket btc -Reason 'open' -Confirm:$false }; Class = 'StartMmMarketCommand' }
            @{ Command = { Restart-MmMarket eth -Reason 'stuck' -Confirm:$false }; Class = 'RestartMmMarketCommand' }
            @{ Command = { Invoke-MmAction start -Market btc -Reason 'open' -Confirm:$false }; Class = 'InvokeMmActionCommand' }
            @{ Command = { Invoke-MmPlaybook RecoveryAfterIncident -Market btc -Reason 'back' -Confirm:$false }; Class = 'InvokeMmPlaybookCommand' }
            @{ Command = { Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 21 -Reason 'tune' -Confirm:$false }; Class = 'SetMmEnvParamCommand' }
            @{ Command = { Remove-MmEnvParam -Market eth MM_SKEW_MAX_BPS -Reason 'tune' -Confirm:$false }; Class = 'RemoveMmEnvParamCommand' }
            @{ Command = { Submit-MmAdvisorProposal -Market eth -Param MM_MIN_OFFSET_BPS -Proposed 4 -Reason 'tighter' -Confirm:$false }; Class = 'SubmitMmAdvisorProposalCommand' }
            @{ Command = { Get-MmAdvisorProposal -FromHost -Reason 'look' -Confirm:$false }; Class = 'GetMmAdvisorProposalCommand' }
            @{ Command = { Approve-MmAdvisorProposal p-1 -Reason 'ok' -Confirm:$false }; Class = 'ApproveMmAdvisorProposalCommand' }
            @{ Command = { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false }; Class = 'InvokeMmAdvisorAutoApplyCommand' }
            @{ Command = { Approve-MmApprovalRequest apr-000000000000 -Reason 'ok' -Confirm:$false }; Class = 'ApproveMmApprovalRequestCommand' }
        ) | ForEach-Object {
            $command = $_.Command
            { $ErrorActionPreference = 'Stop'; & $command } | Should -Throw -ErrorId "AuditJournalTornTail,MmOperator.Commands.$($_.Class)" -ExpectedMessage '*a write was cut short. Nothing was run*Test-MmAuditLog*'
        }
        Get-InvocationCount $Sandbox | Should -Be $ran -Because 'mmctl and the advisor scripts never ran'
        Get-FileHashes $Sandbox | Should -Be $files
        (Get-FileHash $journal).Hash | Should -Be $torn

        $stop = Person "Stop-MmMarket eth -Reason 'SEV1 drawdown' -Confirm:`$false | ForEach-Object Outcome" $journal
        $stop.ExitCode | Should -Be 0
        $stop.Output | Should -Contain 'Succeeded'
        ($stop.Output -join "`n") | Should -Match 'THE AUDIT JOURNAL TAKES NO RECORDS: .*a write was cut short\. stop ETH-USD \(Intended\) runs anyway, because a person asked for a stop; its record \S+ went to the system log'
        @(Get-Invocation $Sandbox | Select-Object -Skip $ran).argv[0] | Should -Contain 'stop'
        Test-Alive $bot | Should -BeFalse
        $intent, $end = @(Read-SystemLog)
        ($intent.action, $intent.market, $intent.outcome, $intent.reason, $intent.language_mode) | Should -Be @('stop', 'ETH-USD', 'Intended', 'SEV1 drawdown', 'FullLanguage')
        $intent.argv | Should -Be @($Sandbox.MmctlPath, 'stop', 'eth', '--json')
        ($end.outcome, $end.attempt, $end.result.status) | Should -Be @('Succeeded', $intent.id, 'stopped')
        (Get-FileHash $journal).Hash | Should -Be $torn -Because 'the journal took nothing'
    }

    It 'an append cut short by the file size limit is undone, nothing runs, and the session lives on' {
        $journal = Join-Path $TestDrive 'limited/audit.jsonl'
        Set-MmOperatorOption -AuditLogPath $journal
        $null = Start-MmMarket doge -Reason 'a first record' -Confirm:$false -ErrorAction SilentlyContinue
        $size = (Get-Item $journal).Length
        $ran = Get-InvocationCount $Sandbox
        # A limit 100 bytes past the journal's end (prlimit sets it in bytes, as ulimit -f does in KB): the intent's
        # write is cut there. W^X off: .NET's double mapping of code is a file the limit would cap at startup.
        $command = "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$journal'; try { Start-MmMarket btc -Reason 'open' -Confirm:`$false -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }; 'lives on'"
        $out = Use-Environment @{ DOTNET_EnableWriteXorExecute = '0' } { & prlimit "--fsize=$($size + 100)" dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $command 2>&1 }
        $LASTEXITCODE | Should -Be 0 -Because 'SIGXFSZ does not end the session'
        $out | Should -Contain 'AuditJournalUnavailable,MmOperator.Commands.StartMmMarketCommand'
        ($out -join "`n") | Should -Match "file size limit \(ulimit -f\); the partial record was removed, the journal is as it was\)\. Nothing was run"
        $out[-1] | Should -Be 'lives on'
        (Get-Item $journal).Length | Should -Be $size
        (Test-MmAuditLog -Path $journal).IsValid | Should -BeTrue
        Get-InvocationCount $Sandbox | Should -Be $ran
    }

    It '100,000 refused rows grow the journal by less than 1 MB, and Get-MmHealth shows the growth' {
        $journal = Join-Path $TestDrive 'flood/audit.jsonl'
        Set-MmOperatorOption -AuditLogPath $journal
        $null = Start-MmMarket doge -Reason 'a first record' -Confirm:$false -ErrorAction SilentlyContinue
        $before = (Get-Item $journal).Length
        [Linq.Enumerable]::Repeat([pscustomobject]@{ Market = 'eth'; Name = 'MM_API_KEY'; Value = '1'; Reason = 'flood' }, 100000) | Set-MmEnvParam -Confirm:$false -ErrorAction Ignore
        (Get-Item $journal).Length - $before | Should -BeLessThan 2KB -Because 'the 100,000 refusals are one record'
        { [Linq.Enumerable]::Repeat(@{ Market = 'eth'; Param = 'MM_API_KEY'; Proposed = '1' }, 100000) | Submit-MmAdvisorProposal -Reason 'flood' -Confirm:$false } |
            Should -Throw -ErrorId 'ProposalRowLimit,MmOperator.Commands.SubmitMmAdvisorProposalCommand' -ExpectedMessage '*at most 1000 rows*row 1001 is one more*'
        (Get-Item $journal).Length - $before | Should -BeLessThan 1MB
        $records = @(Get-MmAuditLog -Path $journal | Select-Object -Skip 1)
        $records.Count | Should -Be 2
        $records[0].Detail | Should -BeLike '100001 attempts of this command were refused (protected_key x100000, EnvCampaignNotApplied x1), for ETH-USD, 100000 edits; the first: *' -Because 'each refused row, and the campaign that wrote nothing for them, is counted in the one record'
        $records[1].ErrorId | Should -Be 'ProposalRowLimit'
        $health = Get-MmHealth -ErrorAction SilentlyContinue
        $health.JournalBytes | Should -Be (Get-Item $journal).Length
        $health.JournalBytesLastHour | Should -Be (Get-Item $journal).Length
        ($health | Format-List | Out-String) | Should -Match 'JournalSize\s+: \d+ KB, \d+ KB of it in the last hour'
    }
}
