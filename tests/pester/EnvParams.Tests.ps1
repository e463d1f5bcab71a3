BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    function script:Id([string] $Name, [string] $Command = 'SetMmEnvParamCommand') { "$Name,MmOperator.Commands.$Command" }
    function script:EnvPath([string] $Name) { Join-Path $Sandbox.RepoPath $Name }
    function script:Secrets { (Get-Content (EnvPath '.env.eth')) -match '^MM_(API_KEY|STARK_PRIVATE_KEY|STARK_PUBLIC_KEY|VAULT_ID|BUILDER_ID)=' -replace '^[A-Z_]+=', '' }
    function script:Snapshot { @(Get-FileHashes $Sandbox) + @((Get-InvocationCount $Sandbox)) }
}

AfterAll {
    $null = Invoke-Mmctl $Sandbox stop eth --json
    Remove-TestSandbox $Sandbox
}

Describe 'Get-MmEnvParam' {
    It 'gives one object per key as the host reads it' {
        $spread = Get-MmEnvParam eth MM_SPREAD_MULTIPLIER
        $spread.PSObject.TypeNames[0] | Should -Be 'MmOperator.EnvParam'
        $spread.File | Should -Be (EnvPath '.env.eth')
        $spread.Market | Should -Be 'ETH-USD'
        $spread.Shared | Should -BeFalse
        $spread.Value | Should -Be '1.5'
        $spread.Line | Should -Be ((Select-String -Path (EnvPath '.env.eth') -Pattern '^MM_SPREAD_MULTIPLIER=').LineNumber)
        $spread.IsProtected | Should -BeFalse
    }

    It 'masks every protected value and never prints a secret' {
        $all = Get-MmEnvParam
        ($all | Where-Object IsProtected).Key | Sort-Object -Unique | Should -Be @('MM_API_KEY', 'MM_BUILDER_ID', 'MM_STARK_PRIVATE_KEY', 'MM_STARK_PUBLIC_KEY', 'MM_VAULT_ID')
        ($all | Where-Object IsProtected).Value | Sort-Object -Unique | Should -Be '********'
        $text = ($all | Format-List * | Out-String) + ($all | Out-String) + ($all | ConvertTo-Json)
        foreach ($secret in Secrets) { $text | Should -Not -Match ([regex]::Escape($secret)) }
    }

    It 'reads the shared file, all files, and filters by wildcard' {
        (Get-MmEnvParam -Shared MM_LOG*).Key | Should -Be 'MM_LOG_LEVEL'
        (Get-MmEnvParam -Shared MM_LOG*).Shared | Should -BeTrue
        @(Get-MmEnvParam -Name MM_MARKET_NAME).Market | Should -Be @('BTC-USD', 'ETH-USD')
    }

    It 'reads a duplicated key as the host does: the last copy wins' {
        Add-Content (EnvPath '.env.btc') 'MM_MIN_OFFSET_BPS=9  # override'
        $offset = Get-MmEnvParam btc MM_MIN_OFFSET_BPS
        $offset.Value | Should -Be '9'
        $offset.Occurrences | Should -Be 2
    }

    It 'refuses a bad market like every other cmdlet' {
        { Get-MmEnvParam 'ETH/USD' -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidMarketFormat GetMmEnvParamCommand)
    }
}

Describe 'Set-MmEnvParam and Remove-MmEnvParam' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'sets a key, keeps its inline comment, reports the key diff and the new status' {
        (Get-Content -Raw (EnvPath '.env.eth')) -replace 'MM_MAX_ORDER_AGE_S=15', 'MM_MAX_ORDER_AGE_S=15  # seconds' | Set-Content -NoNewline (EnvPath '.env.eth')
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $change = Set-MmEnvParam -Market eth -Name MM_MAX_ORDER_AGE_S -Value 20 -Reason 'slower cancels' -Confirm:$false
        $change.PSObject.TypeNames[0] | Should -Be 'MmOperator.EnvChange'
        $change.File | Should -Be (EnvPath '.env.eth')
        $change.Key | Should -Be 'MM_MAX_ORDER_AGE_S'
        $change.PreviousValue | Should -Be '15'
        $change.NewValue | Should -Be '20'
        $change.Changed | Should -BeTrue
        $change.NewStatus.State | Should -Be 'Running'
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', 'eth', '--json')
        Get-Content (EnvPath '.env.eth') | Should -Contain 'MM_MAX_ORDER_AGE_S=20  # seconds'
        ($change | Out-String) | Should -Match "(?m)^Result:\r?\n- \.env\.eth MM_MAX_ORDER_AGE_S: '15' -> '20'\r?\n- ETH-USD is running: the change takes effect on restart \(Restart-MmMarket eth\)\r?\nNew status:\r?\n- ETH-USD: Running \(pid \d+\)"
    }

    It 'the shared file is followed by mmctl status --json' {
        $change = Set-MmEnvParam -Shared -Name MM_LOG_LEVEL -Value DEBUG -Reason 'debug' -Confirm:$false
        $change.Shared | Should -BeTrue
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', '--json')
        $null = Set-MmEnvParam -Shared -Name MM_LOG_LEVEL -Value INFO -Reason 'back' -Confirm:$false
    }

    It 'setting the value a key already has changes nothing and says so' {
        $before = Snapshot
        $same = Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.5 -Reason 'same' -Confirm:$false
        $same.Changed | Should -BeFalse
        ($same | Out-String) | Should -Match 'unchanged'
        Snapshot | Should -Be $before
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'NoChange'
    }

    It 'appends a new key and removes it again, journalling both' {
        $added = Set-MmEnvParam -Market eth MM_STALE_CANCEL_GRACE_S 2 -Reason 'new guard' -Confirm:$false
        $added.PreviousValue | Should -BeNullOrEmpty
        (Get-Content (EnvPath '.env.eth'))[-1] | Should -Be 'MM_STALE_CANCEL_GRACE_S=2'
        $removed = Remove-MmEnvParam -Market eth MM_STALE_CANCEL_GRACE_S -Reason 'not needed' -Confirm:$false
        $removed.PreviousValue | Should -Be '2'
        $removed.NewValue | Should -BeNullOrEmpty
        Get-Content (EnvPath '.env.eth') | Should -Not -Contain 'MM_STALE_CANCEL_GRACE_S=2'
        $audit = Get-MmAuditLog -Last 4 | Where-Object Outcome -ne Intended
        $audit.Action | Should -Be @('set', 'remove')
        $audit.PreviousValue | Should -Be @($null, '2')
        $audit.NewValue | Should -Be @('2', $null)
    }

    It 'takes changes from the pipeline: Get-MmEnvParam, and rows of a CSV' {
        $piped = Get-MmEnvParam eth, btc MM_SKEW_MAX_BPS | Set-MmEnvParam -Value 25 -Reason 'more skew' -Confirm:$false
        $piped.File | Should -Be @((EnvPath '.env.eth'), (EnvPath '.env.btc'))
        $csv = Join-Path $TestDrive 'changes.csv'
        @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '20'; Reason = 'revert eth' }
          [pscustomobject]@{ Market = 'btc'; Name = 'MM_SKEW_MAX_BPS'; Value = '20'; Reason = 'revert btc' }) | Export-Csv $csv
        $rows = Import-Csv $csv | Set-MmEnvParam -Confirm:$false
        $rows.NewValue | Should -Be @('20', '20')
        $rows.Reason | Should -Be @('revert eth', 'revert btc')
    }

    It 'a CSV campaign is all or nothing: one refused row writes none, each refusal names its market and file' {
        $csv = Join-Path $TestDrive 'campaign.csv'
        @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '21'; Reason = 'campaign' }
          [pscustomobject]@{ Market = 'btc'; Name = 'MM_MIN_OFFSET_BPS'; Value = '4'; Reason = 'campaign' }
          [pscustomobject]@{ Market = 'btc'; Name = 'MM_SKEW_MAX_BPS'; Value = 'lots'; Reason = 'campaign' }) | Export-Csv $csv
        $before = Snapshot
        $journal = @(Get-MmAuditLog).Count
        $rows = Import-Csv $csv | Set-MmEnvParam -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        Snapshot | Should -Be $before
        $refused.FullyQualifiedErrorId | Should -Be @((Id EnvValueOutOfBounds), (Id EnvCampaignNotApplied))
        $refused[0].TargetObject.Market | Should -Be 'BTC-USD'
        $refused[0].TargetObject.File | Should -Be (EnvPath '.env.btc')
        $refused[0].TargetObject.Key | Should -Be 'MM_SKEW_MAX_BPS'
        "$($refused[0])" | Should -BeLike "BTC-USD ($(EnvPath '.env.btc')): *"
        "$($refused[1])" | Should -BeLike '1 of the 3 edits of this command was refused*none of the 2 valid ones*-ContinueOnError*'
        # The refusals are one journal record, and nothing was intended.
        $new = @(Get-MmAuditLog) | Select-Object -Skip $journal
        $new.Outcome | Should -Be 'Refused'
        $new.Detail | Should -Match 'EnvCampaignNotApplied'
    }

    It '-ContinueOnError applies the valid rows of a campaign and refuses the bad ones' {
        $csv = Join-Path $TestDrive 'campaign.csv'
        @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '21'; Reason = 'campaign' }
          [pscustomobject]@{ Market = 'btc'; Name = 'MM_SKEW_MAX_BPS'; Value = 'lots'; Reason = 'campaign' }) | Export-Csv $csv
        $rows = Import-Csv $csv | Set-MmEnvParam -ContinueOnError -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $rows.Market | Should -Be 'ETH-USD'
        $refused.FullyQualifiedErrorId | Should -Be (Id EnvValueOutOfBounds)
        $null = Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 20 -Reason 'back' -Confirm:$false
    }

    It 'a campaign is one Plan that lists every key diff, and its records share one batch' {
        $csv = Join-Path $TestDrive 'campaign.csv'
        @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '22'; Reason = 'campaign' }
          [pscustomobject]@{ Market = 'btc'; Name = 'MM_SKEW_MAX_BPS'; Value = '22'; Reason = 'campaign' }) | Export-Csv $csv
        $plan = @(Import-Csv $csv | Set-MmEnvParam -WhatIf 6>&1) -join "`n"
        $plan | Should -BeExactly (@('Plan:', '- Action(s):', "  1. set MM_SKEW_MAX_BPS in $(EnvPath '.env.eth'): '20' -> '22'", "  2. set MM_SKEW_MAX_BPS in $(EnvPath '.env.btc'): '20' -> '22'", '- Reason: campaign', 'Need approval: YES') -join "`n")
        $rows = Import-Csv $csv | Set-MmEnvParam -Confirm:$false
        @($rows.AuditId | ForEach-Object { $id = $_; (Get-MmAuditLog | Where-Object Id -eq $id).Batch } | Sort-Object -Unique).Count | Should -Be 1
        $null = Import-Csv $csv | Set-MmEnvParam -Value 20 -Reason back -Confirm:$false
    }

    It 'a write that fails midway stops the campaign and says exactly which rows were written' {
        # The lock's path a folder: the write of btc fails after eth's was made (as a full disk would).
        Remove-Item -Force (EnvPath '.env.btc.lock') -ErrorAction SilentlyContinue
        $null = New-Item -ItemType Directory (EnvPath '.env.btc.lock') -ErrorAction Stop
        try {
            $rows = Set-MmEnvParam -Market eth, btc MM_SKEW_MAX_BPS 23 -Reason 'campaign' -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        }
        finally { Remove-Item -Force (EnvPath '.env.btc.lock') }
        $rows.Market | Should -Be 'ETH-USD'
        $failed.FullyQualifiedErrorId | Should -Be @((Id EnvWriteFailed), (Id EnvCampaignPartlyApplied))
        "$($failed[1])" | Should -BeLike '*Written (1): ETH-USD MM_SKEW_MAX_BPS. Not written (1): BTC-USD MM_SKEW_MAX_BPS.*Undo-MmEnvParam -Batch *'
        (Get-MmEnvParam btc MM_SKEW_MAX_BPS).Value | Should -Be '20'
        $null = Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 20 -Reason 'back' -Confirm:$false
    }

    It '-WhatIf prints the Plan with the file and the key diff, and changes nothing' {
        $before = Snapshot
        # The Plan is host text (an information record tagged PSHOST, as Write-Host writes): 6>&1 captures all of it.
        $output = @(Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.8 -Reason 'widen in high vol' -WhatIf 6>&1)
        $output | ForEach-Object { $_ | Should -BeOfType ([System.Management.Automation.InformationRecord]) }
        ($output -join "`n") | Should -BeExactly (@('Plan:', "- Action(s): set MM_SPREAD_MULTIPLIER in $(EnvPath '.env.eth'): '1.5' -> '1.8'", '- Reason: widen in high vol', 'Need approval: YES') -join "`n")
        Snapshot | Should -Be $before
    }
}

Describe 'Guardrails: refused with a stable id, nothing run, every byte kept' {
    BeforeAll {
        Set-Content (EnvPath '.env.sol') 'MM_MARKET_NAME=SOL-USD' -Force
        $real = Join-Path $TestDrive 'real.env'; Set-Content $real 'MM_MARKET_NAME=LNK-USD'
        New-Item -ItemType SymbolicLink -Path (EnvPath '.env.lnk') -Target $real -Force | Out-Null
    }
    AfterAll { Remove-Item (EnvPath '.env.sol'), (EnvPath '.env.lnk') -Force }

    It 'refuses <Key>=<Value> on <Target> with <Id>' -ForEach @(
        @{ Target = 'eth'; Key = 'MM_API_KEY'; Value = 'sk-live-7f3a9c01'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_STARK_PRIVATE_KEY'; Value = '0xfeedc0ffee01'; Id = 'protected_key'; Extra = @{ AllowNonMmKey = $true } }
        @{ Target = 'eth'; Key = 'MM_STARK_PUBLIC_KEY'; Value = '0xabc'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_VAULT_ID'; Value = '1'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_BUILDER_ID'; Value = '1'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'mm_api_key'; Value = 'sk-lower-5e6d7c'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_FEED_SECRET'; Value = 'feed-secret-4b3a'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'EXCHANGE_API_KEY'; Value = 'x'; Id = 'protected_key'; Extra = @{ AllowNonMmKey = $true } }
        @{ Target = 'eth'; Key = 'MM_WALLET_MNEMONIC'; Value = 'x'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_PASSPHRASE'; Value = 'x'; Id = 'protected_key'; Extra = @{} }
        @{ Target = 'eth'; Key = 'mm_spread_multiplier'; Value = '2'; Id = 'InvalidEnvKey'; Extra = @{} }
        @{ Target = 'eth'; Key = "MM_SPREAD`nX"; Value = '2'; Id = 'InvalidEnvKey'; Extra = @{} }
        @{ Target = 'eth'; Key = 'EXTENDED_ENV'; Value = 'mainnet'; Id = 'NonMmKeyRefused'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = "a`nb"; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = "a`rb"; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = "a`0b"; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = '"quoted"'; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = 'a #b'; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = ' x'; Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NOTE'; Value = ('x' * 1MB); Id = 'InvalidEnvValue'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NUM_PRICE_LEVELS'; Value = '50'; Id = 'EnvValueOutOfBounds'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_NUM_PRICE_LEVELS'; Value = '2.5'; Id = 'EnvValueOutOfBounds'; Extra = @{} }
        @{ Target = 'eth'; Key = 'MM_TREND_ENABLED'; Value = 'maybe'; Id = 'EnvValueOutOfBounds'; Extra = @{} }
        @{ Target = 'doge'; Key = 'MM_SPREAD_MULTIPLIER'; Value = '2'; Id = 'UnknownMarket'; Extra = @{} }
        @{ Target = '.env.eth.iter003'; Key = 'MM_SPREAD_MULTIPLIER'; Value = '2'; Id = 'InvalidMarketFormat'; Extra = @{} }
        @{ Target = '../.env.eth'; Key = 'MM_SPREAD_MULTIPLIER'; Value = '2'; Id = 'InvalidMarketFormat'; Extra = @{} }
        @{ Target = 'lnk'; Key = 'MM_SPREAD_MULTIPLIER'; Value = '2'; Id = 'UnknownMarket'; Extra = @{} }
    ) {
        $before = Snapshot
        $audit = (Get-MmAuditLog).Count
        { Set-MmEnvParam -Market $Target -Name $Key -Value $Value -Reason 'guardrail test' -Confirm:$false @Extra -ErrorAction Stop } | Should -Throw -ErrorId (Id $Id)
        Snapshot | Should -Be $before
        $record = Get-MmAuditLog -Last 1
        (Get-MmAuditLog).Count | Should -Be ($audit + 1)
        $record.Outcome | Should -Be 'Refused'
        $record.ErrorId | Should -Be $Id
        if ($Id -eq 'protected_key' -and $Value.Length -ge 6) {
            Get-Content -Raw $Sandbox.AuditLogPath | Should -Not -Match ([regex]::Escape($Value))
            $record.Detail | Should -Not -Match ([regex]::Escape($Value))
        }
    }

    It 'a protected key is refused on the shared file and by Remove too' {
        $before = Snapshot
        { Set-MmEnvParam -Shared MM_API_KEY 'new-key-value' -Reason 'rotate' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id protected_key)
        { Remove-MmEnvParam -Market eth MM_VAULT_ID -Reason 'clean' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id protected_key RemoveMmEnvParamCommand)
        Snapshot | Should -Be $before
    }

    It 'a protected key is refused under -WhatIf before any plan shows its value' {
        $output = @(try { Set-MmEnvParam -Market eth MM_API_KEY 'sk-visible-9f8e7d' -Reason 'rotate' -WhatIf -ErrorAction Stop *>&1 } catch { $_.FullyQualifiedErrorId; $_.Exception.Message })
        $output | Should -Contain (Id protected_key)
        ($output -join "`n") | Should -Not -Match 'sk-visible-9f8e7d'
        ($output -join "`n") | Should -Not -Match 'Plan:'
    }

    It 'refuses <_>, which changes how a process loads code, with any option and in a proposal: no byte changed, nothing run' -ForEach 'LD_PRELOAD', 'GCONV_PATH', 'PYTHONPATH' {
        $before = Snapshot
        { Set-MmEnvParam -Shared -Name $_ -Value '/tmp/mmop-agent/x' -Reason 'a human asked for it' -AllowNonMmKey -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id LoaderKeyRefused)
        { Remove-MmEnvParam -Market eth -Name $_ -Reason 'a human asked for it' -AllowNonMmKey -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id LoaderKeyRefused RemoveMmEnvParamCommand)
        { Submit-MmAdvisorProposal -Market eth -Param $_ -Proposed '/tmp/mmop-agent/x' -Reason 'faster' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id LoaderKeyRefused SubmitMmAdvisorProposalCommand)
        Snapshot | Should -Be $before
        (Get-MmAuditLog -Last 1).ErrorId | Should -Be 'LoaderKeyRefused'
    }

    It 'a non-MM_ key is allowed only with -AllowNonMmKey' {
        $change = Set-MmEnvParam -Shared -Name EXTENDED_ENV -Value testnet2 -Reason 'a human asked for it' -AllowNonMmKey -Confirm:$false
        $change.NewValue | Should -Be 'testnet2'
        $null = Remove-MmEnvParam -Shared -Name EXTENDED_ENV -Reason 'undo' -AllowNonMmKey -Confirm:$false
    }

    It 'a key missing from whitelist.json is allowed with a warning' {
        $warnings = Set-MmEnvParam -Market eth MM_CUSTOM_FLAG on -Reason 'experiment' -Confirm:$false 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        "$warnings" | Should -Match 'whitelist.json'
        $null = Remove-MmEnvParam -Market eth MM_CUSTOM_FLAG -Reason 'undo' -Confirm:$false
    }

    It 'names exactly one kind of file' {
        { Set-MmEnvParam -Name MM_X -Value 1 -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvTargetRequired)
        { Set-MmEnvParam -Market eth -Shared -Name MM_X -Value 1 -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvTargetRequired)
    }

    It 'a missing shared .env is refused, never created' {
        Rename-Item (EnvPath '.env') '.env.moved' -Force
        try {
            { Set-MmEnvParam -Shared MM_LOG_LEVEL DEBUG -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EnvFileRefused)
            EnvPath '.env' | Should -Not -Exist
        }
        finally { Rename-Item (EnvPath '.env.moved') '.env' -Force }
    }
}

Describe 'A file the host reads otherwise than it looks' {
    BeforeAll { $script:Btc = Get-Content -Raw (EnvPath '.env.btc') }
    AfterEach { [IO.File]::WriteAllText((EnvPath '.env.btc'), $Btc) }

    It '<Separator> in a comment: the rest is a live line for the host, shown so and never edited' -ForEach @(
        @{ Separator = 'U+2028'; Char = [char] 0x2028; Command = 'Set' }
        @{ Separator = 'U+0085'; Char = [char] 0x85; Command = 'Set' }
        @{ Separator = 'U+000C'; Char = [char] 0x0C; Command = 'Remove' }
    ) {
        Add-Content (EnvPath '.env.btc') "# note$($Char)MM_SPREAD_MULTIPLIER=9"
        $line = @(Get-Content (EnvPath '.env.btc')).Count
        $spread = Get-MmEnvParam btc MM_SPREAD_MULTIPLIER
        ($spread.Value, $spread.Occurrences) | Should -Be @('9', 2)
        $before = Snapshot
        $edit = if ($Command -eq 'Set') { { Set-MmEnvParam -Market btc -Name MM_SPREAD_MULTIPLIER -Value 1.9 -Reason 'widen' -Confirm:$false -ErrorAction Stop } }
                else { { Remove-MmEnvParam -Market btc -Name MM_SPREAD_MULTIPLIER -Reason 'default' -Confirm:$false -ErrorAction Stop } }
        $edit | Should -Throw -ErrorId (Id EnvFileHostLineBreak "$($Command)MmEnvParamCommand") -ExpectedMessage "*.env.btc line $line holds $Separator*"
        Snapshot | Should -Be $before
        (Get-MmAuditLog -Last 1).ErrorId | Should -Be 'EnvFileHostLineBreak'
    }
}

Describe 'Secrets never leave the file' {
    It 'no secret in objects, errors, verbose, debug, WhatIf or the journal' {
        $DebugPreference = 'Continue'
        $everything = @(
            Get-MmEnvParam eth -Verbose *>&1
            Set-MmEnvParam -Market eth MM_API_KEY (Secrets)[0] -Reason 'rotate' -Confirm:$false -Verbose *>&1
            Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.7 -Reason 'widen' -Confirm:$false -Verbose *>&1
            Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.5 -Reason 'back' -Confirm:$false -Verbose *>&1
        )
        $text = ($everything | ForEach-Object { "$_"; $_ | Format-List * | Out-String }) -join "`n"
        $text += Get-Content -Raw $Sandbox.AuditLogPath
        $text += Get-MmEnvParam eth | Format-Table -AutoSize | Out-String -Width 400
        $text += (Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 1.9 -Reason r -WhatIf 6>&1) -join "`n"
        $text | Should -Match '\*{8}'
        foreach ($secret in Secrets) { $text | Should -Not -Match ([regex]::Escape($secret)) }
    }
}

Describe 'Byte preservation' {
    It 'keeps comments, CRLF, duplicates and a missing final newline' {
        $path = EnvPath '.env.btc'
        $original = "# BTC`r`nMM_MARKET_NAME=BTC-USD`r`n  MM_SPREAD_MULTIPLIER = 1.5`t# tab comment`r`n`r`nMM_MIN_OFFSET_BPS=3`r`n# MM_MIN_OFFSET_BPS=1 old`r`nMM_MIN_OFFSET_BPS=4"
        [IO.File]::WriteAllText($path, $original)
        $null = Set-MmEnvParam -Market btc MM_SPREAD_MULTIPLIER 1.6 -Reason 'edit' -Confirm:$false
        $null = Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 5 -Reason 'edit' -Confirm:$false
        [IO.File]::ReadAllText($path) | Should -BeExactly ($original -replace '= 1.5', '= 1.6' -replace 'MM_MIN_OFFSET_BPS=3', 'MM_MIN_OFFSET_BPS=5' -replace 'MM_MIN_OFFSET_BPS=4$', 'MM_MIN_OFFSET_BPS=5')
        $null = Set-MmEnvParam -Market btc MM_NEW_SETTING 1 -Reason 'edit' -Confirm:$false
        [IO.File]::ReadAllText($path) | Should -BeExactly (($original -replace '= 1.5', '= 1.6' -replace 'MM_MIN_OFFSET_BPS=3', 'MM_MIN_OFFSET_BPS=5' -replace 'MM_MIN_OFFSET_BPS=4$', 'MM_MIN_OFFSET_BPS=5') + "`r`nMM_NEW_SETTING=1")
    }

    It 'reads back identically through the host parser (the stand-in apply script agrees)' {
        $null = Set-MmEnvParam -Market btc MM_SKEW_MAX_BPS 22 -Reason 'edit' -Confirm:$false
        $python = "import sys; sys.path.insert(0, sys.argv[1]); from sandbox_host import common; print(common.read_env(sys.argv[2]).get('MM_SKEW_MAX_BPS'))"
        & $Sandbox.PythonPath -c $python $Sandbox.RepoPath (EnvPath '.env.btc') | Should -Be '22'
    }
}

Describe 'Concurrent writers' {
    It 'separate processes and the advisor apply script never lose an update' {
        $file = EnvPath '.env.btc'
        $writers = 1..4 | ForEach-Object {
            $n = $_
            $script = "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; 1..6 | ForEach-Object { `$null = Set-MmEnvParam -Market btc MM_W$($n)_K`$_ `$_ -Reason 'load' -Confirm:`$false -WarningAction SilentlyContinue }"
            Start-ThreadJob -ScriptBlock { param($pwsh, $command) & dotnet $pwsh -NoProfile -NonInteractive -Command $command } -ArgumentList (Join-Path $PSHOME 'pwsh.dll'), $script
        }
        $advisor = Start-ThreadJob -ScriptBlock {
            param($python, $repo)
            foreach ($i in 1..6) {
                $rows = Join-Path ([IO.Path]::GetTempPath()) "rows-$i-$([guid]::NewGuid()).jsonl"
                Set-Content $rows (@{ market = 'BTC-USD'; param = 'MM_MAX_OFFSET_BPS'; proposed = "$(100 + $i)" } | ConvertTo-Json -Compress)
                $id = ((& $python "$repo/scripts/mm_advisor_submit.py" --repo $repo --input-jsonl $rows --json) | ConvertFrom-Json).proposal_ids[0]
                $null = & $python "$repo/scripts/mm_advisor_apply.py" --repo $repo --proposal-id $id --approve --json
                Remove-Item $rows
            }
        } -ArgumentList $Sandbox.PythonPath, $Sandbox.RepoPath
        $null = @($writers) + $advisor | Wait-Job -Timeout 300 | Receive-Job
        $values = & $Sandbox.PythonPath -c "import sys, json; sys.path.insert(0, sys.argv[1]); from sandbox_host import common; print(json.dumps(common.read_env(sys.argv[2])))" $Sandbox.RepoPath $file | ConvertFrom-Json
        foreach ($n in 1..4) { foreach ($k in 1..6) { $values."MM_W$($n)_K$k" | Should -Be "$k" } }
        $values.MM_MAX_OFFSET_BPS | Should -Be '106'
        (Test-MmAuditLog).IsValid | Should -BeTrue
        @(Get-MmAuditLog -Action set -Outcome Succeeded | Where-Object Reason -eq 'load').Count | Should -Be 24
    }
}

Describe 'Secret-like keys and values shown by key (issue 19)' {
    BeforeAll {
        $script:SecretLike = [ordered]@{
            MM_HMAC_KEY = 'hmac-3f9a1c77'; MM_STARK_KEY = '0x5e21stark'; MM_VAULT = 'vault-8841ab'
            MM_VAULT_ID_SUB = 'sub-77c0d2'; MM_PRIVATE_SEED = 'seed-2b7e19'; MM_CLIENTSECRET = 'client-9d3f4e'
        }
        $script:Original = Get-Content -Raw (EnvPath '.env.eth')
        $script:Vault = (Get-Content (EnvPath '.env.eth')) -match '^MM_VAULT_ID=' -replace '^MM_VAULT_ID=', ''
        Add-Content (EnvPath '.env.eth') (@($SecretLike.Keys | ForEach-Object { "$_=$($SecretLike[$_])" }) + "MM_MAX_POSITION_SIZE=1${Vault}0")
    }
    AfterAll { [IO.File]::WriteAllText((EnvPath '.env.eth'), $Original) }

    It 'Get-MmEnvParam masks every secret-like key whole and shows an ordinary value holding the vault id as it is' {
        $params = Get-MmEnvParam eth
        $shown = $params | Where-Object Key -in $SecretLike.Keys
        @($shown).Count | Should -Be 6
        $shown.IsProtected | Should -Not -Contain $false
        $shown.Value | Sort-Object -Unique | Should -Be '********'
        $text = ($params | Format-List * | Out-String) + ($params | ConvertTo-Json)
        foreach ($value in $SecretLike.Values) { $text | Should -Not -Match ([regex]::Escape($value)) }
        ($params | Where-Object Key -eq MM_MAX_POSITION_SIZE).Value | Should -Be "1${Vault}0"
    }

    It 'Set-MmEnvParam refuses <_> with protected_key and changes nothing' -ForEach @('MM_HMAC_KEY', 'MM_STARK_KEY', 'MM_VAULT', 'MM_VAULT_ID_SUB', 'MM_PRIVATE_SEED', 'MM_CLIENTSECRET') {
        $before = Snapshot
        { Set-MmEnvParam -Market eth -Name $_ -Value 'replaced-1' -Reason 'rotate' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id protected_key)
        Snapshot | Should -Be $before
    }

    It 'tab completion of Set- and Remove-MmEnvParam never offers them' {
        foreach ($line in 'Set-MmEnvParam -Market eth -Name MM_', 'Remove-MmEnvParam -Market eth -Key MM_') {
            $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
            $offered | Should -Contain 'MM_MAX_POSITION_SIZE'
            foreach ($key in $SecretLike.Keys) { $offered | Should -Not -Contain $key }
        }
    }
}

Describe 'Risk changes need a second confirmation (issue 21)' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'a limit raised 1000x with -Confirm:$false alone is refused, names the factor, and changes nothing' {
        $before = Snapshot
        { Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100000 -Reason 'fat finger' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Id RiskChangeNeedsForce) -ExpectedMessage "*RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')*-Force*"
        Snapshot | Should -Be $before
        (Get-MmAuditLog -Last 1).ErrorId | Should -Be 'RiskChangeNeedsForce'
    }

    It 'a guard turned off and a limit set to 0 are risk changes too; -Force makes them and the journal says so' {
        { Set-MmEnvParam -Market eth MM_DRAWDOWN_STOP_PCT_OF_MAX_NOTIONAL 0 -Reason 'off' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id RiskChangeNeedsForce) -ExpectedMessage '*to 0*'
        { Remove-MmEnvParam -Market eth MM_MAX_POSITION_SIZE -Reason 'off' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id RiskChangeNeedsForce 'RemoveMmEnvParamCommand') -ExpectedMessage '*removed*'
        $change = Set-MmEnvParam -Market eth MM_ADAPTIVE_POF_ENABLED false -Reason 'not a guard' -Confirm:$false
        $change.Approval | Should -Be 'ConfirmFalse'
        $change = Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100000 -Reason 'intended' -Confirm:$false -Force
        $change.Approval | Should -Be 'ConfirmFalse+Force'
        (Get-MmAuditLog -Last 1).Approval | Should -Be 'ConfirmFalse+Force'
        $null = Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100 -Reason 'back' -Confirm:$false -Force
        $null = Set-MmEnvParam -Market eth MM_ADAPTIVE_POF_ENABLED true -Reason 'back' -Confirm:$false
    }

    It 'a person answers Yes at a real prompt, then retypes the market; a wrong name changes nothing' {
        $module = $env:MMOPERATOR_TEST_MODULE
        $shown = Invoke-AsPerson $module $Sandbox "Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100000 -Reason 'typo'" -Answer 0, 'btc-usd'
        $shown | Should -Match "- RISK: MM_MAX_POSITION_SIZE x1000 \('100' -> '100000'\)\n- Reason: typo"
        $shown | Should -Match 'This is a risk change\. Type ETH-USD to confirm it'
        $shown | Should -Match 'Not confirmed'
        Get-Content (EnvPath '.env.eth') | Should -Contain 'MM_MAX_POSITION_SIZE=100'
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Declined'

        $shown = Invoke-AsPerson $module $Sandbox "Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100000 -Reason 'intended'" -Answer 0, 'ETH-USD'
        Get-Content (EnvPath '.env.eth') | Should -Contain 'MM_MAX_POSITION_SIZE=100000'
        (Get-MmAuditLog -Last 1).Approval | Should -Be 'Prompted+Retyped'
        $null = Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100 -Reason 'back' -Confirm:$false -Force
    }

    It 'a repo''s mm_config/policy/risk_keys.json adds its own limits' {
        $extra = EnvPath 'mm_config/policy/risk_keys.json'
        Set-Content $extra '{"limits": ["MM_SKEW_MAX_BPS"]}'
        try {
            { Set-MmEnvParam -Market eth MM_SKEW_MAX_BPS 2000 -Reason 'wide' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id RiskChangeNeedsForce) -ExpectedMessage '*MM_SKEW_MAX_BPS x100*'
        }
        finally { Remove-Item $extra }
    }
}

Describe 'An edit of a running market takes effect on restart, and stale settings are shown (issue 21)' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'says so in the result, and Get-MmMarket, Get-MmStatus and Get-MmHealth name the market until it restarts' {
        # A fresh bot: the one earlier tests left running started before their edits.
        $null = Restart-MmMarket eth -Reason 'fresh' -Confirm:$false
        (Get-MmMarket | Where-Object Market -EQ 'ETH-USD').SettingsChanged | Should -BeFalse
        $change = Set-MmEnvParam -Market eth MM_MIN_OFFSET_BPS 4 -Reason 'tighter' -Confirm:$false -WarningVariable warned
        $change.TakesEffect | Should -Be 'on restart'
        $warned | Should -Be 'ETH-USD is running: the change takes effect on restart (Restart-MmMarket eth)'
        ($change | Out-String) | Should -Match "'3' -> '4'\r?\n- ETH-USD is running: the change takes effect on restart"
        $market = Get-MmMarket | Where-Object Market -EQ 'ETH-USD'
        $market.SettingsChanged | Should -BeTrue
        $market.Note | Should -Match '^settings changed since the bot started \(\.env\.eth at .+Z\): it runs on the old ones until Restart-MmMarket eth$'
        (Get-MmMarket | Out-String -Width 80) | Should -Match 'ETH-USD\s+Running\s+\d+ testnet\s+\.env\.eth\s+restart to apply'
        (Get-MmStatus eth).SettingsChanged | Should -BeTrue
        (Get-MmHealth).SettingsChangedMarkets | Should -Be @('ETH-USD')
        ((Get-MmHealth) | Out-String) | Should -Match 'OldSettings\s+: ETH-USD: settings changed since start'
        (Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 4 -Reason 'tighter' -Confirm:$false).TakesEffect | Should -Be 'at start'

        $null = Restart-MmMarket eth -Reason 'apply' -Confirm:$false
        (Get-MmMarket | Where-Object Market -EQ 'ETH-USD').SettingsChanged | Should -BeFalse
        $null = Stop-MmMarket eth -Reason 'done' -Confirm:$false
    }
}

Describe 'Real money is named (issue 21)' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'every Plan for a mainnet market says so, and Get-MmMarket shows each market''s environment' {
        # Only a human on the host switches a market to mainnet.
        $file = EnvPath '.env.btc'
        $saved = [IO.File]::ReadAllText($file)
        [IO.File]::AppendAllText($file, "MM_ENVIRONMENT=mainnet`n")  # the last copy wins, as the host reads it
        try {
            (@(Set-MmEnvParam -Market btc MM_MIN_OFFSET_BPS 7 -Reason 'tune' -WhatIf 6>&1) -join "`n") | Should -Match "'[0-9]+' -> '7'\n- Environment: MAINNET \(real money\)\n- Reason: tune"
            (@(Start-MmMarket btc -Reason 'open' -WhatIf 6>&1) -join "`n") | Should -Match '\n- Environment: MAINNET \(real money\)\n'
            (@(Start-MmMarket eth -Reason 'open' -WhatIf 6>&1) -join "`n") | Should -Not -Match 'MAINNET'
            $markets = Get-MmMarket
            ($markets | Where-Object Market -EQ 'BTC-USD').Environment | Should -Be 'mainnet'
            ($markets | Where-Object Market -EQ 'ETH-USD').Environment | Should -Be 'testnet'
            ($markets | Out-String -Width 80) | Should -Match 'BTC-USD\s+Stopped\s+MAINNET\s+\.env\.btc'
        }
        finally { [IO.File]::WriteAllText($file, $saved) }
    }
}
