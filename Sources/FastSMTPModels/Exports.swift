// IDNA moved to its own module (fsmtp uses it too); the server modules keep reaching it through this one.
@_exported import DomainNames
