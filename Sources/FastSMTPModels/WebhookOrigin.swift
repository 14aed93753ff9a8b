import Foundation

/// The destination a webhook URL points at, as `scheme://host:port` (lower-cased, default port filled in): what the
/// per-destination concurrency limit counts by, and what a delivery row records next to its URL.
public enum WebhookOrigin {
    public static func of(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }
}
