import DNSClient

extension DKIMVerifier {
    /// The answer for one key name.
    enum KeyLookup: Sendable {
        /// The TXT records at the name (each record's strings already concatenated), at least one.
        case records([String])
        case failure(DKIMFailure)
    }

    // RFC 6376 §6.1.2:
    //   3. If the query for the public key fails to respond, the Verifier MAY seek a later verification attempt by
    //      returning TEMPFAIL (key unavailable).
    //   4. If the query for the public key fails because the corresponding key record does not exist, the Verifier
    //      MUST immediately return PERMFAIL (no key for signature).
    //   5. If the query for the public key returns multiple key records, the Verifier can choose one of the key
    //      records or may cycle through the key records ... (bounded here by DKIMLimits.maxKeyRecords).
    // RFC 6376 §3.6.2.2: the strings of one TXT record are concatenated (the resolver does that).

    /// Queries every name at once (structured: one child task per name, all awaited here).
    func lookUpKeys(_ names: [String]) async -> [String: KeyLookup] {
        guard !names.isEmpty else { return [:] }
        let resolver = self.resolver
        return await withTaskGroup(of: (String, KeyLookup).self) { group in
            for name in names {
                group.addTask {
                    do throws(DNSError) {
                        let records = try await resolver.txt(name)
                        if records.isEmpty {
                            return (name, .failure(.permerror("no key record at \(name) (no TXT data)")))
                        }
                        return (name, .records(records))
                    } catch {
                        switch error {
                        case .nameDoesNotExist:
                            return (name, .failure(.permerror("no key record at \(name) (NXDOMAIN)")))
                        case .temporaryFailure(let detail):
                            return (name, .failure(.temperror("key lookup for \(name) failed temporarily: \(detail)")))
                        }
                    }
                }
            }
            var answers: [String: KeyLookup] = [:]
            for await (name, answer) in group { answers[name] = answer }
            return answers
        }
    }
}
