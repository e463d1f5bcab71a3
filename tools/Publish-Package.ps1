<#
.SYNOPSIS
    Writes the .nupkg of a built module folder into an output folder (a local PSResourceGet repository).
    build.ps1 Package runs it; the packaging test runs it too.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputPath
)
$ErrorActionPreference = 'Stop'
$null = New-Item -ItemType Directory -Force $OutputPath
$name = 'MmOperatorBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $name -Uri (Resolve-Path $OutputPath).Path -Trusted
try {
    Publish-PSResource -Path (Resolve-Path $ModulePath).Path -Repository $name
}
finally {
    Unregister-PSResourceRepository -Name $name
}
Get-ChildItem $OutputPath -Filter 'MmOperator.*.nupkg' | Sort-Object LastWriteTime | Select-Object -Last 1 -ExpandProperty FullName
