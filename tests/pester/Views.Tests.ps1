BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth
    # The journal gets a start (its detail names the pid; Remove-TestSandbox ends the bot), an .env edit (a key diff and two sha256) and a submission.
    $script:Started = Start-MmMarket eth -Reason 'planned maintenance window for the eth market, agreed with the desk' -Confirm:$false
    $script:Change = Set-MmEnvParam -Market eth -Key MM_SPREAD_MULTIPLIER -Value 1.7 -Reason 'widen after the fills' -Confirm:$false
    $script:Submitted = [pscustomobject]@{ Market = 'eth'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8500001'; Confidence = 'high' } |
        Submit-MmAdvisorProposal -Reason 'tune the spread' -Confirm:$false
    $script:Proposals = @(Get-MmAdvisorProposal -FromHost -Reason 'review the pending proposals' -Confirm:$false)
    $script:Records = @(Get-MmAuditLog)

    # The default view at 80 columns: every line fits, nothing ends in an ellipsis, and each text is there whole
    # (wrapping only between words, so the text with its whitespace collapsed is found in the rendering's).
    function script:Assert-Fits80([object[]] $InputObject, [string[]] $Whole) {
        $text = $InputObject | Out-String -Width 80
        $long = @($text -split '\r?\n' | Where-Object { $_.Length -gt 80 })
        $long | Should -BeNullOrEmpty -Because 'every line fits 80 columns'
        $text | Should -Not -Match '…'
        # Wrapped, not cut: a word longer than its column (a long path) is broken where it must be, so the
        # text is compared without the layout's white space.
        $flat = $text -replace '\s+', ''
        foreach ($part in $Whole) { $flat.Contains(($part -replace '\s+', '')) | Should -BeTrue -Because "'$part' is shown whole" }
    }

    # At 80 columns no pid or id is split across two lines (someone may be about to type kill): each token
    # found in the rendering with its layout's white space removed is also found whole on its lines.
    function script:Assert-Unsplit([object[]] $InputObject, [string[]] $Token, [switch] $Table) {
        $text = if ($Table) { $InputObject | Format-Table | Out-String -Width 80 } else { $InputObject | Out-String -Width 80 }
        $lines = $text -split '\r?\n'
        @($lines | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty -Because 'every line fits 80 columns'
        foreach ($item in $Token | Where-Object { $_ } | Sort-Object -Unique) {
            $pattern = '(?<![\w-])' + [regex]::Escape($item) + '(?![\w-])'
            $inFlat = [regex]::Matches(($text -replace '\s+', ''), [regex]::Escape($item)).Count
            $onLines = ($lines | ForEach-Object { [regex]::Matches($_, $pattern).Count } | Measure-Object -Sum).Sum
            $inFlat | Should -BeGreaterThan 0 -Because "'$item' is shown"
            $onLines | Should -Be $inFlat -Because "'$item' is never split across lines:`n$text"
        }
    }

    # One column of a table, its wrapped lines joined: the text a reader follows down the column.
    function script:Get-Column([object[]] $InputObject, [int] $From, [int] $Width) {
        (($InputObject | Out-String -Width 80) -split '\r?\n' | Select-Object -Skip 3 | ForEach-Object { if ($_.Length -gt $From) { $_.Substring($From, [Math]::Min($Width, $_.Length - $From)) } }) -join ' ' -replace '\s+', ' '
    }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Default views at 80 columns' {
    It 'Get-MmCapability shows every name, cmdlet and note whole' {
        $capabilities = Get-MmCapability
        Assert-Fits80 $capabilities -Whole (@($capabilities.Name) + 'Invoke-MmAdvisorAutoApply' + 'NOT SUPPORTED')
        $cmdlets = Get-Column $capabilities -From 30 -Width 25
        $cmdlets | Should -Match 'Get-MmStatus Start-MmMarket .* Set-MmEnvParam, Remove-MmEnvParam Submit-MmAdvisorProposal'
        $notes = Get-Column $capabilities -From 56 -Width 24
        foreach ($note in $capabilities.Note) { $notes.Contains($note) | Should -BeTrue -Because "the note '$note' is shown whole" }
    }

    It 'a fleet''s markets show each host as given whole, on one line, its note wrapped between words' {
        $rows = 'mmfl12345@10.231.255.2:22', 'operator@203.0.113.250:2222' | ForEach-Object {
            [pscustomobject]@{ PSTypeName = 'MmOperator.Fleet.MarketStatus'; PSComputerName = $_; Market = 'ETH-USD'; State = 'Running'; Pid = 4242; Environment = 'testnet'; SettingsChanged = $true }
        }
        Assert-Fits80 $rows -Whole 'restart to apply'
        Assert-Unsplit $rows -Token (@($rows.PSComputerName) + '4242')
    }

    It 'Get-MmAuditLog shows each record''s detail, key diff and reason whole' {
        $Records.Count | Should -BeGreaterOrEqual 4
        Assert-Fits80 $Records -Whole (@($Records.Detail) + @($Records.Reason) + "MM_SPREAD_MULTIPLIER: '1.5' -> '1.7'")
        ($Records | Out-String -Width 80) | Should -Match ('started \(pid {0}\)' -f $Started.NewStatus.Pid)
    }

    It 'Get-MmEnvParam shows the notes whole' {
        $params = Get-MmEnvParam -Market eth
        $text = $params | Out-String -Width 80
        $text | Should -Match '(?m)^MM_API_KEY +\*{8} +\d+ protected$'
        Assert-Fits80 $params -Whole @($params.Key)
    }

    It 'Get-MmApprovalRequest shows the Plan, every bound field and the requester whole, escaped' {
        $file = Join-Path $Sandbox.RepoPath '.env.eth'
        $request = [MmOperator.Approvals.ApprovalRequest]@{
            Id = 'apr-0123456789ab'; Cmdlet = 'Set-MmEnvParam'; Action = 'set'; Target = "MM_MAX_POSITION_SIZE in $file"; Key = 'MM_MAX_POSITION_SIZE'
            Values = [string[]] '100000'; Reason = 'raise the position cap after the desk review of the week'
            Plan = [MmOperator.Reporting.RunbookText]::Plan("set MM_MAX_POSITION_SIZE in ${file}: '100' -> '100000'", 'raise the position cap after the desk review of the week', $true)
            Requester = "agent@host pid 4242 (ConstrainedLanguage, via local:agent`nPlan:`n- Action(s): set MM_LOG_LEVEL`e[8m)"
            RequestedAt = [datetime]::UtcNow; ExpiresAt = [datetime]::UtcNow.AddMinutes(30)
        }
        $shown = [psobject]::AsPSObject($request)
        $shown.PSObject.TypeNames.Insert(0, 'MmOperator.ApprovalRequest')
        Assert-Fits80 $shown -Whole (@($request.Details -split "`n") + "'100' -> '100000'" + 'via local:agent\u{0A}Plan:\u{0A}- Action(s): set MM_LOG_LEVEL\u{1B}[8m)')
        ($shown | Out-String -Width 80) | Should -Not -Match '[\x00-\x09\x0B-\x1F]'
    }

    It 'never splits a pid or an id of <Name> across lines' -ForEach @(
        @{ Name = 'markets'; Make = { Get-MmMarket }; Tokens = { param($o) $o.Pid } }
        @{ Name = 'a start''s result'; Make = { $Started }; Tokens = { param($o) $o.NewStatus.Pid } }
        @{ Name = 'an edit''s result'; Make = { $Change }; Tokens = { param($o) $o.NewStatus.Pid } }
        @{ Name = 'journal records'; Make = { $Records }; Tokens = { param($o) [regex]::Matches(($o.Detail -join ' '), 'pid (\d+)').ForEach({ $_.Groups[1].Value }) } }
        @{ Name = 'proposals'; Make = { $Proposals }; Tokens = { param($o) $o.ProposalId } }
    ) {
        $objects = @(& $Make)
        $objects.Count | Should -BeGreaterThan 0
        Assert-Unsplit $objects -Token @(& $Tokens $objects)
    }

    It 'never splits a pid or an id of a long <Name>, wherever it falls, and wraps at spaces' -ForEach @(
        @{ Name = 'result'; Table = $false }
        @{ Name = 'result table'; Table = $true }
        # A note holds pids and kill commands, never an id longer than its 18 columns.
        @{ Name = 'orphan note'; Table = $false }
        @{ Name = 'journal record'; Table = $false }
    ) {
        foreach ($words in 0..40) {
            $detail = ('w ' * $words) + 'but pid 4194301 is still running: kill -TERM 4194301, then kill -KILL 4194301 if it stays (record 20261204T174713083Z-e8c54e)'
            $object = switch ($Name) {
                'orphan note' { [MmOperator.Status.MarketStatus]@{ Market = 'ETH-USD'; Slug = 'eth'; State = 'Orphaned'; Pid = 4194302; ControllerId = 'c'; GeneratedAt = [datetime]::UtcNow; Note = $detail } }
                'journal record' { [MmOperator.Audit.AuditRecord]@{ Id = '20261204T174713083Z-e8c54f'; Time = [datetime]::UtcNow; Action = 'stop'; Market = 'ETH-USD'; Outcome = 'Failed'; Approval = 'ConfirmFalse'; Reason = 'SEV1'; Detail = $detail } }
                default { [MmOperator.Lifecycle.ActionResult]@{ Action = 'stop'; Market = 'ETH-USD'; Command = 'mmctl stop eth --json'; Outcome = 'Failed'; Detail = $detail; Reason = 'SEV1'; Approval = 'ConfirmFalse' } }
            }
            $shown = [psobject]::AsPSObject($object)
            $shown.PSObject.TypeNames.Insert(0, ($object.GetType().FullName -replace '\.(Lifecycle|Status|Audit)\.', '.'))
            Assert-Unsplit $shown -Token '4194301', $(if ($Name -ne 'orphan note') { '20261204T174713083Z-e8c54e' }) -Table:$Table
        }
    }

    It 'lays out a note and a result in a ConstrainedLanguage session as in a normal one (the agent''s)' {
        $orphan = [psobject]::AsPSObject([MmOperator.Status.MarketStatus]@{ Market = 'ETH-USD'; Slug = 'eth'; State = 'Orphaned'; Pid = 4194302; ControllerId = 'c'; GeneratedAt = [datetime]::UtcNow; Note = 'pid 4194302 lives without mmctl knowing it; a human ends it on the host: kill -TERM 4194302' })
        $orphan.PSObject.TypeNames.Insert(0, 'MmOperator.MarketStatus')
        $state = [initialsessionstate]::CreateDefault2()
        $state.LanguageMode = 'ConstrainedLanguage'
        $state.ImportPSModule($env:MMOPERATOR_TEST_MODULE)
        $runspace = [runspacefactory]::CreateRunspace($state)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $text = $ps.AddScript('param($objects) $ExecutionContext.SessionState.LanguageMode; $objects | ForEach-Object { $_ | Out-String -Width 80 }').AddArgument(@($orphan, $Started)).Invoke() -join "`n"
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
        $text | Should -Match '^ConstrainedLanguage'
        $text | Should -Match 'kill\s+-TERM\s+4194302'
        $text | Should -Match ('started \(pid {0}\)' -f $Started.NewStatus.Pid)
    }

    It 'Get-MmAdvisorProposal shows the id and the value to approve whole' {
        $Proposals.Count | Should -Be 1
        Assert-Fits80 $Proposals -Whole @($Submitted.ProposalIds[0], 'NewValue : 1.8500001', 'PreviousValue : 1.7')
    }
}

Describe 'Reports: ConvertTo-Json and Export-Csv' {
    It 'ConvertTo-Json of <Name> writes enum names, times as UTC ISO 8601 and no TimeSpan' -ForEach @(
        @{ Name = 'audit records'; Make = { $Records }; Expect = '"Outcome": "Succeeded"' }
        @{ Name = 'proposals'; Make = { $Proposals }; Expect = '"NewValue": "1.8500001"' }
        @{ Name = 'env params'; Make = { Get-MmEnvParam -Market eth -Name MM_SPREAD_MULTIPLIER }; Expect = '"Key": "MM_SPREAD_MULTIPLIER"' }
        @{ Name = 'env changes'; Make = { $Change }; Expect = '"PreviousValue": "1.5"' }
        @{ Name = 'capabilities'; Make = { Get-MmCapability }; Expect = '"NeedsApproval": true' }
        @{ Name = 'playbooks'; Make = { Get-MmPlaybook }; Expect = '"Action": "stop"' }
        @{ Name = 'options'; Make = { Get-MmOperatorOption }; Expect = '"TimeoutSec": \d+' }
        @{ Name = 'approval requests'; Make = { [MmOperator.Approvals.ApprovalRequest]@{ State = 'Denied'; RequestedAt = [datetime]::UtcNow; ExpiresAt = [datetime]::UtcNow.AddMinutes(30) } }; Expect = '"State": "Denied"' }
    ) {
        $json = & $Make | ConvertTo-Json -Depth 4
        $json | Should -Match $Expect
        $json | Should -Not -Match '"(Ticks|TotalSeconds|Days)":' -Because 'durations are plain seconds'
        $json | Should -Not -Match '"(Outcome|State)": \d'
        foreach ($time in [regex]::Matches($json, '"(Time|Created|RequestedAt|ExpiresAt)": "([^"]*)"')) {
            $time.Groups[2].Value | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$'
        }
    }

    It 'an audit record exports its command line as one readable string, and keeps the argv for scripts' {
        $start = $Records | Where-Object Action -eq start | Select-Object -First 1
        $row = $start | ConvertTo-Csv | ConvertFrom-Csv
        $row.CommandLine | Should -Be "$($Sandbox.MmctlPath) start eth --json"
        ($start | ConvertTo-Csv) -join "`n" | Should -Not -Match 'System\.Collections'
        $row.PSObject.Properties.Name | Should -Not -Contain 'Argv'
        $start.Argv | Should -Be @($Sandbox.MmctlPath, 'start', 'eth', '--json')
    }

    It 'Export-Csv of <Name> writes no list''s type name, and keeps <Column> readable' -ForEach @(
        @{ Name = 'playbooks'; Make = { Get-MmPlaybook RecoveryAfterIncident }; Column = 'StepsText'; Expect = 'status \(approval: NO\): Show status first\.\nstart \(approval: YES\)' }
        @{ Name = 'env changes'; Make = { $Change }; Column = 'NewStatusLine'; Expect = '^ETH-USD: Running \(pid \d+\)$' }
    ) {
        $csv = & $Make | ConvertTo-Csv
        ($csv -join "`n") | Should -Not -Match 'System\.Collections|z__'
        (($csv | ConvertFrom-Csv).$Column -replace '\r') | Should -Match $Expect
    }

    It 'ConvertTo-Csv of <Name> has one line per row, times in ISO 8601 UTC and the host''s answer as JSON' -ForEach @(
        @{ Name = 'the journal'; Make = { Get-MmAuditLog } }
        @{ Name = 'a start''s results'; Make = { $Started } }
        @{ Name = 'an edit''s results'; Make = { $Change } }
    ) {
        $objects = @(& $Make)
        $csv = @($objects | ConvertTo-Csv)
        $csv.Count | Should -Be ($objects.Count + 1) -Because 'no field holds a line break, so each row is one line'
        ($csv -join "`n") | Should -Not -Match '@\{|System\.'
        $rows = @($csv | ConvertFrom-Csv)
        foreach ($row in $rows) {
            $row.TimeUtc | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
            $row.PSObject.Properties.Name | Should -Not -Contain 'Time' -Because 'the culture''s text has no zone'
        }
        # The objects keep the typed time, in UTC, for scripts.
        foreach ($object in $objects) { $object.Time.Kind | Should -Be 'Utc'; $object.Time | Should -BeOfType [datetime] }
        $answers = @($rows | ForEach-Object { if ($_.PSObject.Properties['ResultJson']) { $_.ResultJson } elseif ($_.PSObject.Properties['OutputJson']) { $_.OutputJson } } | Where-Object { $_ })
        if ($Name -ne 'an edit''s results') {
            $answer = $answers[0] | ConvertFrom-Json
            $answer.status | Should -Be 'started'
            $answer.pid | Should -Be $Started.NewStatus.Pid
        }
    }

    It 'ConvertTo-Csv of the advisor''s <Name> has one line per row, no type name and times in ISO 8601 UTC' -ForEach @(
        @{ Name = 'submission'; Make = { $Submitted }; Column = 'ProposalIdsLine'; Expect = { $Submitted.ProposalIds -join ', ' }; Typed = 'ProposalIds' }
        @{ Name = 'proposals'; Make = { $Proposals }; Column = 'CreatedUtc'; Expect = { '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' }; Typed = 'Created' }
    ) {
        $objects = @(& $Make)
        $csv = @($objects | ConvertTo-Csv)
        $csv.Count | Should -Be ($objects.Count + 1) -Because 'no field holds a line break, so each row is one line'
        ($csv -join "`n") | Should -Not -Match '@\{|System\.'
        $row = @($csv | ConvertFrom-Csv)[0]
        $row.$Column | Should -Match (& $Expect)
        $row.PSObject.Properties.Name | Should -Not -Contain $Typed -Because 'a list shows its type name, a time the culture''s text without a zone'
        $objects[0].$Typed | Should -Not -BeNullOrEmpty -Because 'scripts still read the typed value'
    }

    It 'a refused row of the journal keeps the rejected value; each record and result of one command shares its batch' {
        Set-MmEnvParam -Market eth -Key MM_SPREAD_MULTIPLIER -Value 'abc' -Reason 'fat finger' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -Be 'EnvValueOutOfBounds,MmOperator.Commands.SetMmEnvParamCommand'
        $refused[0].TargetObject.NewValue | Should -Be 'abc'
        $row = Get-MmAuditLog -Outcome Refused -Last 1 | ConvertTo-Csv | ConvertFrom-Csv
        $row.Key | Should -Be 'MM_SPREAD_MULTIPLIER'
        $row.NewValue | Should -Be 'abc'

        $Started.Batch | Should -Not -BeNullOrEmpty
        @(Get-MmAuditLog | Where-Object Batch -eq $Started.Batch | Select-Object -ExpandProperty Action -Unique) | Should -Be @('start')
        $Change.Batch | Should -Be (Get-MmAuditLog | Where-Object Id -eq $Change.AuditId).Batch
        $Change.User | Should -Be ([Environment]::UserName)
        $Change.HostName | Should -Be ([Environment]::MachineName)
    }

    It 'ConvertTo-Json of the journal and results stays as it was: the time, the answer as an object, the multi-line texts' {
        $json = Get-MmAuditLog | Where-Object { $_.Action -eq 'start' -and $_.Outcome -eq 'Succeeded' } | ConvertTo-Json -Depth 4
        $json | Should -Match '"Time": "\d{4}-\d\d-\d\dT[\d:.]+Z"'
        $json | Should -Match '"Result": \{\s*"status": "started"'
        $Started | ConvertTo-Json -Depth 4 | Should -Match '"ResultText": "Result:\\n- start ETH-USD'
    }

    It 'the audit record, the env change and the proposal name the before/after pair alike' {
        $edit = $Records | Where-Object Action -eq set | Select-Object -First 1
        "$($edit.PreviousValue)->$($edit.NewValue)" | Should -Be '1.5->1.7'
        "$($Change.PreviousValue)->$($Change.NewValue)" | Should -Be '1.5->1.7'
        "$($Proposals[0].PreviousValue)->$($Proposals[0].NewValue)" | Should -Be '1.7->1.8500001'
    }

    It 'the journal on disk keeps its field names, and its chain' {
        $line = Get-Content $Sandbox.AuditLogPath | Where-Object { $_ -match '"action":"set"' } | Select-Object -First 1
        $line | Should -Match '"argv":null.*"before":"1\.5","after":"1\.7"'
        $line | Should -Not -Match 'previous_value|command_line'
        (Test-MmAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'An empty result says so, and writes nothing to the pipeline' {
    BeforeAll {
        $script:Empty = New-TestSandbox -Market eth
        # Whatever a command wrote, apart: its objects, and the lines it showed (the information stream).
        function script:Invoke-Shown([scriptblock] $Command) {
            $all = @(& $Command 6>&1)
            [pscustomobject]@{
                Objects = @($all | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] })
                Shown = ($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }) -join "`n"
            }
        }
    }

    AfterAll {
        Remove-TestSandbox $Empty
        $Sandbox | Set-MmOperatorOption -WarningAction Stop
    }

    It '<Name> says <Expect>' -ForEach @(
        @{ Name = 'Get-MmAuditLog'; Command = { Get-MmAuditLog }; Expect = 'The audit journal .* is empty' }
        @{ Name = 'Get-MmStatus'; Command = { Get-MmStatus }; Expect = 'No market is started' }
        @{ Name = 'Get-MmMarket -State Running'; Command = { Get-MmMarket -State Running }; Expect = 'No market is Running; the repo has 1' }
        @{ Name = 'Get-MmApprovalRequest'; Command = { Get-MmApprovalRequest }; Expect = 'No approval request is filed' }
        @{ Name = 'Get-MmAdvisorProposal'; Command = { Get-MmAdvisorProposal }; Expect = 'No advisor proposal is pending' }
        @{ Name = 'Get-MmAdvisorProposal -FromHost'; Command = { Get-MmAdvisorProposal -FromHost -Reason 'morning review of the pending proposals' -Confirm:$false }; Expect = 'No advisor proposal is pending' }
        @{ Name = 'Get-MmAuditLog -Market btc'; Command = { Get-MmAuditLog -Market btc }; Expect = 'No record of the audit journal matches \(\d+ records' }
    ) {
        $result = Invoke-Shown $Command
        $result.Objects | Should -BeNullOrEmpty
        $result.Shown | Should -Match $Expect
    }

    It 'Get-MmLog says a log is empty' {
        $log = Join-Path $Empty.RepoPath 'data/mm_journal/mm_env_eth.log'
        New-Item -ItemType File -Force $log | Out-Null
        $result = Invoke-Shown { Get-MmLog eth }
        $result.Objects | Should -BeNullOrEmpty
        $result.Shown | Should -Match 'The log .*mm_env_eth\.log is empty'
    }

    It 'a result that is not empty says nothing more' {
        (Invoke-Shown { Get-MmMarket }).Shown | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion' {
    BeforeAll {
        function script:Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText) }
    }

    It 'offers the keys an edit may change, from the market typed, never a protected one' {
        Complete 'Set-MmEnvParam -Market eth -Name MM_SP' | Should -Be @('MM_SPREAD_MULTIPLIER')
        Complete 'Remove-MmEnvParam -Market eth -Key MM_' | Should -Not -Contain 'MM_API_KEY'
        Complete 'Remove-MmEnvParam -Market eth -Key MM_' | Should -Not -Contain 'MM_ENVIRONMENT'
        Complete 'Get-MmEnvParam eth -Name MM_API' | Should -Be @('MM_API_KEY')
    }

    It 'offers the journal''s actions and outcomes for Get-MmAuditLog, and -Outcome filters' {
        Complete 'Get-MmAuditLog -Action advisor_s' | Should -Be @('advisor_submit')
        Complete 'Get-MmAuditLog -Outcome Ref' | Should -Be @('Refused')
        @(Get-MmAuditLog -Outcome Succeeded -Action set).Count | Should -Be 1
        @(Get-MmAuditLog -Outcome Declined 6>$null).Count | Should -Be 0
    }

    It 'offers the pending proposal ids to Approve-MmAdvisorProposal without running the listing' {
        $before = Get-InvocationCount $Sandbox
        Complete 'Approve-MmAdvisorProposal ETH' | Should -Be @($Submitted.ProposalIds[0])
        Get-InvocationCount $Sandbox | Should -Be $before
    }
}

Describe 'Reports: an advisor apply''s result in CSV' {
    # Last in the file: it applies the proposal the tests above find pending.
    It 'ConvertTo-Csv of an advisor apply''s result has one line and its new status as text' {
        $applied = @(Approve-MmAdvisorProposal -ProposalId $Proposals[0].ProposalId -Reason 'the spread review agreed' -Confirm:$false -WarningAction SilentlyContinue)
        $applied.Count | Should -Be 1
        $csv = @($applied | ConvertTo-Csv)
        $csv.Count | Should -Be 2 -Because 'no field holds a line break'
        ($csv -join "`n") | Should -Not -Match '@\{|System\.'
        ($csv | ConvertFrom-Csv).NewStatusLine | Should -Match '^ETH-USD: Running \(pid \d+\)'
        $applied[0].NewStatus.State | Should -Be 'Running' -Because 'scripts still read the typed status'
    }
}
