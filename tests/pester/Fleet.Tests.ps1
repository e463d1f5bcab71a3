# A fleet, for real: three hosts on this machine, each a network namespace reached over a veth pair, running sshd
# with PowerShell's remoting subsystem and an operator account with its sandbox host, the module and its saved
# options (New-FleetLab). This process is the desk's console: it connects with a key of its own.
# Needs root on Linux (as TwoUser.Tests.ps1); installs openssh-server if missing.
BeforeDiscovery {
    $script:Runnable = $IsLinux -and (& id -u) -eq '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    if (-not $Runnable) { return }
    $script:Lab = New-FleetLab -HostCount 3
    $script:Hosts = $Lab.Hosts
    $script:Sessions = New-PSSession -HostName $Hosts.Target -KeyFilePath $Lab.KeyFilePath
}

AfterAll {
    if (-not $Runnable) { return }
    if ($Sessions) { Remove-PSSession $Sessions }
    Remove-FleetLab $Lab
}

Describe 'A fleet over PowerShell remoting on SSH' -Skip:(-not $Runnable) {
    It 'each host answers over its own link as its own operator, with the module and the options saved there' {
        $answers = Invoke-Command -Session $Sessions {
            Import-Module MmOperator
            [pscustomobject]@{ User = [Environment]::UserName; Link = $env:SSH_CONNECTION; Repo = (Get-MmOperatorOption).RepoPath; Markets = @(Get-MmMarket | Where-Object State -eq 'Running').Count }
        }
        foreach ($fleetHost in $Hosts) {
            $answer = @($answers | Where-Object PSComputerName -eq $fleetHost.Address)
            $answer.Count | Should -Be 1
            $answer.User | Should -Be $fleetHost.Operator
            $answer.Link | Should -Match "^$([regex]::Escape($fleetHost.Console)) \d+ $([regex]::Escape($fleetHost.Address)) 22$"
            $answer.Repo | Should -Be $fleetHost.Sandbox.RepoPath
            $answer.Markets | Should -Be 2
        }
    }
}
