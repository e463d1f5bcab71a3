# The hostile-input corpus (tests/hostile/corpus.jsonl): every entry is refused with a stable error id,
# starts no process, leaves every .env file and the proposals file byte-identical, and shows no secret.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    $null = [pscustomobject]@{ Market = 'ETH-USD'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8' } | Submit-MmAdvisorProposal -Reason 'corpus setup' -Confirm:$false
    $script:Corpus = Get-Content (Join-Path $PSScriptRoot '../hostile/corpus.jsonl') | ForEach-Object { $_ | ConvertFrom-Json }
    $script:Secrets = (Get-ChildItem $Sandbox.RepoPath -Force -Filter '.env*' | Get-Content) -match '^MM_(API_KEY|STARK_PRIVATE_KEY|STARK_PUBLIC_KEY|VAULT_ID|BUILDER_ID)=' -replace '^[A-Z_]+=', '' | Where-Object Length -ge 6 | Sort-Object -Unique
    $script:Binding = 'ParameterArgumentValidationError', 'ParameterArgumentTransformationError', 'ParameterBindingFailed'
    $script:Cases = @{
        market      = @{ Ids = 'InvalidMarketFormat', 'UnknownMarket', 'AmbiguousMarket'; Run = { param($in) Stop-MmMarket -Market $in -Reason 'hostile' -Confirm:$false } }
        key         = @{ Ids = 'protected_key', 'InvalidEnvKey', 'NonMmKeyRefused', 'LoaderKeyRefused'; Run = { param($in) Set-MmEnvParam -Market eth -Name $in -Value 1 -Reason 'hostile' -Confirm:$false } }
        value       = @{ Ids = 'InvalidEnvValue', 'EnvValueOutOfBounds'; Run = { param($in) Set-MmEnvParam -Market eth -Name MM_NOTE -Value $in -Reason 'hostile' -Confirm:$false } }
        proposal_id = @{ Ids = @('InvalidProposalId'); Run = { param($in) Approve-MmAdvisorProposal -ProposalId $in -Reason 'hostile' -Confirm:$false } }
        path        = @{ Ids = @('InvalidProposalRow'); Run = { param($in) Submit-MmAdvisorProposal -Path $in -Reason 'hostile' -Confirm:$false } }
        reason      = @{ Ids = @('InvalidReason'); Run = { param($in) Stop-MmMarket -Market eth -Reason $in -Confirm:$false } }
    }
    function script:Files { Get-ChildItem $Sandbox.RepoPath -Force -Filter '.env*' | Where-Object Name -notlike '*.lock' | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, (Get-FileHash $_.FullName).Hash }; (Get-FileHash (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl')).Hash }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Hostile input' {
    It 'has at least 300 entries across every category' {
        $Corpus.Count | Should -BeGreaterOrEqual 300
        ($Corpus.category | Sort-Object -Unique) | Should -Be @('key', 'market', 'path', 'proposal_id', 'reason', 'value')
    }

    It 'refuses every <_> entry with a stable id and changes and runs nothing' -ForEach 'market', 'key', 'value', 'proposal_id', 'path', 'reason' {
        $category = $_
        $case = $Cases[$category]
        $entries = @($Corpus | Where-Object category -eq $category)
        $problems = [System.Collections.Generic.List[string]]::new()
        $files = Files
        foreach ($entry in $entries) {
            $before = (Get-InvocationCount $Sandbox)
            $all = try { @(& $case.Run $entry.input *>&1) } catch { @($_) }
            $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            # What a user sees: the output as formatted, and each error's message and target (formatting error records adds only the typed input).
            $output = $all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | Out-String
            $shown = ($entry.input -replace '[^\x20-\x7e]', '?')
            $shown = if ($shown.Length -gt 40) { $shown.Substring(0, 40) + '...' } else { $shown }
            $id = if ($errors) { ("$($errors[0].FullyQualifiedErrorId)" -split ',')[0] } else { '' }
            if (-not $id) { $problems.Add("[$shown] was not refused") }
            elseif ($id -notin $case.Ids -and -not ($Binding | Where-Object { $id.StartsWith($_) })) { $problems.Add("[$shown] refused with unexpected id $id") }
            if ((Get-InvocationCount $Sandbox) -ne $before) { $problems.Add("[$shown] started a process") }
            $text = $output + ($errors | ForEach-Object { "$_ $($_.TargetObject)" }) -join "`n"
            foreach ($secret in $Secrets) { if ($text.Contains($secret)) { $problems.Add("[$shown] showed a secret") } }
        }

        (Files) | Should -Be $files
        Write-Host ("{0,-12} {1,4} entries refused" -f $category, $entries.Count)
        $problems | Should -BeNullOrEmpty
    }
}
