import MIME

// MARK: - Expected values from mail-parser's JSON

/// An attachment as compared: content type, file name, and content (nil for encapsulated messages).
struct AttachmentSummary: Equatable, CustomStringConvertible {
    var contentType: String
    var filename: String?
    var content: Content?

    enum Content: Equatable {
        case text(String)
        case bytes([UInt8])
    }

    var description: String {
        let body: String =
            switch content {
            case .text(let text)?: "text(\(text.prefix(40).debugDescription))"
            case .bytes(let bytes)?: "bytes(\(bytes.count))"
            case nil: "-"
            }
        return "\(contentType) \(filename ?? "-") \(body)"
    }

    /// Ours: text attachments decoded with their charset, everything without CR.
    init(_ attachment: MIMEAttachment) {
        contentType = attachment.contentType
        filename = attachment.filename
        if attachment.contentType.hasPrefix("message/rfc822") || attachment.contentType == "message/global" {
            content = nil
        } else if attachment.contentType.hasPrefix("text/") {
            content = .text(Charset.decode(attachment.content, label: attachment.charset).string.withoutCR)
        } else {
            content = .bytes(attachment.content.filter { $0 != 0x0D })
        }
    }

    init(contentType: String, filename: String?, content: Content?) {
        self.contentType = contentType
        self.filename = filename
        self.content = content
    }
}

/// Part kind and type, recursively.
struct TreeNode: Equatable, CustomStringConvertible {
    var kind: String
    var type: String
    var children: [TreeNode]

    var description: String { children.isEmpty ? "\(kind):\(type)" : "\(kind):\(type)\(children)" }

    init(kind: String, type: String, children: [TreeNode]) {
        self.kind = kind
        self.type = type
        self.children = children
    }

    init(_ part: MIMEPart) {
        kind = "\(part.kind)"
        type = part.effectiveMIMEType
        children = part.parts.map(TreeNode.init)
    }
}

/// mail-parser's JSON read into what our model exposes, using our body-selection rules.
struct MailParserExpectation {
    var subject: String?
    var from: [String] = []
    var to: [String] = []
    var text: String?
    var html: String?
    var attachments: [AttachmentSummary] = []
    var tree: TreeNode

    init?(_ json: [String: Any]) {
        guard let parts = json["parts"] as? [[String: Any]], let root = parts.first else { return nil }
        subject = (Self.header(root, "subject") as? [String: Any])?["Text"] as? String
        from = Self.addresses(Self.header(root, "from"))
        to = Self.addresses(Self.header(root, "to"))
        tree = TreeNode(kind: "leaf", type: "", children: [])
        tree = visit(parts, 0, defaultType: "text/plain")
    }

    static func header(_ part: [String: Any], _ name: String) -> Any? {
        (part["headers"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["value"]
    }

    static func addresses(_ value: Any?) -> [String] {
        guard let address = (value as? [String: Any])?["Address"] as? [String: Any] else { return [] }
        let list =
            address["List"] as? [[String: Any]]
            ?? (address["Group"] as? [[String: Any]] ?? []).flatMap { $0["addresses"] as? [[String: Any]] ?? [] }
        return list.map { $0["address"] as? String ?? "" }
    }

    static func parameters(_ header: [String: Any]?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in header?["attributes"] as? [[String: Any]] ?? [] {
            if let name = attribute["name"] as? String, let value = attribute["value"] as? String {
                result[name] = value
            }
        }
        return result
    }

    /// Walks the part tree like `BodySelection` does and returns the tree node.
    mutating func visit(_ parts: [[String: Any]], _ index: Int, defaultType: String) -> TreeNode {
        let part = parts[index]
        let contentType = (Self.header(part, "content_type") as? [String: Any])?["ContentType"] as? [String: Any]
        let disposition = (Self.header(part, "content_disposition") as? [String: Any])?["ContentType"] as? [String: Any]
        var type = defaultType
        if let major = contentType?["c_type"] as? String, let minor = contentType?["c_subtype"] as? String {
            type = "\(major)/\(minor)".lowercased()
        }
        let filename = Self.parameters(disposition)["filename"] ?? Self.parameters(contentType)["name"]
        let dispositionType = (disposition?["c_type"] as? String)?.lowercased()
        let body = part["body"] as? [String: Any] ?? [:]

        if let children = body["Multipart"] as? [Int] {
            let childType = type == "multipart/digest" ? "message/rfc822" : "text/plain"
            return TreeNode(
                kind: "multipart", type: type, children: children.map { visit(parts, $0, defaultType: childType) })
        }
        if type == "message/rfc822" || type == "message/global" {
            // Encapsulated messages are attachments whose content is not compared (mail-parser keeps no raw bytes).
            attachments.append(AttachmentSummary(contentType: type, filename: filename, content: nil))
            let child = (body["Message"] as? [String: Any]).flatMap(MailParserExpectation.init).map { [$0.tree] }
            return TreeNode(kind: child == nil ? "leaf" : "message", type: type, children: child ?? [])
        }
        if let inner = body["Message"] as? [String: Any] {
            attachments.append(AttachmentSummary(contentType: type, filename: filename, content: nil))
            let child = MailParserExpectation(inner).map { [$0.tree] } ?? []
            return TreeNode(kind: "message", type: type, children: child)
        }
        if type.hasPrefix("multipart/") { type = "text/plain" }  // a multipart kept as text
        var content: AttachmentSummary.Content = .text("")
        if let string = body["Text"] as? String ?? body["Html"] as? String {
            content = .text(string.withoutCR)
        } else if let bytes = body["Binary"] as? [Int] ?? body["InlineBinary"] as? [Int] {
            content = .bytes(bytes.map { UInt8(truncatingIfNeeded: $0) }.filter { $0 != 0x0D })
        }
        let node = TreeNode(kind: "leaf", type: type, children: [])
        if type == "text/plain" || type == "text/html", dispositionType != "attachment" {
            if type == "text/plain", text == nil, case .text(let string) = content {
                text = string
                return node
            }
            if type == "text/html", html == nil, case .text(let string) = content {
                html = string
                return node
            }
        }
        if type == "text/plain" || type == "text/html", dispositionType == nil, filename == nil {
            let blank: Bool =
                switch content {
                case .text(let string): string.allSatisfy(\.isWhitespace)
                case .bytes(let bytes): bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                }
            if blank { return node }
        }
        if type.hasPrefix("text/"), case .bytes(let bytes) = content {
            content = .text(String(decoding: bytes, as: UTF8.self))
        }
        attachments.append(AttachmentSummary(contentType: type, filename: filename, content: content))
        return node
    }
}

// MARK: - CPython structure.json

struct CPythonNode: Equatable, CustomStringConvertible {
    var type: String
    var parameters: [String: String]
    var filename: String?
    var children: [CPythonNode]?
    var hash: String?

    var description: String {
        "\(type)\(parameters.isEmpty ? "" : "\(parameters)")\(filename.map { " file=\($0)" } ?? "")\(children.map { "\($0)" } ?? "")"
    }

    var withoutHashes: CPythonNode {
        var copy = self
        copy.hash = nil
        copy.children = children?.map(\.withoutHashes)
        return copy
    }

    var hashes: [String] { (hash.map { [$0] } ?? []) + (children ?? []).flatMap(\.hashes) }

    init(_ json: [String: Any]) {
        type = json["content_type"] as? String ?? ""
        parameters = (json["params"] as? [String: String] ?? [:]).filter { !$0.key.isEmpty && !$0.value.isEmpty }
        filename = json["filename"] as? String
        children = (json["parts"] as? [[String: Any]])?.map(CPythonNode.init)
        hash = json["decoded_sha256"] as? String
    }

    init(_ part: MIMEPart, hashes: Bool) {
        type = part.contentType.mimeType
        parameters = Dictionary(
            part.contentType.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        filename = part.filename
        children = part.kind == .leaf ? nil : part.parts.map { CPythonNode($0, hashes: hashes) }
        hash = hashes && part.kind == .leaf ? SHA256.hex(part.decodedBody()) : nil
    }
}
