# The agent's restricted endpoint: the session the module's MmOperator.pssc defines, in ConstrainedLanguage.
# Most cases run it in this process (a runspace from the same session configuration file, marked as the
# launcher marks it, reading its options from the same mm-operator.conf); the cases about the process
# boundary (the shipped launcher's fixed environment, its exit code, the transcripts) run the launcher
# and a real pwsh -ConfigurationFile.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # The launcher reads nothing from its caller: the module copy's mm-operator.conf (the operator's settings) points it at the sandbox.
    # This process imports that copy too, so an in-process agent session reads the same file (the module reads it beside its assembly).
    $script:ModuleCopy = Join-Path $TestDrive 'modules/MmOperator'
    $null = New-Item -ItemType Directory (Split-Path $ModuleCopy) -Force
    Copy-Item (Split-Path $env:MMOPERATOR_TEST_MODULE) $ModuleCopy -Recurse
    # Only when no other file in this process loaded the module before can it load from the copy and the session run here
    # (build.ps1 gives this file a worker process of its own); otherwise every case runs through the launcher.
    # The copy then stays the module of this process: no other file may run in it after this one.
    $script:InProcess = -not @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MmOperator' }).Count
    if ($InProcess) { Import-Module (Join-Path $ModuleCopy 'MmOperator.psd1') -Force -Global } else { Import-MmTestModule }
    $script:SessionState = [System.Management.Automation.Runspaces.InitialSessionState]::CreateFromSessionConfigurationFile((Join-Path $ModuleCopy 'MmOperator.pssc'))
    $script:Sandbox = New-TestSandbox -Market eth, btc
    $script:Launcher = Join-Path $ModuleCopy 'bin/mm-operator'
    function script:Configure([hashtable] $Extra = @{}) {
        $settings = [ordered]@{
            MMOPERATOR_PWSH = 'dotnet ' + (Join-Path $PSHOME 'pwsh.dll')
            MMOPERATOR_MMCTL = $Sandbox.MmctlPath; MMOPERATOR_REPO = $Sandbox.RepoPath; MMOPERATOR_AUDIT_LOG = $Sandbox.AuditLogPath
        }
        foreach ($k in $Extra.Keys) { $settings[$k] = $Extra[$k] }
        $settings.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" } | Set-Content (Join-Path $ModuleCopy 'mm-operator.conf')
    }
    Configure
    $script:Settings = @('MMOPERATOR_MMCTL', 'MMOPERATOR_REPO', 'MMOPERATOR_PYTHON', 'MMOPERATOR_AUDIT_LOG', 'MMOPERATOR_TIMEOUT_SEC', 'MMOPERATOR_APPROVAL_TTL_SEC', 'MMOPERATOR_PWSH')
    # One command in the agent's session: in this process unless -Process (then through the launcher). $Caller is the
    # environment of the launcher's caller; in this process, the process's environment while the session runs.
    # $Limit: ulimit commands of the launcher's caller.
    function script:Agent([string] $Command, [hashtable] $Extra = @{}, [hashtable] $Caller = @{}, [switch] $Process, [string] $Limit = ':') {
        if ($Extra.Count) { Configure $Extra }
        try {
            if ($Process -or -not $InProcess) {
                Use-Environment $Caller { [pscustomobject]@{ Text = ((& /bin/bash -c "$Limit; exec `"`$0`" `"`$1`"" $Launcher $Command 2>&1) | ForEach-Object { "$_" }) -join "`n"; ExitCode = $LASTEXITCODE } }
            }
            else { InSession $Command $Caller }
        }
        finally { if ($Extra.Count) { Configure } }
    }
    # The restricted session in a runspace of this process, marked as the agent's as the launcher marks it: its
    # module import reads the options from mm-operator.conf only. Output, host information (plans), warnings and
    # errors (with their ids) come back as text; this process's options and environment are restored after.
    function script:InSession([string] $Command, [hashtable] $Caller = @{}, [string] $Marker = "local:$Account") {
        # Every MMOPERATOR_ variable is put back after (or removed, if the session made it).
        $marked = @{} + $Caller
        $marked.MMOPERATOR_AGENT = $Marker; $marked.PSModulePath = (Split-Path $ModuleCopy)
        foreach ($name in @([Environment]::GetEnvironmentVariables().Keys) + @($Settings) | Where-Object { $_ -like 'MMOPERATOR_*' -and $_ -ne 'MMOPERATOR_AGENT' }) { $marked[$name] = [Environment]::GetEnvironmentVariable($name) }
        try { Invoke-InRestrictedRunspace $SessionState $Command $marked }
        finally { $Sandbox | Set-MmOperatorOption }
    }
    $script:Account = & id -un
    $script:AccountHome = (& getent passwd $Account).Split(':')[5]
    # What the issue's hostile agent did in its session before a command: its loader and locale, HOME, PATH, the bot's
    # endpoint and position limit, the marker cleared. They reach nothing, whether written in the session or present in its process.
    $script:Hostile = @{
        GCONV_PATH = '/tmp/mmop-agent/gconv'; LOCPATH = '/tmp/mmop-agent/locale'; LC_ALL = 'evil'; HOME = '/tmp/mmop-agent'
        PATH = '/tmp/mmop-agent/bin'; EXTENDED_API_BASE = 'https://evil.example'; MM_MAX_POSITION_SIZE = '100000'; LD_PRELOAD = '/tmp/mmop-agent/x.so'
        PYTHONPATH = '/tmp/mmop-agent'; TMPDIR = '/tmp/mmop-agent'; MM_SANDBOX_FAULT = 'garbage'
    }
    $script:InSessionAttack = (@($Hostile.Keys | ForEach-Object { "`$env:$_ = '$($Hostile[$_])'" }) + '$env:MMOPERATOR_AGENT = ""', '$env:X = 1') -join '; '
    # After the attack: a command that runs mmctl, and one that files a request and a journal record.
    $script:Probe = "`$null = Get-MmStatus eth; Stop-MmMarket btc -Reason 'who asks'"
    # mmctl was given exactly the allow-list (as the sandbox's mmctl recorded it), the session could not write
    # its environment, and the request and the journal name the launcher's identity.
    function script:ShouldHaveReachedNothing($Result) {
        $Result.Text | Should -Match 'ApprovalPending|needs a human''s approval'
        $Result.Text | Should -Match "A drive with the name 'env' does not exist"
        $given = (Get-Invocation $Sandbox | Where-Object tool -eq 'mmctl' | Select-Object -Last 1).env
        $allowed = [ordered]@{ HOME = $AccountHome; LANG = 'C.UTF-8'; LOGNAME = $Account; PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; USER = $Account }
        @($given.PSObject.Properties.Name | Sort-Object) | Should -Be @($allowed.Keys)
        foreach ($name in $allowed.Keys) { $given.$name | Should -Be $allowed[$name] -Because "mmctl's $name" }
        (Get-MmApprovalRequest (RequestId $Result.Text)).Requester | Should -Match "\(ConstrainedLanguage, via local:$Account\)$"
        $record = Get-MmAuditLog -Last 1
        ($record.User, $record.Outcome) | Should -Be @($Account, 'PendingApproval')
    }
    # The sessions' transcripts land in this account's ~/.local/state/mmoperator/transcripts; the ones this file makes
    # (its launcher's, naming its module copy, and its in-process sessions', naming this process) are removed.
    $script:Transcripts = Join-Path (& getent passwd (& id -un)).Split(':')[5] '.local/state/mmoperator/transcripts'
    $script:TranscriptsBefore = @(Get-ChildItem $Transcripts -ErrorAction Ignore).Name
    function script:RequestId([string] $Text) { ([regex]::Match($Text, 'apr-[0-9a-f]{12}')).Value }
    function script:Stops { @(Get-Invocation $Sandbox | Where-Object { $_.argv[0] -eq 'stop' }).Count }
}

AfterAll {
    foreach ($m in 'eth', 'btc') { $null = Invoke-Mmctl $Sandbox stop $m --json }
    Remove-TestSandbox $Sandbox
    Get-ChildItem $Transcripts -ErrorAction Ignore | Where-Object { $_.Name -notin $TranscriptsBefore -and (Select-String -Path $_.FullName -Pattern ([regex]::Escape($ModuleCopy)), "^Process ID: $PID`$" -Quiet) } | Remove-Item -Force
}

Describe 'The restricted session' {
    It 'runs the operator cmdlets and the read-only helpers' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $result = Agent 'Get-MmStatus | Where-Object State -eq Running | Format-Table Market, State | Out-String; Get-MmStatus eth | ConvertTo-Json -Compress; $ExecutionContext.SessionState.LanguageMode' -Process
        $result.Text | Should -Match 'ETH-USD\s+Running'
        $result.Text | Should -Match '"Market":"ETH-USD"'
        $result.Text | Should -Match 'ConstrainedLanguage'
        (Agent 'Get-MmEnvParam eth MM_API_KEY | Out-String').Text | Should -Match '\*{8}'
        $glance = (Agent 'Get-MmMarket | Format-Table Market, State | Out-String; "valid=" + (Get-MmHealth).JournalValid; "waited=" + (Wait-MmMarket eth -State Running -Timeout 60).State').Text
        $glance | Should -Match 'BTC-USD\s+Stopped'
        $glance | Should -Match 'valid=True'
        $glance | Should -Match 'waited=Running'
        # The metrics read what Get-MmMarket and Get-MmHealth read, and write only to the output.
        (Agent 'Export-MmMetric').Text | Should -Match 'mm_market_up\{market="ETH-USD",host="[^"]+"\} 1'
        # The pending proposals are read from the advisor's files without a ticket (the host's listing needs one).
        $proposals = Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl'
        $null = New-Item -ItemType Directory (Split-Path $proposals) -Force
        Set-Content $proposals '{"proposal_id": "agent-read-1", "ts": 1, "market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.6", "reason_note": "wider"}'
        try { (Agent 'Get-MmAdvisorProposal | Format-List ProposalId, ReasonNote | Out-String').Text | Should -Match '(?s)agent-read-1.*ReasonNote\s+: wider' }
        finally { Remove-Item $proposals }
    }

    It 'refuses <Name>' -ForEach @(
        @{ Name = 'other cmdlets'; Command = 'Get-ChildItem /'; Expect = 'not recognized' }
        @{ Name = 'Import-Module'; Command = 'Import-Module Microsoft.PowerShell.Management'; Expect = 'not recognized' }
        @{ Name = 'a shell'; Command = '/bin/sh -c "echo escaped"'; Expect = 'not recognized' }
        @{ Name = 'python3'; Command = 'python3 -c "print(1)"'; Expect = 'not recognized' }
        @{ Name = 'mmctl itself'; Command = '& (Get-MmOperatorOption).MmctlPath stop eth --json'; Expect = 'not recognized|not allowed|cannot' }
        @{ Name = '.NET calls'; Command = '[System.IO.File]::ReadAllText("/etc/hostname")'; Expect = 'Method invocation is supported only on core types' }
        @{ Name = 'providers and file access'; Command = 'Get-Content /etc/hostname'; Expect = 'not recognized' }
        @{ Name = 'changing the options'; Command = 'Set-MmOperatorOption -MmctlPath /bin/sh'; Expect = 'not recognized' }
        @{ Name = 'making a sandbox'; Command = 'New-MmSandbox'; Expect = 'not recognized' }
        @{ Name = 'reading a bot log, or a watch that only Ctrl+C ends'; Command = 'Get-MmLog eth; Watch-MmMarket -Count 1'; Expect = '(?s)Get-MmLog.*not recognized.*Watch-MmMarket.*not recognized' }
        @{ Name = 'deciding approvals'; Command = 'Approve-MmApprovalRequest apr-000000000000 -Reason x -Confirm:$false'; Expect = 'not recognized' }
        @{ Name = 'reading a file through -Path'; Command = 'Get-MmAuditLog -Path /etc/passwd'; Expect = 'FullLanguageRequired|restricted session may not' }
        @{ Name = 'writing a file through -Path'; Command = 'Export-MmMetric -Path /tmp/mmop-agent.prom; Test-Path /tmp/mmop-agent.prom'; Expect = '(?s)restricted session may not.*(False|not recognized)' }
        # The session can set a variable of its process's environment: a process of its own, as the launcher starts it.
        @{ Name = 'redirecting mmctl through the environment'; Command = '$env:MMOPERATOR_MMCTL = "/bin/echo"; "mmctl=" + (Get-MmOperatorOption).MmctlPath'; Expect = 'mmctl=' + [regex]::Escape([IO.Path]::GetTempPath()) + 'mmop-pester-\w+/bin/mmctl'; Process = $true }
    ) {
        $before = (Get-InvocationCount $Sandbox)
        $result = Agent $Command -Process:([bool] $Process)
        $result.Text | Should -Match $Expect
        $result.Text | Should -Not -Match 'escaped'
        @(Get-Invocation $Sandbox | Select-Object -Skip $before | Where-Object { $_.argv[0] -ne 'status' }).Count | Should -Be 0
    }
}

Describe 'The launcher''s fixed environment' {
    It 'takes nothing from its caller: not the PowerShell, nor mmctl, the repo, the journal, the marker or the resource limits; nor what its session sets' {
        $caller = $Hostile + @{ MMOPERATOR_PWSH = '/bin/false'; MMOPERATOR_MMCTL = '/bin/echo'; MMOPERATOR_REPO = '/tmp'; MMOPERATOR_AUDIT_LOG = '/tmp/forged.jsonl'; MMOPERATOR_AGENT = 'none'; BASH_ENV = '/dev/null' }
        # Soft limits (a hard one it cannot raise refuses the command: see the two-user test): a file size of one block would cut the journal.
        $result = Agent "$InSessionAttack; `$o = Get-MmOperatorOption; `$o.MmctlPath; `$o.RepoPath; `$o.AuditLogPath; $Probe" -Caller $caller -Process -Limit 'ulimit -S -f 1; ulimit -S -t 60; ulimit -S -c 1024; ulimit -S -s 4096'
        $result.Text | Should -Match ([regex]::Escape($Sandbox.MmctlPath))
        $result.Text | Should -Match ([regex]::Escape($Sandbox.AuditLogPath))
        $result.Text | Should -Not -Match 'forged|/bin/echo'
        ShouldHaveReachedNothing $result
        $limits = (Get-Invocation $Sandbox | Where-Object tool -eq 'mmctl' | Select-Object -Last 1).limits
        ($limits.fsize, $limits.cpu, $limits.core, $limits.stack) | Should -Be @(-1, -1, 0, 8MB)
    }

    It 'nothing the agent sets, in its session or in its process, reaches mmctl, the request or the journal' {
        ShouldHaveReachedNothing (Agent "$InSessionAttack; $Probe" -Caller $Hostile)
    }

    It 'keeps transcripts private to the account' {
        $earlier = @(Get-ChildItem $Transcripts -ErrorAction Ignore).Name
        $null = Agent 'Get-MmCapability | Out-String' -Process
        (Get-Item $Transcripts).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
        # This launcher's transcripts: new, and naming this file's module copy (other sessions of this account may write there too).
        $made = @(Get-ChildItem $Transcripts | Where-Object { $_.Name -notin $earlier -and (Select-String -Path $_.FullName -SimpleMatch $ModuleCopy -Quiet) })
        $made.Count | Should -BeGreaterThan 0
        foreach ($file in $made) { $file.UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite') }
    }

    It 'refuses an approval decision from the agent''s session in FullLanguage too; a mark set after the import changes nothing' {
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1"').Text
        # A FullLanguage session of this process whose import saw the mark, as a session the launcher started would.
        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule($(if ($InProcess) { Join-Path $ModuleCopy 'MmOperator.psd1' } else { $env:MMOPERATOR_TEST_MODULE }))
        $marked = Use-Environment @{ MMOPERATOR_AGENT = 'ssh' } { $r = [runspacefactory]::CreateRunspace($state); $r.Open(); $r }
        $ps = [powershell]::Create(); $ps.Runspace = $marked
        try {
            $null = $ps.AddScript("Approve-MmApprovalRequest $id -Reason mine -Confirm:`$false; Deny-MmApprovalRequest $id -Reason mine -Confirm:`$false").Invoke()
            @($ps.Streams.Error.FullyQualifiedErrorId) | Should -Be @('AgentDecisionRefused,MmOperator.Commands.ApproveMmApprovalRequestCommand', 'AgentDecisionRefused,MmOperator.Commands.DenyMmApprovalRequestCommand')
        }
        finally { $ps.Dispose(); $marked.Dispose(); $Sandbox | Set-MmOperatorOption }
        (Get-MmApprovalRequest $id).State | Should -Be 'Pending'
        # This session was not marked at its import: a mark set now is not read.
        Use-Environment @{ MMOPERATOR_AGENT = 'ssh' } { (Deny-MmApprovalRequest $id -Reason 'not now' -Confirm:$false).State } | Should -Be 'Denied'
    }
}

Describe 'Enforced approval' {
    BeforeEach { $null = Invoke-Mmctl $Sandbox start eth --json }

    It 'a state change without a ticket runs nothing and files a request, even with -Confirm:$false' {
        $stops = Stops
        $result = Agent 'Stop-MmMarket eth -Reason "SEV1 drawdown" -Confirm:$false'
        $result.Text | Should -Match 'ApprovalPending|needs a human''s approval'
        $id = RequestId $result.Text
        $id | Should -Not -BeNullOrEmpty
        Stops | Should -Be $stops
        $request = Get-MmApprovalRequest $id
        $request.State | Should -Be 'Pending'
        $request.Cmdlet | Should -Be 'Stop-MmMarket'
        $request.Plan | Should -Match "mmctl stop eth --json"
        $request.Plan | Should -Match 'Reason: SEV1 drawdown'
        $request.Requester | Should -Match 'ConstrainedLanguage'
        ($request.ExpiresAt - $request.RequestedAt).TotalMinutes | Should -Be 30
        $record = Get-MmAuditLog -Last 1
        ($record.Outcome, $record.LanguageMode) | Should -Be @('PendingApproval', 'ConstrainedLanguage')
    }

    It 'approved, the same command runs once; a second use is refused' {
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1 drawdown"').Text
        $null = Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:$false
        $stops = Stops
        $ran = Agent "Stop-MmMarket eth -Reason 'SEV1 drawdown' -ApprovalId $id"
        $ran.Text | Should -Match 'stop ETH-USD: stopped'
        Stops | Should -Be ($stops + 1)
        (Get-MmAuditLog -Last 1).Approval | Should -Be "Ticket $id"
        (Get-MmApprovalRequest $id).State | Should -Be 'Used'
        $null = Invoke-Mmctl $Sandbox start eth --json
        (Agent "Stop-MmMarket eth -Reason 'SEV1 drawdown' -ApprovalId $id").Text | Should -Match 'already used'
        Stops | Should -Be ($stops + 1)
    }

    It 'an approved start runs the bot with nothing the agent set: not its endpoint, position limit, loader or HOME' {
        $null = Invoke-Mmctl $Sandbox stop btc --json
        $id = RequestId (Agent 'Start-MmMarket btc -Reason "open btc"').Text
        $null = Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:$false
        $ran = Agent "$InSessionAttack; Start-MmMarket btc -Reason 'open btc' -ApprovalId $id" -Caller $Hostile
        $ran.Text | Should -Match 'BTC-USD.*Succeeded|started'
        $bot = (Get-MmStatus btc).Pid
        $environ = @{}
        foreach ($entry in [IO.File]::ReadAllText("/proc/$bot/environ").Split([char] 0, [StringSplitOptions]::RemoveEmptyEntries)) { $name, $value = $entry -split '=', 2; $environ[$name] = $value }
        $limit = @((Get-Content (Join-Path $Sandbox.RepoPath '.env.btc')) -match '^MM_MAX_POSITION_SIZE=' -replace '^MM_MAX_POSITION_SIZE=', '')[0]
        foreach ($name in 'EXTENDED_API_BASE', 'GCONV_PATH', 'LOCPATH', 'LC_ALL', 'LD_PRELOAD', 'MM_SANDBOX_FAULT') { $environ.Keys | Should -Not -Contain $name }
        ($environ.HOME, $environ.MM_MAX_POSITION_SIZE) | Should -Be @($AccountHome, $limit)
        $null = Invoke-Mmctl $Sandbox stop btc --json
    }

    It 'refuses a ticket for a changed <What>' -ForEach @(
        @{ What = 'market'; Rerun = 'Stop-MmMarket btc -Reason "SEV1 drawdown" -ApprovalId {0}' }
        @{ What = 'reason'; Rerun = 'Stop-MmMarket eth -Reason "routine" -ApprovalId {0}' }
        @{ What = 'action'; Rerun = 'Restart-MmMarket eth -Reason "SEV1 drawdown" -ApprovalId {0}' }
    ) {
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1 drawdown"').Text
        $null = Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false
        $invocations = (Get-InvocationCount $Sandbox)
        (Agent ($Rerun -f $id)).Text | Should -Match 'approves a different command'
        @(Get-Invocation $Sandbox | Select-Object -Skip $invocations | Where-Object { $_.argv[0] -ne 'status' }).Count | Should -Be 0
        (Get-MmApprovalRequest $id).State | Should -Be 'Approved'
    }

    It 'refuses a ticket for a changed .env value' {
        $id = RequestId (Agent 'Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 25 -Reason "more skew"').Text
        $null = Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false
        $before = Get-FileHashes $Sandbox
        (Agent "Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 30 -Reason 'more skew' -ApprovalId $id").Text | Should -Match 'approves a different command'
        Get-FileHashes $Sandbox | Should -Be $before
        (Agent "Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 25 -Reason 'more skew' -ApprovalId $id").Text | Should -Match "'20' -> '25'"
    }

    It 'a risk change files a flagged request; once a human approves it, the re-run needs no -Force' {
        $filed = Agent 'Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100000 -Reason "raise the cap" -Confirm:$false'
        $id = RequestId $filed.Text
        $filed.Text | Should -Match ([regex]::Escape("(flagged: RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000'); the human's approval is its second confirmation)"))
        (Get-MmApprovalRequest $id).Flags | Should -Be @("RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')")
        $null = Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:$false
        (Agent "Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100000 -Reason 'raise the cap' -ApprovalId $id").Text | Should -Match "'100' -> '100000'"
        Get-Content (Join-Path $Sandbox.RepoPath '.env.eth') | Should -Contain 'MM_MAX_POSITION_SIZE=100000'
        (Get-MmAuditLog -Last 1).Approval | Should -Be "Ticket $id"
        $null = Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100 -Reason 'back' -Confirm:$false -Force
    }

    It 'refuses a denied ticket' {
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1"').Text
        $null = Deny-MmApprovalRequest $id -Reason 'not now' -Confirm:$false
        (Agent "Stop-MmMarket eth -Reason 'SEV1' -ApprovalId $id").Text | Should -Match 'denied'
        { Approve-MmApprovalRequest $id -Reason 'changed my mind' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalRejected,MmOperator.Commands.ApproveMmApprovalRequestCommand'
    }

    It 'refuses an expired ticket' {
        # Approved before it expires, however slow the machine: a request that expired first is filed again with a longer life.
        foreach ($ttl in 2, 10, 60) {
            $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1"' @{ MMOPERATOR_APPROVAL_TTL_SEC = "$ttl" }).Text
            Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false -ErrorAction SilentlyContinue
            $request = Get-MmApprovalRequest $id
            if ($request.State -eq 'Approved') { break }
        }
        $request.State | Should -Be 'Approved'
        ($request.ExpiresAt - $request.RequestedAt).TotalSeconds | Should -Be $ttl
        $expires = $request.ExpiresAt.ToUniversalTime()
        Wait-Until { [DateTime]::UtcNow -gt $expires } -TimeoutSec 120 | Should -BeTrue
        (Agent "Stop-MmMarket eth -Reason 'SEV1' -ApprovalId $id").Text | Should -Match 'expired'
    }

    It 'refuses a forged or edited store entry' {
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1"').Text
        $store = Join-Path (Split-Path $Sandbox.AuditLogPath) 'approvals'
        $file = Join-Path $store "$id.json"
        (Get-Content -Raw $file) -replace '"state": 0', '"state": 1' | Set-Content $file
        (Agent "Stop-MmMarket eth -Reason 'SEV1' -ApprovalId $id").Text | Should -Match 'not one this store sealed'
        $forged = Get-Content -Raw $file | ConvertFrom-Json
        $forged.id = 'apr-0123456789ab'
        $forged | ConvertTo-Json | Set-Content (Join-Path $store 'apr-0123456789ab.json')
        (Agent "Stop-MmMarket eth -Reason 'SEV1' -ApprovalId apr-0123456789ab").Text | Should -Match 'not one this store sealed'
        Get-MmApprovalRequest apr-0123456789ab | Should -BeNullOrEmpty
    }

    It 'a value that could only be shown masked is refused, so no ticket can stand for another value' {
        $before = Get-FileHashes $Sandbox
        $requests = @(Get-MmApprovalRequest).Count
        $result = Agent 'Set-MmEnvParam -Market eth -Name MM_NOTE -Value "webhook_secret=hooks.example.com/desk" -Reason "new hook"'
        $result.Text | Should -Match 'could only show masked'
        RequestId $result.Text | Should -BeNullOrEmpty
        @(Get-MmApprovalRequest).Count | Should -Be $requests
        Get-FileHashes $Sandbox | Should -Be $before
    }

    It 'answers a guess of a secret exactly as any other guess (-WhatIf, refusals, the journal)' {
        $vault = @((Get-Content (Join-Path $Sandbox.RepoPath '.env')) -match '^MM_VAULT_ID=' -replace '^MM_VAULT_ID=', '')[0]
        $guess = '{0:D7}' -f ((([int]$vault) + 1) % 10000000)
        $probe = 'Set-MmEnvParam -Market eth -Name MM_NOTE -Value "{0}" -Reason "check {0}" -WhatIf; Submit-MmAdvisorProposal -Market eth -Param MM_SPREAD_MULTIPLIER -Proposed 1.8 -Reason "try {0}" -WhatIf; Stop-MmMarket nosuch -Reason "probe {0}"'
        $answers = foreach ($try in $vault, $guess) {
            $text = (Agent ($probe -f $try)).Text
            $record = Get-MmAuditLog -Last 1
            $record.ErrorId | Should -Be 'UnknownMarket'
            ($text, $record.Reason, $record.Detail -join "`n").Replace($try, 'GUESS')
        }
        $answers[0] | Should -BeExactly $answers[1]
    }

    It 'a submitted proposal runs with its ticket; its Plan shows every field and no temporary file' {
        $submit = 'Submit-MmAdvisorProposal -Market eth -Param MM_SPREAD_MULTIPLIER -Proposed 1.7 -Confidence high -EscalationTarget human -Reason "tune via agent"'
        $id = RequestId (Agent $submit).Text
        $plan = (Get-MmApprovalRequest $id).Plan
        $plan | Should -Match "ETH-USD MM_SPREAD_MULTIPLIER -> '1.7' \(confidence high, escalation_target human, deadman false, reason 'tune via agent'\)"
        $plan | Should -Not -Match 'mmoperator-proposals-'
        $null = Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false
        $proposals = Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl'
        $rows = @(Get-Content $proposals -ErrorAction Ignore).Count
        (Agent ($submit.Replace('human', 'warren') + " -Deadman true -ApprovalId $id")).Text | Should -Match 'approves a different command'
        @(Get-Content $proposals -ErrorAction Ignore).Count | Should -Be $rows
        $ran = Agent "$submit -ApprovalId $id"
        $ran.Text | Should -Not -Match 'ApprovalRejected'
        @(Get-Content $proposals).Count | Should -Be ($rows + 1)
        (Get-MmApprovalRequest $id).State | Should -Be 'Used'
    }

    It '<Cmdlet> runs no listing without a ticket; its ticket covers the listing it shows' -ForEach @(
        @{ Cmdlet = 'Approve-MmAdvisorProposal'; Proposed = '3'; Run = 'Approve-MmAdvisorProposal {0} -Reason "reviewed"' }
        @{ Cmdlet = 'Invoke-MmAdvisorAutoApply'; Proposed = '4'; Run = 'Invoke-MmAdvisorAutoApply -Reason "deadman window"' }
    ) {
        $proposal = ([pscustomobject]@{ Market = 'eth'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = $Proposed; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' } |
                Submit-MmAdvisorProposal -Reason 'seed' -Confirm:$false).ProposalIds[0]
        $command = $Run -f $proposal
        $invocations = (Get-InvocationCount $Sandbox)
        $preview = (Agent "$command -WhatIf").Text
        $id = RequestId (Agent $command).Text
        $id | Should -Not -BeNullOrEmpty
        @(Get-Invocation $Sandbox | Select-Object -Skip $invocations | Where-Object { $_.argv[0] -ne 'status' }).Count | Should -Be 0
        $plan = (Get-MmApprovalRequest $id).Plan
        $plan | Should -Match '--list-pending --json'
        $plan | Should -Match "$proposal.*MM_MIN_SPREAD_BPS.*'$Proposed'"
        $preview | Should -Match ([regex]::Escape($plan))
        $null = Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false
        $ran = Agent "$command -ApprovalId $id"
        $ran.Text | Should -Not -Match 'ApprovalRejected|ApprovalPending'
        $argv = @(Get-Invocation $Sandbox | Select-Object -Skip $invocations | ForEach-Object { $_.argv -join ' ' })
        ($argv -match '--list-pending').Count | Should -Be 1
        ($argv -match '--approve').Count | Should -Be 1
        (Get-MmAuditLog -Last 1).Approval | Should -Be "Ticket $id"
    }

    It 'the journal holds every step and its chain verifies' {
        $actions = (Get-MmAuditLog).Action
        $actions | Should -Contain 'approval_grant'
        $actions | Should -Contain 'approval_deny'
        (Get-MmAuditLog | Where-Object Outcome -eq 'PendingApproval').Count | Should -BeGreaterThan 3
        (Test-MmAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'A human sees exactly what they approve' {
    It 'a request forged in every field the agent reaches shows no control character in the prompt, the list or the journal' {
        if (-not $InProcess) { Set-ItResult -Skipped -Because 'the launcher fixes the marker; only a session in this process can be given a forged one'; return }
        # The attack of issue 19: a line break, a fake Plan for a harmless change, then ESC[8m (conceal) to hide what follows.
        $forged = "`nPlan:`n- Action(s): set MM_LOG_LEVEL in .env.eth: 'INFO' -> 'DEBUG'`n- Reason: quieter logs`nNeed approval: YES`n$([char]27)[8m"
        # The agent types it with PowerShell's escapes into every field it can reach, and files the real change last.
        $typed = '`nPlan:`n- Action(s): set MM_LOG_LEVEL in .env.eth: ''INFO'' -> ''DEBUG''`n- Reason: quieter logs`nNeed approval: YES`n`e[8m'
        $agent = InSession -Marker "local:agent$forged" ((@(
                '$f = "{0}"'
                'Stop-MmMarket "eth$f" -Reason "SEV1"'
                'Set-MmEnvParam -Market eth -Name "MM_NOTE$f" -Value 1 -Reason "note"'
                'Set-MmEnvParam -Market eth -Name MM_NOTE -Value "1$f" -Reason "note"'
                'Stop-MmMarket eth -Reason "SEV1$f"'
                'Stop-MmMarket eth -Reason "SEV1" -ApprovalId "apr-$f"'
                '@{{ Market = "eth"; Param = "MM_SPREAD_MULTIPLIER"; Proposed = "1.8"; "Confidence$f" = "high" }} | Submit-MmAdvisorProposal -Reason "tune"'
                'Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100000 -Reason "raise the cap"'
            ) -join "`n") -f $typed)
        $id = RequestId $agent.Text
        $id | Should -Not -BeNullOrEmpty
        foreach ($refused in 'InvalidMarketFormat', 'InvalidEnvKey', 'InvalidEnvValue', 'InvalidReason', 'ApprovalRejected', 'InvalidProposalRow') { $agent.Text | Should -Match "\($refused," }

        $module = Join-Path $ModuleCopy 'MmOperator.psd1'
        $shown = Invoke-AsPerson $module $Sandbox "Approve-MmApprovalRequest $id -Reason 'reviewed'"
        $list = Invoke-AsPerson $module $Sandbox "Get-MmApprovalRequest $id"
        $journal = Invoke-AsPerson $module $Sandbox 'Get-MmAuditLog -Last 12'
        foreach ($view in $shown, $list, $journal) {
            $view | Should -Not -Match '[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]' -Because 'no control, bidirectional or zero-width character reaches a person'
            $view | Should -Not -Match '(?<!\\u\{1B\})\[8m' -Because 'ESC[8m shows only as its escape'
            $view | Should -Not -Match '(?m)^\s*- Reason: quieter logs' -Because 'no field adds a line to a Plan'
        }
        # Wrapped between words at 80 columns: the escapes are there once the line breaks of the layout are read as spaces.
        ($journal -replace '\s+', ' ') | Should -Match ([regex]::Escape('\u{0A}Plan:\u{0A}- Action(s): set MM_LOG_LEVEL'))
        ($journal -replace '\s+', ' ') | Should -Match ([regex]::Escape('Need approval: YES\u{0A}\u{1B}[8m'))

        # The prompt: the Plan first, every bound field, the question last on its own line; nothing cut.
        $prompt = ($shown -split "\n(?=Approval request)")[1]
        # A risk change (the cap x1000) is flagged first, and in the Plan the ticket binds.
        $risk = [regex]::Escape("RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')")
        $prompt | Should -Match "(?s)^Approval request $id, expires [^\n]+\n$risk\nPlan:\n- Action\(s\): set MM_MAX_POSITION_SIZE in \S+\.env\.eth: '100' -> '100000'\n- $risk\n- Reason: raise the cap\nNeed approval: YES\n"
        $prompt | Should -Match "(?m)^- Cmdlet: Set-MmEnvParam\n- Action: set\n- Target: MM_MAX_POSITION_SIZE in \S+\.env\.eth\n- Key: MM_MAX_POSITION_SIZE\n- Value: '100000'\n- Command: \(none: a direct file edit\)\n- Reason: raise the cap\nRequested by: "
        ($prompt -split '\n' | Where-Object { $_ } | Select-Object -Last 1) | Should -Be "Approve request $id`?"
        @([regex]::Matches($prompt, '(?m)^Plan:')).Count | Should -Be 1
        $list | Should -Match "'100'\s+->\s+'100000'"  # the view wraps at 80 columns between words
        @($list -split '\n' | Where-Object Length -gt 80) | Should -BeNullOrEmpty
        (Get-MmApprovalRequest $id).State | Should -Be 'Pending' -Because 'the person answered with the default, No'
    }
}

Describe 'What the agent can make the operator''s files grow by, and a journal that takes no records' {
    It '100,000 refused attempts grow the journal by less than 1 MB: one record per command' {
        $before = (Get-Item $Sandbox.AuditLogPath).Length
        $result = Agent 'Stop-MmMarket (@("doge") * 100000) -Reason flood -ErrorAction Ignore; @(@{ Market = "eth"; Param = "MM_API_KEY"; Proposed = "1" }) * 100000 | Submit-MmAdvisorProposal -Reason flood'
        $result.Text | Should -Match 'at most 1000 rows in one submission, and row 1001 is one more'
        (Get-Item $Sandbox.AuditLogPath).Length - $before | Should -BeLessThan 1MB
        $stop, $submit = Get-MmAuditLog -Last 2
        ($stop.Outcome, $stop.LanguageMode, $submit.ErrorId) | Should -Be @('Refused', 'ConstrainedLanguage', 'ProposalRowLimit')
        $stop.Detail | Should -BeLike '100000 attempts of this command were refused (UnknownMarket x100000); the first: *'
    }

    It 'the launcher ends a command past its output cap; the transcript it writes holds what the caller got' {
        $earlier = @(Get-ChildItem $Transcripts -ErrorAction Ignore).Name
        $result = Agent '"x" * 3mb; Stop-MmMarket doge -Reason "after the flood"' -Extra @{ MMOPERATOR_OUTPUT_MB = '1' } -Process
        $result.ExitCode | Should -Be 125
        # Its output is cut at the cap, and its message comes from the launcher (on stderr, so possibly first).
        $lines = $result.Text -split "`n"
        @($lines -match '^x+$').ForEach('Length') | Should -Be 1048576
        $lines | Should -Contain 'mm-operator: the command wrote more than 1 MB; it was ended (exit 125)'
        (Get-MmAuditLog -Last 1).Reason | Should -Not -Be 'after the flood'
        $transcript = @(Get-ChildItem $Transcripts | Where-Object { $_.Name -notin $earlier -and (Select-String -Path $_.FullName -SimpleMatch $ModuleCopy -Quiet) })
        $transcript.Count | Should -Be 1
        $transcript[0].Length | Should -BeLessThan (1MB + 1KB)
        $transcript[0].UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
        Get-Content -Raw $transcript[0].FullName | Should -Match '(?s)^mm-operator transcript\n.*Command: "x" \* 3mb; Stop-MmMarket.*\n\*+\nx{1048576}mm-operator: the command wrote more than 1 MB.*End time: .*, exit code 125\n$'
    }

    It 'a command the launcher ends stops as on Ctrl+C, and journals its refusals' {
        # The launcher ends a command at its wall time or past its output cap with SIGALRM to timeout, which sends
        # PowerShell SIGINT. Once the first refusal is out the command is inside its loop: end it that way then.
        $session = [Diagnostics.Process]::new()
        $session.StartInfo.FileName = $Launcher
        $session.StartInfo.ArgumentList.Add("Stop-MmMarket (@('doge') * 100000) -Reason 'ended mid-way'")
        $session.StartInfo.RedirectStandardOutput = $true
        $null = $session.Start()
        $session.StandardOutput.ReadLine() | Should -Match 'Market .doge. has no market file'
        $timeout = Get-Process | Where-Object { $_.Parent.Id -eq $session.Id -and $_.ProcessName -eq 'timeout' }
        & kill -ALRM $timeout.Id
        $null = $session.StandardOutput.ReadToEnd()
        $session.WaitForExit()
        $session.ExitCode | Should -Be 124
        $record = Get-MmAuditLog -Last 1
        $record.Reason | Should -Be 'ended mid-way'
        $record.Detail -match '^(\d+) attempts of this command were refused \(UnknownMarket x\1\); the first: ' | Should -BeTrue
        [int] $Matches[1] | Should -BeLessThan 100000
    }

    It 'a torn journal tail refuses the agent''s stop before mmctl runs, and its ticket stays unused' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $id = RequestId (Agent 'Stop-MmMarket eth -Reason "SEV1 drawdown"').Text
        $null = Approve-MmApprovalRequest $id -Reason 'ok' -Confirm:$false
        $whole = "$($Sandbox.AuditLogPath).whole"
        Copy-Item $Sandbox.AuditLogPath $whole
        [IO.File]::AppendAllText($Sandbox.AuditLogPath, '{"prev_hash":"')
        try {
            $stops = Stops
            (Agent "Stop-MmMarket eth -Reason 'SEV1 drawdown' -ApprovalId $id").Text | Should -Match 'takes no more records: it ends in part of a record'
            Stops | Should -Be $stops
            (Get-MmApprovalRequest $id).State | Should -Be 'Approved'
        }
        finally { Move-Item $whole $Sandbox.AuditLogPath -Force }
    }
}
