extension Migrations {
    /// 0002: a per-recipient webhook signing secret (`whsec_…`, Standard Webhooks). Recipients from before get one
    /// the first time it is needed.
    static let m0002RecipientSigningSecrets = Migration(
        revision: "0002",
        description: "recipient signing secrets",
        up: { _ in ["ALTER TABLE recipients ADD COLUMN signing_secret VARCHAR(128)"] },
        down: { _ in ["ALTER TABLE recipients DROP COLUMN signing_secret"] }
    )
}
