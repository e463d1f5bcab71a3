# Issue 20: the process table's truth in every view. A bot that outlived its stop is Orphaned (never
# Stopped) and blocks a second bot; a bot that died but was never reaped (a zombie) is Crashed (never
# Running). Real sandbox processes, counted through /proc as the module reads them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    $script:EthFile = Join-Path $Sandbox.RepoPath '.env.eth'

    function script:Get-BotPid([string] $EnvFile) {
        <# Live processes running `-m market_maker` whose environment names the env file (what a person would count on the host). #>
        foreach ($folder in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
            $cmdline = Get-Content -Raw "$folder/cmdline" -ErrorAction Ignore
            if (-not $cmdline -or $cmdline -notmatch "-m`0market_maker`0" -or -not (Test-Alive ([int] $folder.Name))) { continue }
            $environ = (Get-Content -Raw "$folder/environ" -ErrorAction Ignore) -split "`0"
            if ($environ -contains "ENV=$EnvFile") { [int] $folder.Name }
        }
    }

    function script:Get-StartTicks([int] $Id) {
        $stat = Get-Content -Raw "/proc/$Id/stat"
        [ulong] ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[19]
    }
}

AfterAll {
    foreach ($bot in Get-BotPid $EthFile) { Stop-Process -Id $bot -Force -ErrorAction Ignore }
    foreach ($m in 'eth', 'btc') { $null = Invoke-Mmctl $Sandbox stop $m --json }
    Remove-TestSandbox $Sandbox
}

Describe 'A bot that outlived its stop' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'is Orphaned with its pid in every view, a start is refused with exactly one bot alive, and the state clears once the bot is gone' {
        $started = Use-Environment @{ MM_SANDBOX_FAULT = 'ignore-signals:INT,TERM'; MM_SANDBOX_FAULT_ON = 'start' } { Start-MmMarket eth -Reason 'stubborn bot' -Confirm:$false }
        $botPid = $started.Output.pid
        try {
            $stop = Use-Environment @{ MM_SANDBOX_STOP_GRACE_S = '1' } { Stop-MmMarket eth -Reason 'SEV1' -Confirm:$false -ErrorAction SilentlyContinue }
            $stop.Outcome | Should -Be 'Failed'
            $stop.Detail | Should -Match "kill -TERM $botPid"
            $stop.NewStatus.State | Should -Be 'Orphaned'

            $market = Get-MmMarket | Where-Object Slug -EQ eth
            ($market.State, $market.Pid) | Should -Be @('Orphaned', $botPid)
            $market.Note | Should -Match "pid $botPid lives without mmctl knowing it \(left by a failed stop"
            (Get-MmStatus eth).State | Should -Be 'Orphaned'
            (Get-MmStatus | Where-Object Slug -EQ eth).State | Should -Be 'Orphaned' -Because 'mmctl lists no pid file for it, and the module adds it'
            (Wait-MmMarket eth -State Orphaned -Timeout 60).Pid | Should -Be $botPid
            $health = Get-MmHealth
            ($health.Orphaned, $health.Running) | Should -Be @(1, 0)
            $health.OrphanedMarkets | Should -Be @("ETH-USD (pid $botPid)")
            ($health | Out-String).Trim() | Should -Match "^Orphaned\s+: ETH-USD \(pid $botPid\)"

            # One status query behind every view: the same market reads the same everywhere (a listing
            # once lost the log mmctl names for a market it no longer lists).
            $views = [ordered]@{
                'Get-MmStatus eth'             = Get-MmStatus eth
                'Get-MmStatus'                 = Get-MmStatus | Where-Object Slug -EQ eth
                'Get-MmMarket'                 = $market
                'Wait-MmMarket'                = Wait-MmMarket eth -State Orphaned -Timeout 60
                'Invoke-MmAction status'       = Invoke-MmAction status eth -Reason 'look'
                'Invoke-MmPlaybook'            = (Invoke-MmPlaybook AnalysisOnly eth -Reason 'look').NewStatus
                'Stop-MmMarket (its check)'    = $stop.NewStatus
            }
            $facts = foreach ($view in $views.GetEnumerator()) { "$($view.Key): $($view.Value | Select-Object * -ExcludeProperty GeneratedAt | ConvertTo-Json -Compress)" }
            $facts | ForEach-Object { ($_ -split ': ', 2)[1] } | Select-Object -Unique | Should -HaveCount 1 -Because ($facts -join "`n")
            $market.LogPath | Should -Not -BeNullOrEmpty

            $refusal = { Start-MmMarket eth -Reason 'second bot' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id OrphanedBotRunning StartMmMarketCommand) -PassThru
            $refusal.CategoryInfo.Category | Should -Be 'ResourceExists'
            $refusal.Exception.Message | Should -Match "kill -TERM $botPid"
            $refusal.Exception.Message | Should -Match "kill -KILL $botPid"
            { Restart-MmMarket eth -Reason 'second bot' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id OrphanedBotRunning RestartMmMarketCommand)
            @(Get-BotPid $EthFile) | Should -Be @($botPid) -Because 'exactly one bot quotes the market'
            (Watch-MmMarket -Count 1 | Out-String) | Should -Match "ETH-USD\s+Orphaned\s+$botPid"
            $again = Stop-MmMarket eth -Reason 'SEV1 again' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable stopFailures
            ($again.Outcome, $again.Output.status) | Should -Be @('Failed', 'not_running')
            $stopFailures[0].FullyQualifiedErrorId | Should -Be (Id OrphanedBotRunning StopMmMarketCommand)

            Stop-Process -Id $botPid -Force
            Wait-Until { -not (Test-Alive $botPid) } | Should -BeTrue
            (Get-MmMarket | Where-Object Slug -EQ eth).State | Should -Be 'Stopped'
            (Get-MmHealth).Orphaned | Should -Be 0
        }
        finally { Stop-Process -Id $botPid -Force -ErrorAction Ignore }
    }

    It 'a remembered pid that another process holds now (another start time) is not Orphaned' {
        # The record the module keeps is tried on a live process that is not the bot: this test's own pwsh.
        $store = Join-Path (Split-Path $Sandbox.AuditLogPath) 'orphans.json'
        $ticks = Get-StartTicks $PID
        function Remember([ulong] $StartTicks) {
            ConvertTo-Json -AsArray ([ordered]@{ market = 'eth'; pid = $PID; start_ticks = $StartTicks; recorded_at = '2026-12-04T15:00:00Z'; action = 'stop' }) | Set-Content $store
        }
        try {
            Remember ($ticks - 1)
            (Get-MmStatus eth).State | Should -Be 'Stopped'
            Remember $ticks
            ((Get-MmStatus eth).State, (Get-MmStatus eth).Pid) | Should -Be @('Orphaned', $PID) -Because 'the same pid with the same start time is the same process'
        }
        finally { Remove-Item $store -ErrorAction Ignore }
    }
}

Describe 'A dead bot is not Running' {
    BeforeEach { $Sandbox | Set-MmOperatorOption }

    It 'a bot that died under a parent that never reaps (a zombie mmctl calls running) is Crashed in every view, and a start says why instead of already running' {
        # A container started without an init: the bot mmctl leaves behind is re-parented to a process
        # that never waits for it, so once it dies it stays a zombie. PR_SET_CHILD_SUBREAPER makes this
        # small parent that process; it runs the sandbox's mmctl as the host's container would.
        $parent = "import ctypes, subprocess, sys`nctypes.CDLL(None).prctl(36, 1, 0, 0, 0)`nprint(subprocess.run(sys.argv[1:], capture_output=True, text=True).stdout.replace('\n', ' '), flush=True)`nsys.stdin.read()"
        $info = [Diagnostics.ProcessStartInfo]::new($Sandbox.PythonPath)
        foreach ($argument in '-c', $parent, $Sandbox.MmctlPath, 'start', 'eth', '--json') { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $reaper = [Diagnostics.Process]::Start($info)
        try {
            $botPid = ($reaper.StandardOutput.ReadLine() | ConvertFrom-Json).pid
            Stop-Process -Id $botPid -Force
            Wait-Until { -not (Test-Alive $botPid) } | Should -BeTrue
            Test-Path "/proc/$botPid" | Should -BeTrue -Because 'the bot is a zombie, not reaped'
            (Invoke-Mmctl $Sandbox status eth --json).Json.instances[0].status | Should -Be 'running' -Because 'mmctl, as on the host, only asks whether the pid exists'

            $status = Get-MmStatus eth
            ($status.State, $status.Pid) | Should -Be @('Crashed', $botPid)
            $status.Note | Should -Match 'zombie.*mmctl still calls it running'
            (Get-MmMarket | Where-Object Slug -EQ eth).State | Should -Be 'Crashed'
            $health = Get-MmHealth
            ($health.Running, $health.Crashed) | Should -Be @(0, 1)
            $health.CrashedMarkets | Should -Be @('ETH-USD')

            $start = Start-MmMarket eth -Reason 'dead bot' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures
            $start.Outcome | Should -Be 'Failed'
            $start.Detail | Should -Match 'zombie'
            $failures[0].FullyQualifiedErrorId | Should -Be (Id MarketActionFailed StartMmMarketCommand)
            @(Get-BotPid $EthFile) | Should -BeNullOrEmpty
        }
        finally {
            $reaper.StandardInput.Close()
            $null = $reaper.WaitForExit(10000)
            $null = Invoke-Mmctl $Sandbox stop eth --json
        }
    }
}
