import Foundation

/// Runs a program to completion: its exit status and both outputs. Input and output go through temporary files, not
/// pipes: a pipe's write end can leak into a process spawned concurrently by another test (a long-lived dnsmasq,
/// say), and then the reader never sees end-of-file.
public func runProcessCapturing(
    _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil,
    stdin: Data? = nil
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("fastsmtp-proc-\(UUID().uuidString)")
    let outURL = base.appendingPathExtension("out")
    let errURL = base.appendingPathExtension("err")
    let inURL = base.appendingPathExtension("in")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    FileManager.default.createFile(atPath: inURL.path, contents: stdin ?? Data())
    defer {
        for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let input = stdin == nil ? FileHandle.nullDevice : try FileHandle(forReadingFrom: inURL)
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
        }
    }
    try? out.close()
    try? err.close()
    if stdin != nil { try? input.close() }
    let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return (status, stdout, stderr)
}
