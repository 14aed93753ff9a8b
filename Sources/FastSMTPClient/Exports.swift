@_exported import FastSMTPAPITypes
