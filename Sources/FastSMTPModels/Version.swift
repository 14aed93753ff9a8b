public enum FastSMTPVersion { public static let current = "0.1.0" }
