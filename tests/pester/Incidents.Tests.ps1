# Incidents across markets: several markets in one command, run side by side; and the demo as a user runs it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    function script:Stop-All { Stop-SandboxBot $Sandbox }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Several markets at once' {
    BeforeEach { Stop-All }

    It 'runs the approved stops side by side: each market is reported, with a table view that fits 80 columns' {
        $started = Start-MmMarket eth, BTC-USD, .env.mu_24_5 -Reason 'open' -Confirm:$false
        $started.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'MU_24_5-USD')
        $started.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        $before = Get-InvocationCount $Sandbox
        # Each stop is held until all three are running: one after another, the first would wait until it timed out.
        $release = Join-Path $TestDrive 'all-three-stops-running'
        $watcher = Start-ThreadJob -ArgumentList $Sandbox.InvocationLogPath, $before, $release {
            param($log, $before, $release)
            while (@(Get-Content $log | Select-Object -Skip $before | Where-Object { ($_ | ConvertFrom-Json).argv[0] -eq 'stop' }).Count -lt 3) { Start-Sleep -Milliseconds 50 }
            $null = New-Item $release
        }
        try { $results = Invoke-WithFault "hold-stop:$release" -On stop { Stop-MmMarket eth, btc, mu_24_5 -Reason 'SEV1 across markets' -Confirm:$false } }
        finally { $watcher | Remove-Job -Force }
        $release | Should -Exist
        @(Get-Invocation $Sandbox | Select-Object -Skip $before | Where-Object { $_.argv[0] -eq 'stop' }).Count | Should -Be 3
        $results.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'MU_24_5-USD')
        $results.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        $results.NewStatus.State | Should -Be @('Stopped', 'Stopped', 'Stopped')
        (Get-MmAuditLog -Last 3).Id | Sort-Object | Should -Be ($results.AuditId | Sort-Object)
        $table = ($results | Format-Table | Out-String -Width 80) -split "`n"
        $table | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        ($table -join "`n") | Should -Match 'MU_24_5-USD\s+stop\s+Succeeded\s+Stopped\s+\d+\.\d\s+stopped \(pid \d+\)'
    }

    It 'a failing market never stops the others, and -ThrottleLimit is validated' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $results = Restart-MmMarket eth, btc, doge -Reason 'stuck' -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.FullyQualifiedErrorId | Should -Be @((Id UnknownMarket RestartMmMarketCommand))
        $results.Outcome | Should -Be @('Succeeded', 'Succeeded')
        $results.NewStatus.State | Should -Be @('Running', 'Running')
        { Stop-MmMarket eth -ThrottleLimit 0 -Reason 'x' -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MmOperator.Commands.StopMmMarketCommand'
    }
}

Describe 'Ctrl+C in the middle of an incident' {
    BeforeEach { Stop-All }

    It 'lets the stops under way finish, says which on the console, starts no other, and journals each market once' {
        $names = [ordered]@{ eth = 'ETH-USD'; btc = 'BTC-USD'; spx500m = 'SPX500m-USD' }
        $bots = @{}
        foreach ($slug in $names.Keys) { $bots[$slug] = (Invoke-Mmctl $Sandbox start $slug --json).Json.pid }
        $before = Get-InvocationCount $Sandbox
        $since = [datetime]::UtcNow
        $transcript = Join-Path $TestDrive 'terminal.txt'
        # Two stops at once (the third waits for a slot); each is held before its SIGINT, as a slow host's, until the test releases it.
        $release = Join-Path $TestDrive 'release-stops'
        $terminal = Use-Environment @{ MM_SANDBOX_FAULT = "hold-stop:$release"; MM_SANDBOX_FAULT_ON = 'stop' } {
            Start-InTerminal -Transcript $transcript "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; Stop-MmMarket eth, btc, spx500m -Reason 'SEV1' -Confirm:`$false -ThrottleLimit 2"
        }
        try {
            $stops = { @(Get-Invocation $Sandbox | Select-Object -Skip $before | Where-Object { $_.argv[0] -eq 'stop' }) }
            Wait-Until { (& $stops).Count -eq 2 } -TimeoutSec 60 | Should -BeTrue
            Send-CtrlC $terminal
            Wait-Until { (Read-Terminal $transcript) -match 'Ctrl\+C: letting' } -TimeoutSec 60 | Should -BeTrue -Because "the notice shows at once; the terminal showed: $(Read-Terminal $transcript)"
            # A second Ctrl+C changes nothing: PowerShell stops a command once, and no stop under way is killed.
            Send-CtrlC $terminal
            $null = New-Item $release
            $terminal.WaitForExit(120000) | Should -BeTrue
        }
        finally {
            $null = New-Item $release -Force
            if (-not $terminal.HasExited) { $terminal.Kill($true) }
        }

        $stopped = @($names.Keys | Where-Object { $_ -in (& $stops).argv })
        $stopped.Count | Should -Be 2
        $left = @($names.Keys | Where-Object { $_ -notin $stopped })
        $screen = Read-Terminal $transcript
        $screen | Should -Match ([regex]::Escape("WARNING: Ctrl+C: letting the stops of $($names[$stopped[0]]), $($names[$stopped[1]]) finish (a stop under way is the safe action); each outcome is shown here when it is known. Ctrl+C came before their turn, so not stopped: $($names[$left[0]])."))
        foreach ($slug in $stopped) {
            $screen | Should -Match "WARNING: Stop $($names[$slug]): Succeeded: stopped \(pid $($bots[$slug])\)\. Journal record \S+\."
            Test-Alive $bots[$slug] | Should -BeFalse -Because "the stop of $slug was under way"
        }
        Test-Alive $bots[$left[0]] | Should -BeTrue -Because 'its stop never started, and the console says so'
        # Each market: its intent, written before anything ran, and exactly one outcome that names it.
        $all = @(Get-MmAuditLog -Since $since -Action stop)
        $intents = @($all | Where-Object Outcome -EQ 'Intended')
        $journal = @($all | Where-Object Outcome -NE 'Intended')
        $intents.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'SPX500m-USD')
        $journal.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'SPX500m-USD')
        @($journal | Where-Object { $_.Attempt -notin $intents.Id }) | Should -BeNullOrEmpty
        ($journal | Where-Object Market -In $stopped.ForEach({ $names[$_] })).Outcome | Should -Be @('Succeeded', 'Succeeded')
        ($journal | Where-Object Market -EQ $names[$left[0]]).Outcome | Should -Be 'Cancelled'
        $journal.Approval | Should -Be @('ConfirmFalse', 'ConfirmFalse', 'ConfirmFalse')
    }
}

Describe 'The demo' {
    It 'runs on a new sandbox, answers a real prompt, and writes plain text to a log' {
        $log = Join-Path $TestDrive 'demo.log'
        & bash -c 'exec dotnet "$0" -NoProfile -NonInteractive -File "$1" -ModulePath "$2" > "$3" 2>&1' (Join-Path $PSHOME 'pwsh.dll') (Join-Path $PSScriptRoot '../../tools/Demo.ps1') $env:MMOPERATOR_TEST_MODULE $log
        $LASTEXITCODE | Should -Be 0
        $text = Get-Content -Raw $log
        $text | Should -Not -Match "`e" -Because 'a log gets no colour codes'
        $person = ($text -split '== A person at the prompt')[1] -split '== An answer from a pipe' | Select-Object -First 1
        # One question for both markets before anything ran, typed at a terminal: P (per market), y for the first, an empty line (No) for the second.
        $person | Should -Match 'Approve: start 2 markets \(ETH-USD, SPX500m-USD\)\?\n\[Y\] Yes to all  \[N\] No  \[P\] Per market  \[\?\] Help \(default is "N"\): p\n'
        $person | Should -Match '1 of 2: \S+/mmctl start eth --json\?\n\[Y\] Yes  \[N\] No  \[\?\] Help \(default is "N"\): y\n(.|\n)*2 of 2: \S+/mmctl start spx500m --json\?\n.*\(default is "N"\): \n(.|\n)*Result:'
        $person | Should -Match '- start ETH-USD: started \(pid \d+\) \[Succeeded\]'
        $person | Should -Not -Match '- start SPX500m-USD'
        $text | Should -Match 'start SPX500m-USD: Declined' -Because 'the journal keeps the No'
        $piped = ($text -split '== An answer from a pipe')[1] -split '== A script approves' | Select-Object -First 1
        ($piped -replace '\n\s*\| ', ' ') | Should -Match 'start 2 markets needs approval .*not from a person\)\. Nothing ran\.(.|\n)*exit code 1\n' -Because 'yes | pwsh -File is refused'
        $text | Should -Match 'Market\s+Action\s+Outcome\s+State\s+Sec\s+Detail' -Because 'SEV1 across two markets is one table'
        $text | Should -Match 'SPX500m-USD\s+Stopped\s+testnet\s+\.env\.spx500m' -Because 'Get-MmMarket lists a never-started market'
        $text | Should -Match 'ETH-USD\s+Crashed\s+\d+ testnet\s+\.env\.eth\s+stale pid file'
        $text | Should -Match '\nsandbox fault: the bot crashed \d+\.\d s after it started\n' -Because 'Get-MmLog shows its last words'
        $text | Should -Match 'Journal\s+: chain valid' -Because 'Get-MmHealth sums it up'
        $text | Should -Match "RiskChangeNeedsForce,MmOperator\.Commands\.SetMmEnvParamCommand\n  .*RISK: MM_MAX_POSITION_SIZE x1000 \('100' -> '100000'\)" -Because 'a fat finger is caught'
        $campaign = ($text -split '== A campaign from a CSV')[1] -split '== Advisor' | Select-Object -First 1
        $campaign | Should -Match 'EnvValueOutOfBounds,MmOperator\.Commands\.SetMmEnvParamCommand\n  SPX500m-USD \(' -Because 'the typo is refused, naming its row'
        $campaign | Should -Match 'EnvCampaignNotApplied(.|\n)*none of the 2 valid ones was asked about or written'
        $campaign | Should -Match "1\. set MM_SKEW_MAX_BPS in \S+\.env\.eth: '20' -> '30'\n  2\. (.|\n)*  3\. set MM_SKEW_MAX_BPS in \S+\.env\.spx500m: '20' -> '30'"
        $campaign | Should -Match "module\s+edit\s+by\s+\S+;\s+id\s+\S+;\s+batch\s+\S+;\s+reason:\s+more\s+skew\s+in\s+the\s+trend"
        $campaign | Should -Match 'SPX500m-USD\s+MM_SKEW_MAX_BPS\s+30\s+20\n' -Because 'the campaign is undone'
        $campaign | Should -Match "SPX500m-USD MM_SKEW_MAX_BPS: '30' -> '20'\n  module\s+edit\s+by\s+\S+;\s+id\s+\S+;\s+batch\s+\S+;\s+reason:\s+undo\s+\S+:\s+the\s+skew\s+campaign\s+overshot" -Because 'each undo names the change it undid'
        $text | Should -Not -Match 'Exception'
    }
}
